import {
  AbortedError,
  ModelLoadingTimeoutError,
  type StreamChunk,
  StreamTimeoutError,
} from "@x/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OpenAIAdapter, OpenAIUnavailableError } from "../src/index.js";
import { FixtureServer, fixture, sse } from "./fixture-server.js";
import { API_KEY, adapterFor, drain, leaksKey } from "./helpers.js";

let server: FixtureServer;
beforeEach(async () => {
  server = await new FixtureServer().start();
});
afterEach(async () => {
  await server.stop();
});

const hang = () =>
  sse("t1-openai-text.sse", { hangAfter: fixture("t1-openai-text.sse").indexOf("\n\n", 400) + 2 });

function timeouts(): number {
  return process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
}

describe("abort and timeouts free the socket at once", () => {
  it("abort before headers → AbortedError, server sees the socket close", async () => {
    server.answer({ status: 200, headers: {}, body: Buffer.alloc(0), noHeaders: true });
    const adapter = adapterFor(server);
    const controller = new AbortController();
    const stream = adapter.stream([{ role: "user", content: "hi" }], { signal: controller.signal });
    const pending = drain(stream);
    while (server.requests.length === 0) await new Promise((r) => setImmediate(r));
    controller.abort();
    const { error } = await pending;
    expect(AbortedError.isInstance(error)).toBe(true);
    await server.allSocketsClosed();
    await adapter.close();
  });

  it("break after the first chunk closes the socket; no timer left", async () => {
    const before = timeouts();
    server.answer(hang());
    const adapter = adapterFor(server, { timeouts: { idleMs: 60_000, totalMs: 60_000 } });
    const seen: StreamChunk[] = [];
    for await (const chunk of adapter.stream([{ role: "user", content: "hi" }])) {
      seen.push(chunk);
      break;
    }
    expect(seen[0]).toMatchObject({ type: "content", content: "Hi" });
    await server.allSocketsClosed();
    expect(timeouts()).toBeLessThanOrEqual(before);
    await adapter.close();
  });

  it("abort mid-stream → AbortedError with the partial output", async () => {
    server.answer(hang());
    const adapter = adapterFor(server);
    const controller = new AbortController();
    const chunks: StreamChunk[] = [];
    let error: unknown;
    try {
      for await (const chunk of adapter.stream([{ role: "user", content: "hi" }], {
        signal: controller.signal,
      })) {
        chunks.push(chunk);
        controller.abort();
      }
    } catch (e) {
      error = e;
    }
    expect(AbortedError.isInstance(error)).toBe(true);
    expect((error as AbortedError).partial?.content).toBe("Hi");
    await server.allSocketsClosed();
    await adapter.close();
  });

  it("no headers within firstChunkMs → ModelLoadingTimeoutError", async () => {
    server.answer({ status: 200, headers: {}, body: Buffer.alloc(0), noHeaders: true });
    const adapter = adapterFor(server, { timeouts: { firstChunkMs: 150 } });
    const { error } = await drain(adapter.stream([{ role: "user", content: "hi" }]));
    expect(ModelLoadingTimeoutError.isInstance(error)).toBe(true);
    expect(leaksKey(error)).toBe(false);
    await server.allSocketsClosed();
    await adapter.close();
  });

  it("silence mid-stream beyond idleMs → StreamTimeoutError (idle)", async () => {
    server.answer(hang());
    const adapter = adapterFor(server);
    const { chunks, error } = await drain(
      adapter.stream([{ role: "user", content: "hi" }], { timeouts: { idleMs: 150 } }),
    );
    expect(chunks.length).toBeGreaterThan(0);
    expect(StreamTimeoutError.isInstance(error)).toBe(true);
    expect((error as StreamTimeoutError).phase).toBe("idle");
    await server.allSocketsClosed();
    await adapter.close();
  });

  it("stream longer than totalMs → StreamTimeoutError (total)", async () => {
    server.answer(hang());
    const adapter = adapterFor(server);
    const { chunks, error } = await drain(
      adapter.stream([{ role: "user", content: "hi" }], { timeouts: { totalMs: 200 } }),
    );
    expect(chunks.length).toBeGreaterThan(0);
    expect(StreamTimeoutError.isInstance(error)).toBe(true);
    expect((error as StreamTimeoutError).phase).toBe("total");
    expect((error as StreamTimeoutError).partial?.content).toBe("Hi");
    await server.allSocketsClosed();
    await adapter.close();
  });

  it("a caller signal aborted before the first next() → AbortedError, nothing sent", async () => {
    server.answer(sse("t1-openai-text.sse"));
    const adapter = adapterFor(server);
    const controller = new AbortController();
    controller.abort(new Error("caller reason"));
    const { error } = await drain(
      adapter.stream([{ role: "user", content: "hi" }], { signal: controller.signal }),
    );
    expect(AbortedError.isInstance(error)).toBe(true);
    expect(server.requests).toHaveLength(0);
    await adapter.close();
  });

  it("refused port → OpenAIUnavailableError, fast", async () => {
    const url = server.url;
    await server.stop();
    const adapter = new OpenAIAdapter({ baseUrl: `${url}/v1`, apiKey: API_KEY, model: "m" });
    const { error } = await drain(adapter.stream([{ role: "user", content: "hi" }]));
    expect(OpenAIUnavailableError.isInstance(error)).toBe(true);
    expect((error as OpenAIUnavailableError).retryable).toBe(true);
    expect(leaksKey(error)).toBe(false);
    await adapter.close();
    server = await new FixtureServer().start();
  });

  it("a finished stream leaves no timer behind", async () => {
    const before = timeouts();
    server.answer(sse("t2-openai-include-usage.sse"));
    const adapter = adapterFor(server, {
      timeouts: { idleMs: 60_000, totalMs: 60_000, firstChunkMs: 60_000 },
    });
    const { error } = await drain(adapter.stream([{ role: "user", content: "hi" }]));
    expect(error).toBeUndefined();
    expect(timeouts()).toBeLessThanOrEqual(before);
    await adapter.close();
    await server.allSocketsClosed();
  });
});
