import {
  collect,
  InvalidRequestError,
  ModelNotFoundError,
  ProtocolError,
  ProviderError,
  ServerError,
  type StreamChunk,
} from "@x/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OllamaAdapter, OllamaProtocolError } from "../src/index.js";
import {
  type Handler,
  type Loopback,
  serveJson,
  serveNdjson,
  startServer,
} from "./loopback-server.js";

let server: Loopback;
let handler: Handler = () => {};

beforeAll(async () => {
  server = await startServer((req, res, recorded) => handler(req, res, recorded));
});
afterAll(async () => {
  await server.close();
});

async function replay(serve: Handler, model = "m"): Promise<StreamChunk[]> {
  handler = serve;
  const adapter = new OllamaAdapter({ baseUrl: server.url, model });
  try {
    const chunks: StreamChunk[] = [];
    for await (const chunk of adapter.stream([{ role: "user", content: "hi" }])) chunks.push(chunk);
    return chunks;
  } finally {
    await adapter.close();
  }
}

async function replayError(serve: Handler): Promise<unknown> {
  try {
    await replay(serve);
  } catch (error) {
    return error;
  }
  throw new Error("expected the stream to throw");
}

const text = (chunks: StreamChunk[], type: "content" | "thinking") =>
  chunks
    .map((c) =>
      c.type === "content" && type === "content"
        ? c.content
        : c.type === "thinking" && type === "thinking"
          ? c.thinking
          : "",
    )
    .join("");

