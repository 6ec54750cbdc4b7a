import { describe, expect, it } from "vitest";
import { ProtocolError, UnavailableError } from "../errors/errors.js";
import type { DoneChunk, StreamChunk } from "../types/stream-chunk.js";
import { collect, RESTART_MARK, textStream } from "./collect.js";

const done: DoneChunk = {
  type: "done",
  finishReason: "stop",
  model: "m",
  provider: "p",
  usage: { inputTokens: 3, outputTokens: 5, totalTokens: 8 },
  tokensPerSec: 42,
  timings: { totalMs: 100 },
};

/** A source that records how far it was read and whether it was returned. */
function source(chunks: StreamChunk[], error?: Error) {
  const state = { yielded: 0, finished: false };
  async function* generate(): AsyncGenerator<StreamChunk> {
    try {
      for (const chunk of chunks) {
        state.yielded++;
        yield chunk;
      }
      if (error) throw error;
    } finally {
      state.finished = true;
    }
  }
  return { stream: generate(), state };
}

describe("collect", () => {
  it("builds one assistant message with content, thinking, tool calls and metadata", async () => {
    const { stream } = source([
      { type: "thinking", thinking: "Let me " },
      { type: "thinking", thinking: "think." },
      { type: "content", content: "Hello" },
      { type: "content", content: ", world" },
      { type: "tool_calls", toolCalls: [{ id: "1", name: "a", arguments: { x: 1 } }] },
      { type: "tool_calls", toolCalls: [{ id: "2", name: "b", arguments: {} }] },
      { ...done, finishReason: "tool_calls" },
    ]);
    const result = await collect(stream);
    expect(result.message).toEqual({
      role: "assistant",
      content: "Hello, world",
      thinking: "Let me think.",
      toolCalls: [
        { id: "1", name: "a", arguments: { x: 1 } },
        { id: "2", name: "b", arguments: {} },
      ],
    });
    expect(result.finishReason).toBe("tool_calls");
    expect(result.provider).toBe("p");
    expect(result.model).toBe("m");
    expect(result.usage).toEqual(done.usage);
    expect(result.tokensPerSec).toBe(42);
    expect(result.timings).toEqual({ totalMs: 100 });
    expect(result.done.type).toBe("done");
  });

  it("leaves out empty thinking, tool calls and absent metadata", async () => {
    const { stream } = source([
      { type: "done", finishReason: "length", model: "m", provider: "p" },
    ]);
    const result = await collect(stream);
    expect(result.message).toEqual({ role: "assistant", content: "" });
    expect(result).not.toHaveProperty("usage");
    expect(result).not.toHaveProperty("tokensPerSec");
    expect(result).not.toHaveProperty("timings");
    expect(result.finishReason).toBe("length");
  });

  it("discards output before a reset", async () => {
    const { stream } = source([
      { type: "content", content: "partial from a" },
      { type: "thinking", thinking: "hmm" },
      { type: "tool_calls", toolCalls: [{ id: "1", name: "a", arguments: {} }] },
      { type: "reset", reason: "a failed", provider: "b" },
      { type: "content", content: "whole answer from b" },
      { ...done, provider: "b" },
    ]);
    const result = await collect(stream);
    expect(result.message).toEqual({ role: "assistant", content: "whole answer from b" });
    expect(result.provider).toBe("b");
  });

  it("throws a truncated ProtocolError with the partial output when done is missing", async () => {
    const { stream, state } = source([
      { type: "content", content: "Hel" },
      { type: "thinking", thinking: "t" },
    ]);
    const error = await collect(stream).catch((e: unknown) => e);
    expect(ProtocolError.isInstance(error)).toBe(true);
    expect((error as ProtocolError).reason).toBe("truncated");
    expect((error as ProtocolError).partial).toEqual({
      content: "Hel",
      thinking: "t",
      toolCalls: [],
    });
    expect(state.finished).toBe(true);
  });

  it("throws a ProtocolError for a chunk after done and stops the source", async () => {
    const { stream, state } = source([
      done,
      { type: "content", content: "late" },
      { type: "content", content: "later" },
    ]);
    const error = await collect(stream).catch((e: unknown) => e);
    expect(ProtocolError.isInstance(error)).toBe(true);
    expect((error as ProtocolError).reason).toBe("unexpected_frame");
    expect((error as ProtocolError).provider).toBe("p");
    expect(state.yielded).toBe(2);
    expect(state.finished).toBe(true);
  });

  it("throws a second done as a chunk after done", async () => {
    const { stream } = source([done, done]);
    await expect(collect(stream)).rejects.toThrow("after done");
  });

  it("rethrows what the stream throws", async () => {
    const failure = new UnavailableError("down", { provider: "p" });
    const { stream } = source([{ type: "content", content: "x" }], failure);
    await expect(collect(stream)).rejects.toBe(failure);
  });
});

describe("textStream", () => {
  it("yields only content", async () => {
    const { stream } = source([
      { type: "thinking", thinking: "t" },
      { type: "content", content: "a" },
      { type: "tool_calls", toolCalls: [] },
      { type: "content", content: "b" },
      done,
    ]);
    const out: string[] = [];
    for await (const text of textStream(stream)) out.push(text);
    expect(out).toEqual(["a", "b"]);
  });

  const restarted = (): StreamChunk[] => [
    { type: "content", content: "a" },
    { type: "reset", reason: "a failed", provider: "b" },
    { type: "content", content: "b" },
    done,
  ];

  it("marks a reset by default instead of splicing two answers", async () => {
    const { stream, state } = source(restarted());
    const out: string[] = [];
    for await (const text of textStream(stream)) out.push(text);
    expect(out).toEqual(["a", RESTART_MARK, "b"]);
    expect(state.finished).toBe(true);
  });

  it("throws on a reset with onReset: 'throw'", async () => {
    const { stream, state } = source(restarted());
    const out: string[] = [];
    const error = await (async () => {
      for await (const text of textStream(stream, { onReset: "throw" })) out.push(text);
    })().catch((e: unknown) => e);
    expect(out).toEqual(["a"]);
    expect(ProtocolError.isInstance(error)).toBe(true);
    expect((error as ProtocolError).message).toContain("restarted by b");
    expect(state.finished).toBe(true);
  });

  it("hands a reset to an onReset function and yields what it returns", async () => {
    const seen: string[] = [];
    const out: string[] = [];
    for await (const text of textStream(source(restarted()).stream, {
      onReset: (reset) => {
        seen.push(reset.provider);
        return undefined;
      },
    })) {
      out.push(text);
    }
    expect(seen).toEqual(["b"]);
    expect(out).toEqual(["a", "b"]);
  });

  it("cancels the source when the consumer stops early", async () => {
    const { stream, state } = source([
      { type: "content", content: "a" },
      { type: "content", content: "b" },
      done,
    ]);
    for await (const text of textStream(stream)) if (text === "a") break;
    expect(state.yielded).toBe(1);
    expect(state.finished).toBe(true);
  });

  it("rethrows what the stream throws", async () => {
    const failure = new UnavailableError("down", { provider: "p" });
    const { stream } = source([], failure);
    await expect(async () => {
      for await (const _text of textStream(stream)) {
        // drain
      }
    }).rejects.toBe(failure);
  });
});
