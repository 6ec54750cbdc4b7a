import { ProtocolError } from "@x/core";
import { describe, expect, it } from "vitest";
import { ToolCallAccumulator } from "./tool-call-accumulator.js";

const options = { provider: "openai", model: "m" };

describe("ToolCallAccumulator", () => {
  it("sets id/name/type when they arrive late or repeat, appends argument fragments", () => {
    const acc = new ToolCallAccumulator();
    acc.add({ index: 2, function: { arguments: '{"a"' } });
    acc.add({ index: 2, id: "call_1", function: { name: "f", arguments: ":1" } });
    acc.add({ index: 2, id: "call_1", type: "function", function: { name: "f", arguments: "}" } });
    expect(acc.flush(options, false).calls).toEqual([
      { id: "call_1", name: "f", arguments: { a: 1 } },
    ]);
    expect(acc.pending).toBe(false);
    expect(acc.flush(options, false)).toEqual({ calls: [], incomplete: [] });
  });

  it("missing index: a new id opens a call, no id continues the last one", () => {
    const acc = new ToolCallAccumulator();
    acc.add({ id: "a", function: { name: "f", arguments: '{"x":' } });
    acc.add({ function: { arguments: "1}" } });
    acc.add({ id: "b", function: { name: "g" } });
    expect(acc.flush(options, false).calls).toEqual([
      { id: "a", name: "f", arguments: { x: 1 } },
      { id: "b", name: "g", arguments: {} },
    ]);
  });

  it("object arguments, no arguments at all, synthesised ids, index order", () => {
    const acc = new ToolCallAccumulator();
    acc.add({ index: 1, function: { name: "second" } });
    acc.add({ index: 0, id: "x", function: { name: "first", arguments: { k: [1] } } });
    const calls = acc.flush(options, false).calls;
    expect(calls.map((c) => c.name)).toEqual(["first", "second"]);
    expect(calls[0]!.arguments).toEqual({ k: [1] });
    expect(calls[1]!.arguments).toEqual({});
    expect(calls[1]!.id).toMatch(/^call_/);
  });

  it("deltas for a call already emitted are ignored", () => {
    const acc = new ToolCallAccumulator();
    acc.add({ index: 0, id: "a", function: { name: "f", arguments: "{}" } });
    acc.flush(options, false);
    acc.add({ index: 0, function: { arguments: "garbage" } });
    expect(acc.flush(options, false).calls).toEqual([]);
  });

  it("invalid JSON throws a ProtocolError naming the tool", () => {
    const acc = new ToolCallAccumulator();
    acc.add({ index: 0, id: "a", function: { name: "lookup", arguments: '{"q":' } });
    let error: unknown;
    try {
      acc.flush(options, false);
    } catch (caught) {
      error = caught;
    }
    expect(ProtocolError.isInstance(error)).toBe(true);
    expect(String(error)).toContain("lookup");
  });

  it("cut off by the token limit: unparsable calls are incomplete, parsable ones complete", () => {
    const acc = new ToolCallAccumulator();
    acc.add({ index: 0, id: "a", function: { name: "done_one", arguments: '{"x":1}' } });
    acc.add({ index: 1, id: "b", function: { name: "cut", arguments: '{"q":"par' } });
    expect(acc.flush(options, true)).toEqual({
      calls: [{ id: "a", name: "done_one", arguments: { x: 1 } }],
      incomplete: [{ id: "b", name: "cut", argumentsText: '{"q":"par' }],
    });
  });
});