describe("recorded transcripts (shared/protocols/ollama.md §7)", () => {
  it("T1 plain text: content deltas, done with usage, ns → ms timings, tokens/s", async () => {
    const chunks = await replay((_q, res) => serveNdjson(res, "t1-plain.ndjson"));
    expect(chunks.slice(0, 3)).toEqual([
      { type: "content", content: "Bon" },
      { type: "content", content: "jour" },
      { type: "content", content: " !" },
    ]);
    expect(chunks).toHaveLength(4);
    const done = chunks[3]!;
    expect(done).toMatchObject({
      type: "done",
      finishReason: "stop",
      model: "llama3.2:3b",
      provider: "ollama",
      usage: { inputTokens: 31, outputTokens: 4, totalTokens: 35 },
      timings: { totalMs: 198.412377, loadMs: 17.803542, promptMs: 98.311, generationMs: 43.51 },
    });
    if (done.type !== "done") throw new Error("not done");
    expect(done.tokensPerSec).toBeCloseTo(4 / 0.04351, 6);
    expect(done.timings?.firstTokenMs).toBeGreaterThanOrEqual(0);
  });

  it("T2 thinking: thinking deltas then content, raw UTF-8 × intact", async () => {
    const chunks = await replay((_q, res) => serveNdjson(res, "t2-thinking.ndjson"));
    expect(text(chunks, "thinking")).toBe("17 × 23 = 340 + 51 = 391.");
    expect(text(chunks, "content")).toBe("17 × 23 = **391**");
    const firstContent = chunks.findIndex((c) => c.type === "content");
    const lastThinking = chunks.map((c) => c.type).lastIndexOf("thinking");
    expect(lastThinking).toBeLessThan(firstContent);
    expect(chunks.at(-1)).toMatchObject({
      type: "done",
      finishReason: "stop",
      usage: { inputTokens: 18, outputTokens: 21 },
    });
  });

  it("T3 tool call in an intermediate frame keeps its id and object arguments", async () => {
    const chunks = await replay((_q, res) => serveNdjson(res, "t3-tool-call-intermediate.ndjson"));
    expect(chunks[0]).toEqual({
      type: "tool_calls",
      toolCalls: [{ id: "call_7yq2m0dk", name: "get_weather", arguments: { city: "Tokyo" } }],
    });
    expect(chunks).toHaveLength(2);
    expect(chunks[1]).toMatchObject({ type: "done", finishReason: "tool_calls" });
  });

  it("T4 tool call only in the done frame (native path) is yielded before done", async () => {
    const chunks = await replay((_q, res) => serveNdjson(res, "t4-tool-call-done-frame.ndjson"));
    expect(chunks.map((c) => c.type)).toEqual(["content", "content", "tool_calls", "done"]);
    expect(text(chunks, "content")).toBe("Let me check.");
    expect(chunks[2]).toEqual({
      type: "tool_calls",
      toolCalls: [
        {
          id: "Qm3tV8pLx2Rk9sWc7bN1yZ4dF6hJ0aEe",
          name: "get_weather",
          arguments: { city: "Tokyo" },
        },
      ],
    });
    expect(chunks[3]).toMatchObject({
      finishReason: "tool_calls",
      usage: { inputTokens: 203, outputTokens: 31 },
    });
  });

  it("content on the done frame is yielded; a missing count stays undefined (not 0)", async () => {
    const chunks = await replay((_q, res) => serveNdjson(res, "done-frame-content.ndjson"));
    expect(chunks.map((c) => c.type)).toEqual(["thinking", "content", "content", "done"]);
    expect(text(chunks, "content")).toBe("The answer is 42.");
    const done = chunks[3]!;
    if (done.type !== "done") throw new Error("not done");
    expect(done.usage).toEqual({ outputTokens: 5 });
    expect(done.usage?.inputTokens).toBeUndefined();
    expect(done.tokensPerSec).toBeCloseTo(125, 6);
  });

  it("T7 length-limited → finishReason length", async () => {
    const chunks = await replay((_q, res) => serveNdjson(res, "t7-length.ndjson"));
    expect(text(chunks, "content")).toBe("The waves they crash and roar");
    expect(chunks.at(-1)).toMatchObject({ type: "done", finishReason: "length" });
  });

  it("T6 mid-stream error line → ProviderError carrying the partial output", async () => {
    const error = await replayError((_q, res) => serveNdjson(res, "t6-mid-stream-error.ndjson"));
    expect(ProviderError.isInstance(error)).toBe(true);
    const e = error as ProviderError;
    expect(e.message).toContain("an error was encountered while running the model: unexpected EOF");
    expect(e.partial?.content).toBe("The capital of");
    expect(e.retryable).toBe(true);
  });

  it("error as the first line of a 200 (servers before v0.12.6) → ProviderError", async () => {
    const error = await replayError((_q, res) => serveNdjson(res, "error-first-line.ndjson"));
    expect(ProviderError.isInstance(error)).toBe(true);
    expect((error as ProviderError).partial?.content).toBe("");
  });

  it("T10 stream that ends without done → OllamaProtocolError truncated with what was received", async () => {
    const error = await replayError((_q, res) => serveNdjson(res, "t10-truncated.ndjson"));
    expect(OllamaProtocolError.isInstance(error)).toBe(true);
    expect(ProtocolError.isInstance(error)).toBe(true);
    const e = error as OllamaProtocolError;
    expect(e.reason).toBe("truncated");
    expect(e.partial?.content).toBe("<unused50>".repeat(30));
  });

  it("T5 404 model not found → ModelNotFoundError with Ollama's message", async () => {
    const error = await replayError((_q, res) =>
      serveJson(res, 404, "t5-404-model-not-found.json"),
    );
    expect(ModelNotFoundError.isInstance(error)).toBe(true);
    const e = error as ModelNotFoundError;
    expect(e.status).toBe(404);
    expect(e.message).toContain("model 'llama9' not found");
    expect(e.retryable).toBe(false);
  });

  it("T9 400 does not support thinking → InvalidRequestError", async () => {
    const error = await replayError((_q, res) => serveJson(res, 400, "t9-400-no-thinking.json"));
    expect(InvalidRequestError.isInstance(error)).toBe(true);
    expect((error as InvalidRequestError).message).toContain(
      '"llama3.2:3b" does not support thinking',
    );
  });

  it("T9 503 server busy → retryable ServerError", async () => {
    const error = await replayError((_q, res) => serveJson(res, 503, "t9-503-server-busy.json"));
    expect(ServerError.isInstance(error)).toBe(true);
    expect((error as ServerError).retryable).toBe(true);
    expect((error as ServerError).message).toContain("server busy");
  });

  it("T8 preload answer (application/json, no newline) → done with finishReason other", async () => {
    const chunks = await replay((_q, res) => serveJson(res, 200, "t8-preload.json"));
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toMatchObject({ type: "done", finishReason: "other", model: "qwen3:8b" });
    if (chunks[0]?.type === "done") expect(chunks[0].usage).toBeUndefined();
  });
});

