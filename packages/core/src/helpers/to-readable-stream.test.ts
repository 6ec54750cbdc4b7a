import { afterEach, describe, expect, it, vi } from "vitest";
import { SseDecoder } from "../decoders/sse-decoder.js";
import { AuthenticationError } from "../errors/errors.js";
import type { StreamChunk } from "../types/stream-chunk.js";
import { toReadableStream, toSSE } from "./to-readable-stream.js";

const KEY = "sk-proj-Abc123XyZ789SecretKeyValue";

const chunks: StreamChunk[] = [
  { type: "thinking", thinking: "hmm\nmore" },
  { type: "content", content: "Hello 世界 🦙\n\ndata: not an event" },
  { type: "tool_calls", toolCalls: [{ id: "c1", name: "f", arguments: { a: [1, "x"] } }] },
  {
    type: "done",
    finishReason: "tool_calls",
    model: "m",
    provider: "p",
    usage: { inputTokens: 1, outputTokens: 2 },
  },
];

/**
 * An iterator over `items` that counts `next()` calls and records `return()`. With `gate`, each
 * `next()` waits until the test releases it.
 */
function tracked<T>(items: T[], options: { error?: unknown; gated?: boolean } = {}) {
  const state = { nexts: 0, returned: false };
  const gates: (() => void)[] = [];
  let i = 0;
  const iterator: AsyncIterableIterator<T> = {
    [Symbol.asyncIterator]() {
      return iterator;
    },
    async next() {
      state.nexts++;
      if (options.gated) await new Promise<void>((resolve) => gates.push(resolve));
      if (i < items.length) return { done: false, value: items[i++]! };
      if (options.error !== undefined) throw options.error;
      return { done: true, value: undefined };
    },
    async return() {
      state.returned = true;
      return { done: true, value: undefined };
    },
  };
  return { iterator, state, release: () => gates.shift()?.() };
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const bytes of stream) text += decoder.decode(bytes, { stream: true });
  return text + decoder.decode();
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

afterEach(() => {
  vi.useRealTimers();
});

describe("toReadableStream", () => {
  it("yields every item and closes", async () => {
    const { iterator } = tracked(chunks);
    const out: StreamChunk[] = [];
    for await (const chunk of toReadableStream(iterator)) out.push(chunk);
    expect(out).toEqual(chunks);
  });

  it("pulls lazily: one source item per read, nothing before the first", async () => {
    const { iterator, state } = tracked(chunks);
    const reader = toReadableStream(iterator).getReader();
    await flush();
    expect(state.nexts).toBe(0);
    expect((await reader.read()).value).toEqual(chunks[0]);
    await flush();
    expect(state.nexts).toBe(1);
    await reader.read();
    await reader.read();
    await flush();
    expect(state.nexts).toBe(3);
  });

  it("errors the stream with the source's error", async () => {
    const failure = new Error("boom");
    const { iterator } = tracked([chunks[0]!], { error: failure });
    const reader = toReadableStream(iterator).getReader();
    await reader.read();
    await expect(reader.read()).rejects.toBe(failure);
  });

  it("cancel calls the source's return()", async () => {
    const { iterator, state } = tracked(chunks);
    const reader = toReadableStream(iterator).getReader();
    await reader.read();
    await reader.cancel("client went away");
    expect(state.returned).toBe(true);
    expect(state.nexts).toBe(1);
  });

  it("cancel while a read is pending returns the source and ignores its late item", async () => {
    const { iterator, state, release } = tracked(chunks, { gated: true });
    const reader = toReadableStream(iterator).getReader();
    const pending = reader.read();
    await flush();
    const cancelled = reader.cancel();
    release();
    await cancelled;
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(state.returned).toBe(true);
  });

  it("cancelling before any read never starts the source", async () => {
    let started = false;
    const source: AsyncIterable<StreamChunk> = {
      [Symbol.asyncIterator]() {
        started = true;
        return tracked(chunks).iterator;
      },
    };
    await toReadableStream(source).cancel();
    expect(started).toBe(false);
  });
});

