import { describe, expect, it } from "vitest";
import type { StreamChunk } from "../types/stream-chunk.js";
import { StreamOutput } from "./stream-output.js";

const call = { id: "c1", name: "f", arguments: {} };

describe("StreamOutput", () => {
  it("records yielded content, thinking and tool calls; partial() is exactly them", () => {
    const output = new StreamOutput();
    output.add({ type: "thinking", thinking: "hm" }, 10);
    output.add({ type: "content", content: "a" }, 11);
    output.add({ type: "tool_calls", toolCalls: [call] }, 12);
    output.add({ type: "content", content: "b" }, 13);
    expect(output.partial()).toEqual({ content: "ab", thinking: "hm", toolCalls: [call] });
    expect(output.toolCalls).toEqual([call]);
    expect(output.generated).toBe(4);
    expect(output.firstAt).toBe(10);
    expect(output.lastAt).toBe(13);
  });

  it("partial(pending) appends the chunks decoded but not yet yielded, without recording them", () => {
    const output = new StreamOutput();
    output.add({ type: "content", content: "a" }, 1);
    const pending: StreamChunk[] = [
      { type: "content", content: "b" },
      { type: "thinking", thinking: "t" },
      { type: "tool_calls", toolCalls: [call] },
    ];
    expect(output.partial(pending)).toEqual({ content: "ab", thinking: "t", toolCalls: [call] });
    expect(output.partial()).toEqual({ content: "a", thinking: "", toolCalls: [] });
  });

  it("ignores done and reset chunks, and reports no first chunk before one", () => {
    const output = new StreamOutput();
    output.add({ type: "reset", reason: "x", provider: "p" }, 5);
    output.add({ type: "done", finishReason: "stop", model: "m", provider: "p" }, 6);
    expect(output.generated).toBe(0);
    expect(output.partial()).toEqual({ content: "", thinking: "", toolCalls: [] });
    expect(output.firstChunkMs).toBeUndefined();
    output.add({ type: "content", content: "a" }, output.startedAt + 7);
    expect(output.firstChunkMs).toBe(7);
  });

  it("the partial's toolCalls is a copy", () => {
    const output = new StreamOutput();
    output.add({ type: "tool_calls", toolCalls: [call] }, 1);
    output.partial().toolCalls.push(call);
    expect(output.toolCalls).toHaveLength(1);
  });
});
