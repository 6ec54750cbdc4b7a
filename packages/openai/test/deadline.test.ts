import type { ServerResponse } from "node:http";
import {
  InvalidRequestError,
  ModelLoadingTimeoutError,
  type StreamChunk,
  StreamTimeoutError,
} from "@x/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OpenAIAdapter } from "../src/index.js";
import { FixtureServer, sse } from "./fixture-server.js";
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

/**
 * Writes `prelude` at once, then keeps the body alive with keep-alive comments and frames that
 * carry no output (empty strings, a role-only delta, `tool_calls: []`) every 40 ms, and never a
 * token:
 * a server whose model stalled behind a chatty proxy.
 */
function chattyStall(prelude: string): (res: ServerResponse) => void {
  return (res) => {
    res.writeHead(200, SSE_HEADERS);
    res.write(prelude);
    const fillers = [
      ": OPENROUTER PROCESSING\n\n",
      sseEvent(chunkOf({ content: "" })),
      ": ping - 2026-11-25 15:40:02.123456+00:00\r\n\r\n",
      sseEvent(chunkOf({ role: "assistant" })),
      sseEvent(chunkOf({ content: null, reasoning_content: "", tool_calls: [] })),
      ": keep-alive\n\n",
    ];
    let n = 0;
    const timer = setInterval(() => res.write(fillers[n++ % fillers.length]), 40);
    res.on("close", () => clearInterval(timer));
  };
}

const ROLE_ONLY = sseEvent(chunkOf({ role: "assistant", content: "" }));

describe("firstChunkMs runs until the first content, thinking or tool-call chunk", () => {
  it("headers, `: ping` comments and a role-only delta do not satisfy it", async () => {
    server.answer({ ...sse("t1-openai-text.sse"), script: chattyStall(`: ping\n\n${ROLE_ONLY}`) });
    const adapter = adapterFor(server);
    const baseline = activeTimeouts();
    const started = performance.now();
    const { chunks, error } = await within(
      drain(adapter.stream(hi, { timeouts: { firstChunkMs: 300 } })),
      5_000,
      "firstChunkMs with keep-alives",
    );
    const took = performance.now() - started;
    expect(chunks).toEqual([]);
    expect(ModelLoadingTimeoutError.isInstance(error)).toBe(true);
    expect((error as ModelLoadingTimeoutError).timeoutMs).toBe(300);
    // The undici error that the abort produced stays reachable.
    expect((error as Error).cause).toBeDefined();
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(3_000);
    await server.allSocketsClosed();
    expect(activeTimeouts()).toBeLessThanOrEqual(baseline);
    await adapter.close();
  });

  it("a tool-call delta satisfies it (arguments still streaming)", async () => {
    const call = {
      index: 0,
      id: "call_1",
      type: "function",
      function: { name: "f", arguments: "" },
    };
    const frames = [
      ROLE_ONLY,
      sseEvent(chunkOf({ tool_calls: [call] })),
      sseEvent(chunkOf({ tool_calls: [{ index: 0, function: { arguments: '{"a":1}' } }] })),
      sseEvent(chunkOf({}, "tool_calls")),
      "data: [DONE]\n\n",
    ];
    server.answer({
      ...sse("t1-openai-text.sse"),
      script: (res) => {
        res.writeHead(200, SSE_HEADERS);
        res.write(frames[0]);
        res.write(frames[1]);
        // The rest after the client's firstChunkMs would have passed: only the tool-call delta
        // that already arrived can have satisfied it.
        const timer = setTimeout(() => res.end(frames.slice(2).join("")), 400);
        res.on("close", () => clearTimeout(timer));
      },
    });
    const adapter = adapterFor(server);
    const { chunks, error } = await drain(adapter.stream(hi, { timeouts: { firstChunkMs: 200 } }));
    expect(error).toBeUndefined();
    expect(chunks.map((c) => c.type)).toEqual(["tool_calls", "done"]);
    await adapter.close();
  });
});

