import { type DoneChunk, ProtocolError, type StreamChunk } from "@x/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OllamaAdapter, OllamaProtocolError } from "../src/index.js";
import { type Loopback, startServer } from "./loopback-server.js";

let server: Loopback;
let body = "";

beforeAll(async () => {
  server = await startServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/x-ndjson" });
    res.end(body);
  });
});
afterAll(async () => {
  await server.close();
});

/** One NDJSON frame (Ollama's key order). */
function frame(message: Record<string, unknown>, tail: Record<string, unknown> = {}): string {
  const done = tail.done_reason !== undefined;
  return `${JSON.stringify({ model: "m", message: { role: "assistant", content: "", ...message }, done, ...tail })}\n`;
}

const call = (id: string, name: string, args: unknown, index = 0) => ({
  id,
  function: { index, name, arguments: args },
});

async function replay(frames: string[]): Promise<{ chunks: StreamChunk[]; error: unknown }> {
  body = frames.join("");
  const adapter = new OllamaAdapter({ baseUrl: server.url, model: "m" });
  const chunks: StreamChunk[] = [];
  try {
    for await (const chunk of adapter.stream([{ role: "user", content: "hi" }])) chunks.push(chunk);
    return { chunks, error: undefined };
  } catch (error) {
    return { chunks, error };
  } finally {
    await adapter.close();
  }
}

describe("tool calls cut off by the token limit", () => {
  it('done_reason "length" with unparsable argument text: ends normally, the call is on done.incompleteToolCalls', async () => {
    const { chunks, error } = await replay([
      frame({ content: "Checking" }),
      frame({ tool_calls: [call("call_cut", "get_weather", '{"city": "Zür')] }),
      frame({}, { done_reason: "length", eval_count: 8 }),
    ]);
    expect(error).toBeUndefined();
    expect(chunks.map((c) => c.type)).toEqual(["content", "done"]);
    const done = chunks.at(-1) as DoneChunk;
    expect(done.finishReason).toBe("length");
    expect(done.incompleteToolCalls).toEqual([
      { id: "call_cut", name: "get_weather", argumentsText: '{"city": "Zür' },
    ]);
  });

  it("complete calls of the same answer are still yielded; only the cut one is held back", async () => {
    const { chunks, error } = await replay([
      frame({
        tool_calls: [call("call_ok", "a", { x: 1 }), call("call_cut", "b", '{"y": [1, 2', 1)],
      }),
      frame({}, { done_reason: "length" }),
    ]);
    expect(error).toBeUndefined();
    expect(chunks[0]).toEqual({
      type: "tool_calls",
      toolCalls: [{ id: "call_ok", name: "a", arguments: { x: 1 } }],
    });
    const done = chunks[1] as DoneChunk;
    // The token limit ended the answer: "length" wins over the tool calls it made.
    expect(done.finishReason).toBe("length");
    expect(done.incompleteToolCalls?.map((c) => c.id)).toEqual(["call_cut"]);
  });

  it("any other finish: unparsable arguments are an OllamaProtocolError (invalid_tool_arguments)", async () => {
    const { chunks, error } = await replay([
      frame({ content: "Checking" }),
      frame({ tool_calls: [call("call_bad", "get_weather", '{"city": "Zür')] }),
      frame({}, { done_reason: "stop" }),
    ]);
    expect(chunks.map((c) => c.type)).toEqual(["content"]);
    expect(OllamaProtocolError.isInstance(error), String(error)).toBe(true);
    expect(ProtocolError.isInstance(error)).toBe(true);
    const e = error as OllamaProtocolError;
    expect(e.reason).toBe("invalid_tool_arguments");
    expect(e.message).toContain("get_weather");
    expect(e.excerpt).toBe('{"city": "Zür');
    expect(e.partial?.content).toBe("Checking");
    expect(e.retryable).toBe(false);
  });

  it("arguments that are neither an object nor text are a protocol error at once", async () => {
    const { error } = await replay([
      frame({ tool_calls: [call("c", "f", [1, 2])] }),
      frame({}, { done_reason: "length" }),
    ]);
    expect(ProtocolError.isInstance(error)).toBe(true);
    expect((error as ProtocolError).reason).toBe("invalid_tool_arguments");
  });

  it("a stream that ends without done keeps its truncation error, held calls or not", async () => {
    const { error } = await replay([frame({ tool_calls: [call("c", "f", '{"a"')] })]);
    expect(OllamaProtocolError.isInstance(error)).toBe(true);
    expect((error as OllamaProtocolError).reason).toBe("truncated");
  });
});

describe("tool calls as Ollama sends them", () => {
  it("argument text that parses (proxies, odd servers) becomes an object", async () => {
    const { chunks } = await replay([
      frame({ tool_calls: [call("c1", "f", '{"a": [1, {"b": null}]}')] }),
      frame({}, { done_reason: "stop" }),
    ]);
    expect(chunks[0]).toEqual({
      type: "tool_calls",
      toolCalls: [{ id: "c1", name: "f", arguments: { a: [1, { b: null }] } }],
    });
    expect(chunks[1]).toMatchObject({ type: "done", finishReason: "tool_calls" });
  });

  it("calls in intermediate frames and in the done frame are all yielded, in order", async () => {
    const { chunks } = await replay([
      frame({ tool_calls: [call("c1", "a", {})] }),
      frame({ content: "and" }),
      frame(
        { tool_calls: [call("c2", "b", { k: "v" }, 1)] },
        { done_reason: "stop", eval_count: 3 },
      ),
    ]);
    expect(chunks.map((c) => c.type)).toEqual(["tool_calls", "content", "tool_calls", "done"]);
    const names = chunks
      .flatMap((c) => (c.type === "tool_calls" ? c.toolCalls : []))
      .map((c) => c.id);
    expect(names).toEqual(["c1", "c2"]);
    expect(chunks.at(-1)).toMatchObject({ finishReason: "tool_calls", usage: { outputTokens: 3 } });
  });

  it("a tool call without a name is a malformed frame", async () => {
    const { error } = await replay([
      frame({ tool_calls: [{ function: { arguments: {} } }] }),
      frame({}, { done_reason: "stop" }),
    ]);
    expect(OllamaProtocolError.isInstance(error)).toBe(true);
    expect((error as OllamaProtocolError).reason).toBe("malformed_frame");
  });
});