describe("framing", () => {
  it("every byte in its own write (split UTF-8 and split lines) gives the same chunks", async () => {
    const whole = await replay((_q, res) => serveNdjson(res, "t2-thinking.ndjson"));
    const { fixture } = await import("./loopback-server.js");
    const split = await replay(async (_q, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      const bytes = fixture("t2-thinking.ndjson");
      for (let i = 0; i < bytes.length; i += 7) {
        res.write(bytes.subarray(i, i + 7));
        // Give the socket a chance to flush so reads really are split.
        if (i % 70 === 0) await new Promise((r) => setImmediate(r));
      }
      res.end();
    });
    const strip = (cs: StreamChunk[]) =>
      cs.map((c) => (c.type === "done" ? { ...c, timings: { ...c.timings, firstTokenMs: 0 } } : c));
    expect(strip(split)).toEqual(strip(whole));
  });

  it("CRLF line ends, blank lines and a final line without newline are accepted", async () => {
    const chunks = await replay((_q, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.write('{"message":{"role":"assistant","content":"a"},"done":false}\r\n\r\n');
      res.end('{"message":{"role":"assistant","content":"b"},"done":true,"done_reason":"stop"}');
    });
    expect(chunks.map((c) => c.type)).toEqual(["content", "content", "done"]);
    expect(chunks.at(-1)).toMatchObject({ model: "m" });
  });

  it("a line that is not JSON → OllamaProtocolError with the line's start and position", async () => {
    const first = '{"message":{"role":"assistant","content":"ok"},"done":false}\n';
    const error = await replayError((_q, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.end(`${first}not json at all\n`);
    });
    expect(OllamaProtocolError.isInstance(error)).toBe(true);
    const e = error as OllamaProtocolError;
    expect(e.reason).toBe("malformed_frame");
    expect(e.excerpt).toBe("not json at all");
    expect(e.position).toBe(first.length);
    expect(e.partial?.content).toBe("ok");
  });

  it("a bad frame after good ones in the same read: the good chunks are yielded first, and partial is exactly them", async () => {
    handler = (_q, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.end(
        [
          '{"message":{"role":"assistant","content":"","thinking":"hmm"},"done":false}',
          '{"message":{"role":"assistant","content":"a"},"done":false}',
          '{"message":{"role":"assistant","content":"b","tool_calls":[{"function":{"name":"f","arguments":{}}}]},"done":false}',
          '{"message":{"role":"assistant","content":7},"done":false}',
          '{"message":{"role":"assistant","content":"never"},"done":false}',
          "",
        ].join("\n"),
      );
    };
    const adapter = new OllamaAdapter({ baseUrl: server.url, model: "m" });
    const seen: StreamChunk[] = [];
    const error = await (async () => {
      for await (const chunk of adapter.stream([{ role: "user", content: "hi" }])) seen.push(chunk);
    })().catch((e) => e);
    await adapter.close();
    expect(seen.map((c) => c.type)).toEqual(["thinking", "content", "content", "tool_calls"]);
    expect(OllamaProtocolError.isInstance(error)).toBe(true);
    const e = error as OllamaProtocolError;
    expect(e.reason).toBe("malformed_frame");
    expect(e.partial?.thinking).toBe("hmm");
    expect(e.partial?.content).toBe("ab");
    expect(e.partial?.toolCalls.map((c) => c.name)).toEqual(["f"]);
  });

  it("an oversize line → OllamaProtocolError oversize_frame", async () => {
    handler = (_q, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.end(`{"message":{"role":"assistant","content":"${"x".repeat(5000)}"},"done":false}\n`);
    };
    const adapter = new OllamaAdapter({ baseUrl: server.url, model: "m", maxFrameSize: 1000 });
    const error = await collect(adapter.stream([{ role: "user", content: "hi" }])).catch((e) => e);
    await adapter.close();
    expect(OllamaProtocolError.isInstance(error)).toBe(true);
    expect((error as OllamaProtocolError).reason).toBe("oversize_frame");
  });

  it("nothing after done: extra lines after the done frame are ignored", async () => {
    const chunks = await replay((_q, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.end(
        '{"message":{"role":"assistant","content":"a"},"done":true,"done_reason":"stop"}\n{"message":{"role":"assistant","content":"late"},"done":false}\n',
      );
    });
    expect(chunks.map((c) => c.type)).toEqual(["content", "done"]);
  });

  it("tool calls without ids get synthesised unique ids; unknown done_reason → other", async () => {
    const chunks = await replay((_q, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.end(
        '{"message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"a","arguments":{}}},{"function":{"index":1,"name":"b","arguments":{"x":[1]}}}]},"done":true,"done_reason":"repeat"}\n',
      );
    });
    const calls = chunks[0]?.type === "tool_calls" ? chunks[0].toolCalls : [];
    expect(calls.map((c) => c.name)).toEqual(["a", "b"]);
    expect(calls[0]?.id).toMatch(/^call_/);
    expect(calls[0]?.id).not.toBe(calls[1]?.id);
    expect(calls[1]?.arguments).toEqual({ x: [1] });
    // Tool calls present wins over done_reason.
    expect(chunks[1]).toMatchObject({ finishReason: "tool_calls" });
    const other = await replay((_q, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.end(
        '{"message":{"role":"assistant","content":"x"},"done":true,"done_reason":"repeat"}\n',
      );
    });
    expect(other.at(-1)).toMatchObject({ finishReason: "other" });
  });
});