describe("idleMs counts only chunks", () => {
  it("keep-alive comments and empty frames after the first token do not restart it", async () => {
    server.answer({
      ...sse("t1-openai-text.sse"),
      script: chattyStall(ROLE_ONLY + sseEvent(chunkOf({ content: "Hel" }))),
    });
    const adapter = adapterFor(server);
    const started = performance.now();
    const { chunks, error } = await within(
      drain(adapter.stream(hi, { timeouts: { firstChunkMs: 5_000, idleMs: 300 } })),
      5_000,
      "idleMs with keep-alives",
    );
    expect(chunks.map((c) => (c.type === "content" ? c.content : c.type))).toEqual(["Hel"]);
    expect(StreamTimeoutError.isInstance(error)).toBe(true);
    expect((error as StreamTimeoutError).phase).toBe("idle");
    expect((error as StreamTimeoutError).partial?.content).toBe("Hel");
    expect(performance.now() - started).toBeLessThan(3_000);
    await server.allSocketsClosed();
    await adapter.close();
  });
});

describe("idleMs measures the server, not a consumer that holds a chunk", () => {
  it("a consumer holding each chunk longer than idleMs still gets the whole answer", async () => {
    server.answer(sse("t1-openai-text.sse")); // the whole answer at once
    const adapter = adapterFor(server);
    const types: string[] = [];
    for await (const chunk of adapter.stream(hi, { timeouts: { idleMs: 30 } })) {
      types.push(chunk.type);
      await new Promise((resolve) => setTimeout(resolve, 60)); // a slow consumer
    }
    expect(types.at(-1)).toBe("done");
    expect(types.filter((type) => type === "content").length).toBeGreaterThan(1);
    await adapter.close();
  });
});

describe("what counts as no limit", () => {
  it("limits above 2³¹−1 ms and Infinity set no timer (a request of > 5 ms still succeeds)", async () => {
    const body = sse("t1-openai-text.sse").body;
    server.answer({
      ...sse("t1-openai-text.sse"),
      script: (res) => {
        // Node fires a setTimeout over 2³¹−1 ms after 1 ms: the answer comes 30 ms late.
        const timer = setTimeout(() => {
          res.writeHead(200, SSE_HEADERS);
          res.end(body);
        }, 30);
        res.on("close", () => clearTimeout(timer));
      },
    });
    const adapter = adapterFor(server, { timeouts: { totalMs: 2 ** 31 } });
    const baseline = activeTimeouts();
    const started = performance.now();
    const { chunks, error } = await drain(
      adapter.stream(hi, { timeouts: { firstChunkMs: 2 ** 40, idleMs: Number.POSITIVE_INFINITY } }),
    );
    expect(performance.now() - started).toBeGreaterThan(5);
    expect(error).toBeUndefined();
    expect(chunks.at(-1)).toMatchObject({ type: "done", finishReason: "stop" });
    expect(activeTimeouts()).toBeLessThanOrEqual(baseline);
    await adapter.close();
  });

  it.each([
    [{ firstChunkMs: 0 }, "firstChunkMs"],
    [{ idleMs: -1 }, "idleMs"],
    [{ totalMs: Number.NaN }, "totalMs"],
  ])("%o → InvalidRequestError from the first next(), nothing sent", async (timeouts, field) => {
    server.answer(sse("t1-openai-text.sse"));
    const adapter = adapterFor(server);
    const stream = adapter.stream(hi, { timeouts });
    const { chunks, error } = await drain(stream);
    expect(chunks).toEqual([]);
    expect(InvalidRequestError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(field);
    expect(server.requests).toHaveLength(0);
    await adapter.close();
  });

  it("invalid default timeouts are a configuration error: the constructor throws TypeError", () => {
    expect(
      () => new OpenAIAdapter({ baseUrl: server.url, model: "m", timeouts: { idleMs: 0 } }),
    ).toThrow(TypeError);
  });
});

describe("a chunk held by the consumer when the caller aborts", () => {
  it("the next pull throws AbortedError instead of yielding more of the same read", async () => {
    server.answer(sse("t1-openai-text.sse"));
    const adapter = adapterFor(server);
    const controller = new AbortController();
    const seen: StreamChunk[] = [];
    const { error } = await drain(
      (async function* () {
        for await (const chunk of adapter.stream(hi, { signal: controller.signal })) {
          seen.push(chunk);
          controller.abort();
          yield chunk;
        }
      })(),
    );
    // The whole answer arrived in one read; only its first chunk was handed out.
    expect(seen).toHaveLength(1);
    expect((error as Error).name).toBe("AbortedError");
    await adapter.close();
  });
});
