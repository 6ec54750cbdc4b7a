import { AbortedError, getTakeBuffered, ProviderError, type StreamChunk } from "@x/core";
import { drainPreferringTakeBuffered } from "@x/core/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OpenAIAdapter } from "../src/index.js";
import { FixtureServer, sse } from "./fixture-server.js";
import { API_KEY, adapterFor, drain } from "./helpers.js";

let server: FixtureServer;
beforeEach(async () => {
  server = await new FixtureServer().start();
});
afterEach(async () => {
  await server.stop();
});

const hi = [{ role: "user" as const, content: "hi" }];

describe("the stream iterator", () => {
  it("sends nothing until the first next(), and nothing after an early return()", async () => {
    server.answer(sse("t1-openai-text.sse"));
    const adapter = adapterFor(server);
    const stream = adapter.stream(hi);
    await new Promise((resolve) => setImmediate(resolve));
    expect(server.requests).toHaveLength(0);
    await stream.return?.();
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    expect(server.requests).toHaveLength(0);
    await adapter.close();
  });

  it("holds no socket once `done` is handed out, even if the consumer stops pulling", async () => {
    // A server that keeps the connection open after [DONE] (wiremock-style).
    const body = sse("t1-openai-text.sse").body;
    server.answer(sse("t1-openai-text.sse", { hangAfter: body.length }));
    const adapter = adapterFor(server);
    const stream = adapter.stream(hi);
    let result = await stream.next();
    while (!result.done && result.value.type !== "done") result = await stream.next();
    expect(result.value).toMatchObject({ type: "done", finishReason: "stop" });
    await server.allSocketsClosed();
    await adapter.close();
  });

  it("[DONE] in the same read as the first chunk: socket and timers freed at that read", async () => {
    // The events of a read are handled as the consumer pulls; the terminal one still frees
    // everything when it arrives, even if the consumer stops after the first chunk.
    const before = process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    const body = sse("t1-openai-text.sse").body;
    server.answer(sse("t1-openai-text.sse", { hangAfter: body.length }));
    const adapter = adapterFor(server, { timeouts: { idleMs: 60_000, totalMs: 60_000 } });
    const stream = adapter.stream(hi);
    expect((await stream.next()).value).toMatchObject({ type: "content", content: "Hi" });
    await server.allSocketsClosed();
    const after = process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    expect(after).toBeLessThanOrEqual(before);
    let result = await stream.next();
    while (!result.done && result.value.type !== "done") result = await stream.next();
    expect(result.value).toMatchObject({ type: "done", finishReason: "stop" });
    await adapter.close();
  });

  it("content decoded before an error in the same read is handed out before the error", async () => {
    server.answer(sse("q-lmstudio-error.sse"));
    const adapter = adapterFor(server);
    const stream = adapter.stream(hi);
    expect((await stream.next()).value).toMatchObject({ type: "content", content: "Hi" });
    const error = await stream.next().catch((e: unknown) => e);
    expect(ProviderError.isInstance(error)).toBe(true);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    await adapter.close();
  });

  it("Azure v1 API: baseUrl as is, api-version on chat and models", async () => {
    server.answer(sse("t1-openai-text.sse"));
    const adapter = new OpenAIAdapter({
      baseUrl: `${server.url}/openai/v1`,
      apiKey: API_KEY,
      model: "gpt-4o",
      azure: { apiVersion: "preview" },
    });
    for await (const _ of adapter.stream(hi)) {
      // drain
    }
    expect(server.requests[0]!.url).toBe("/openai/v1/chat/completions?api-version=preview");
    server.answer({
      status: 200,
      headers: { "content-type": "application/json" },
      body: Buffer.from('{"object":"list","data":[{"id":"gpt-4o"}]}'),
    });
    expect(await adapter.listModels()).toEqual(["gpt-4o"]);
    expect(server.requests[1]!.url).toBe("/openai/v1/models?api-version=preview");
    await adapter.close();
  });
});

describe("return() while the request waits for headers", () => {
  it("aborts the request at once: the server sees the socket close", async () => {
    server.answer({ status: 200, headers: {}, body: Buffer.alloc(0), noHeaders: true });
    const adapter = adapterFor(server);
    const stream = adapter.stream(hi);
    const pending = stream.next().catch((e: unknown) => e);
    while (server.requests.length === 0) await new Promise((resolve) => setImmediate(resolve));
    await stream.return?.();
    await server.allSocketsClosed();
    expect(AbortedError.isInstance(await pending)).toBe(true);
    await adapter.close();
  });

  it("also with a caller signal and time limits (the deadline path)", async () => {
    server.answer({ status: 200, headers: {}, body: Buffer.alloc(0), noHeaders: true });
    const adapter = adapterFor(server, { timeouts: { firstChunkMs: 60_000, totalMs: 60_000 } });
    const controller = new AbortController();
    const stream = adapter.stream(hi, { signal: controller.signal });
    const pending = stream.next().catch((e: unknown) => e);
    while (server.requests.length === 0) await new Promise((resolve) => setImmediate(resolve));
    await stream.return?.();
    await server.allSocketsClosed();
    expect(AbortedError.isInstance(await pending)).toBe(true);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    await adapter.close();
  });
});

describe("takeBuffered (the synchronous fast path @x/core defines)", () => {
  it.each([
    "t1-openai-text.sse",
    "t3-openai-tool-fragments.sse",
    "t4b-parallel-interleaved.sse",
    "t5-reasoning-content.sse",
    "t6a-openai-error.sse",
  ])("%s: the same chunks (and error) as next() alone", async (name) => {
    const adapter = adapterFor(server);
    server.answer(sse(name));
    const expected = await drain(adapter.stream(hi));
    server.answer(sse(name));
    const stream = adapter.stream(hi);
    expect(getTakeBuffered(stream)!.call(stream)).toBeUndefined(); // nothing sent yet
    const got = await drainPreferringTakeBuffered(stream);
    // Measured figures differ between two runs; everything else must be identical.
    const untimed = (chunks: StreamChunk[]) =>
      chunks.map((c) => (c.type === "done" ? { ...c, timings: undefined, tokensPerSec: 0 } : c));
    expect(untimed(got.chunks)).toEqual(untimed(expected.chunks));
    expect(String(got.error)).toBe(String(expected.error));
    // The first chunk of a read comes through next(); later ones of the same read are taken.
    if (expected.chunks.length > 2) expect(got.taken).toBeGreaterThan(0);
    await adapter.close();
  });
});