describe("toSSE", () => {
  it("encodes each chunk as one data event that SseDecoder parses back", async () => {
    const { iterator } = tracked(chunks);
    const text = await readAll(toSSE(iterator));
    expect(text.startsWith("data: {")).toBe(true);
    const decoder = new SseDecoder();
    const events = [...decoder.push(new TextEncoder().encode(text)), ...decoder.end()];
    expect(events.map((event) => JSON.parse(event.data))).toEqual(chunks);
    expect(events.every((event) => event.event === undefined)).toBe(true);
  });

  it("ends with an `event: error` carrying the AdapterError's redacted JSON", async () => {
    const failure = new AuthenticationError(`openai 401: Incorrect API key provided: ${KEY}`, {
      provider: "openai",
      status: 401,
    });
    const { iterator } = tracked([chunks[1]!], { error: failure });
    const text = await readAll(toSSE(iterator));
    expect(text).not.toContain(KEY);
    const decoder = new SseDecoder();
    const events = [...decoder.push(new TextEncoder().encode(text)), ...decoder.end()];
    expect(events).toHaveLength(2);
    expect(events[1]!.event).toBe("error");
    expect(JSON.parse(events[1]!.data)).toEqual(failure.toJSON());
    expect(JSON.parse(events[1]!.data)).toMatchObject({
      name: "AuthenticationError",
      code: "authentication",
      status: 401,
      message: "openai 401: Incorrect API key provided: [REDACTED]",
    });
  });

  it("redacts a foreign error's message too", async () => {
    const { iterator } = tracked<StreamChunk>([], {
      error: new TypeError(`fetch failed with Authorization: Bearer ${KEY}`),
    });
    const text = await readAll(toSSE(iterator));
    expect(text).not.toContain(KEY);
    expect(text).toBe(
      `event: error\ndata: ${JSON.stringify({ name: "TypeError", message: "fetch failed with Authorization: [REDACTED]" })}\n\n`,
    );
    const { iterator: second } = tracked<StreamChunk>([], { error: `raw ${KEY}` });
    expect(await readAll(toSSE(second))).toContain('"message":"raw [REDACTED]"');
  });

  it("pulls lazily and cancel stops the source", async () => {
    const { iterator, state } = tracked(chunks);
    const stream = toSSE(iterator);
    await flush();
    expect(state.nexts).toBe(0);
    const reader = stream.getReader();
    await reader.read();
    await reader.cancel();
    expect(state.returned).toBe(true);
    expect(state.nexts).toBe(1);
  });

  describe("keep-alive", () => {
    it("sends a comment after each silent interval and restarts the interval on output", async () => {
      vi.useFakeTimers();
      const { iterator, release } = tracked(chunks.slice(1, 2), { gated: true });
      const reader = toSSE(iterator, { keepAliveMs: 1000 }).getReader();
      const decoder = new TextDecoder();
      const first = reader.read();
      await vi.advanceTimersByTimeAsync(1000);
      expect(decoder.decode((await first).value)).toBe(": keep-alive\n\n");
      // The source answers at 1500 ms; the next keep-alive is due 1000 ms after that, not at 2000.
      await vi.advanceTimersByTimeAsync(500);
      release();
      expect(decoder.decode((await reader.read()).value)).toMatch(/^data: /);
      const third = reader.read();
      await vi.advanceTimersByTimeAsync(600);
      let settled = false;
      void third.then(() => {
        settled = true;
      });
      await vi.advanceTimersByTimeAsync(0);
      expect(settled).toBe(false);
      await vi.advanceTimersByTimeAsync(400);
      expect(decoder.decode((await third).value)).toBe(": keep-alive\n\n");
      await reader.cancel();
      expect(vi.getTimerCount()).toBe(0);
    });

    it("clears the timer when the stream ends", async () => {
      vi.useFakeTimers();
      const { iterator } = tracked(chunks);
      const stream = toSSE(iterator, { keepAliveMs: 50 });
      expect(vi.getTimerCount()).toBe(1);
      await readAll(stream);
      expect(vi.getTimerCount()).toBe(0);
    });

    it("clears the timer when the source fails", async () => {
      vi.useFakeTimers();
      const { iterator } = tracked<StreamChunk>([], { error: new Error("x") });
      await readAll(toSSE(iterator, { keepAliveMs: 50 }));
      expect(vi.getTimerCount()).toBe(0);
    });

    it("clears the timer on cancel, even before the first read", async () => {
      vi.useFakeTimers();
      const stream = toSSE(tracked(chunks).iterator, { keepAliveMs: 60_000 });
      expect(vi.getTimerCount()).toBe(1);
      await stream.cancel();
      expect(vi.getTimerCount()).toBe(0);
    });

    it("does not keep the process alive (the timer is unref'd)", async () => {
      const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
      const before = timers();
      const stream = toSSE(tracked(chunks).iterator, { keepAliveMs: 60_000 });
      expect(timers()).toBe(before);
      await stream.cancel();
    });

    it("starts no timer without keepAliveMs", () => {
      vi.useFakeTimers();
      toSSE(tracked(chunks).iterator);
      toSSE(tracked(chunks).iterator, { keepAliveMs: 0 });
      expect(vi.getTimerCount()).toBe(0);
    });
  });
});
