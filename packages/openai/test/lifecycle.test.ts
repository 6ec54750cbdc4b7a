import { collect, ProviderError, type StreamChunk } from "@x/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FixtureServer, fixture, sse } from "./fixture-server.js";
import { activeTimeouts, adapterFor, chunkOf, drain, sseEvent, within } from "./helpers.js";

let server: FixtureServer;
beforeEach(async () => {
  server = await new FixtureServer().start();
});
afterEach(async () => {
  await server.stop();
});

const hi = [{ role: "user" as const, content: "hi" }];
const SSE_HEADERS = { "content-type": "text/event-stream" };

describe("after the terminal frame the iteration ends at once", () => {
  it("a server that keeps the body open after [DONE]: collect() resolves, socket freed", async () => {
    const body = fixture("t2-openai-include-usage.sse");
    server.answer({ ...sse("t2-openai-include-usage.sse"), hangAfter: body.length });
    const adapter = adapterFor(server, { timeouts: { idleMs: 60_000, totalMs: 60_000 } });
    const baseline = activeTimeouts();
    const result = await within(collect(adapter.stream(hi)), 5_000, "collect()");
    expect(result.message.content).toBe("4");
    expect(result.usage?.totalTokens).toBe(12);
    await server.allSocketsClosed();
    expect(activeTimeouts()).toBeLessThanOrEqual(baseline);
    await adapter.close();
  });

  it("a server that keeps sending after [DONE]: nothing after it is read or yielded", async () => {
    const extra = sseEvent(chunkOf({ content: "AFTER-DONE" })).repeat(20_000);
    server.answer({
      ...sse("t1-openai-text.sse"),
      script: (res) => {
        res.writeHead(200, SSE_HEADERS);
        res.write(fixture("t1-openai-text.sse"));
        res.write(extra); // about 2.7 MB, never ended
      },
    });
    const adapter = adapterFor(server);
    const { chunks, error } = await within(drain(adapter.stream(hi)), 5_000, "stream");
    expect(error).toBeUndefined();
    expect(chunks.map((c) => (c.type === "content" ? c.content : c.type))).toEqual([
      "Hi",
      "!",
      "done",
    ]);
    await server.allSocketsClosed();
    await adapter.close();
  });

  it("a complete response leaves its connection in the keep-alive pool", async () => {
    const adapter = adapterFor(server);
    for (let i = 0; i < 4; i++) {
      server.answer(sse("t2-openai-include-usage.sse"));
      const { error } = await drain(adapter.stream(hi));
      expect(error).toBeUndefined();
    }
    // undici may open a second connection while the first is being released, never one each.
    const connections = new Set(server.requests.map((r) => r.clientPort));
    expect(connections.size).toBeLessThan(4);
    expect(server.closedSockets).toBe(0);
    await adapter.close();
  });

  it("finish_reason and usage, then the body held open: done (with usage) comes at the body's end", async () => {
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let ended = false;
    const frames = [
      sseEvent(chunkOf({ role: "assistant", content: "" })),
      sseEvent(chunkOf({ content: "Hi" })),
      sseEvent(chunkOf({}, "stop")),
      sseEvent({ ...chunkOf({}), choices: [], usage: { prompt_tokens: 3, completion_tokens: 1 } }),
    ];
    server.answer({
      ...sse("t1-openai-text.sse"),
      script: (res) => {
        res.writeHead(200, SSE_HEADERS);
        res.write(frames.join(""));
        void released.then(() => {
          ended = true;
          res.end();
        });
      },
    });
    const adapter = adapterFor(server);
    const stream = adapter.stream(hi);
    expect((await stream.next()).value).toMatchObject({ type: "content", content: "Hi" });
    const pending = stream.next();
    release();
    const done = (await pending).value as StreamChunk;
    expect(ended).toBe(true);
    expect(done).toMatchObject({
      type: "done",
      finishReason: "stop",
      model: "served-model",
      usage: { inputTokens: 3, outputTokens: 1, totalTokens: 4 },
    });
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    await adapter.close();
  });

  it("content decoded before an error in the same read is handed out before the error", async () => {
    server.answer(sse("q-lmstudio-error.sse"));
    const adapter = adapterFor(server);
    const stream = adapter.stream(hi);
    expect((await stream.next()).value).toMatchObject({ type: "content", content: "Hi" });
    const error = await stream.next().catch((e: unknown) => e);
    expect(ProviderError.isInstance(error)).toBe(true);
    expect((error as ProviderError).partial?.content).toBe("Hi");
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    await adapter.close();
  });

  it("stream() sends nothing until the first next(), and nothing after an early return()", async () => {
    server.answer(sse("t1-openai-text.sse"));
    const adapter = adapterFor(server);
    const stream = adapter.stream(hi);
    await new Promise((resolve) => setImmediate(resolve));
    expect(server.requests).toHaveLength(0);
    await stream.return(undefined);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    expect(server.requests).toHaveLength(0);
    await adapter.close();
  });
});

describe("tokensPerSec", () => {
  it("measured from the first to the last generated chunk when the server gives no timings", async () => {
    const frames = [
      sseEvent(chunkOf({ content: "a" })),
      sseEvent(chunkOf({ content: "b" })),
      sseEvent(chunkOf({ content: "c" }, "stop")),
      "data: [DONE]\n\n",
    ];
    server.answer({
      ...sse("t1-openai-text.sse"),
      script: (res) => {
        res.writeHead(200, SSE_HEADERS);
        res.write(frames[0]);
        // Two tokens 20 ms apart each: about 100 tokens per second.
        const second = setTimeout(() => res.write(frames[1]), 20);
        const rest = setTimeout(() => res.end(frames[2]! + frames[3]!), 40);
        res.on("close", () => {
          clearTimeout(second);
          clearTimeout(rest);
        });
      },
    });
    const adapter = adapterFor(server);
    const { chunks } = await drain(adapter.stream(hi));
    const done = chunks.at(-1);
    expect(done?.type).toBe("done");
    const rate = done?.type === "done" ? (done.tokensPerSec ?? 0) : 0;
    expect(rate).toBeGreaterThan(10);
    expect(rate).toBeLessThan(200);
    await adapter.close();
  });
});
