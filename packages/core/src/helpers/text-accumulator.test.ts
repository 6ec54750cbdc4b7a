import { describe, expect, it } from "vitest";
import { TextAccumulator } from "./text-accumulator.js";

describe("TextAccumulator", () => {
  it("returns what was added, across batch boundaries and multi-byte characters", () => {
    const text = new TextAccumulator();
    const pieces: string[] = [];
    for (let i = 0; i < 10_000; i++) pieces.push(i % 7 === 0 ? "日本😀" : `w${i} `);
    for (const piece of pieces) text.add(piece);
    expect(text.toString()).toBe(pieces.join(""));
    expect(text.isEmpty).toBe(false);
  });

  it("starts empty, ignores empty pieces, and clears", () => {
    const text = new TextAccumulator();
    expect(text.isEmpty).toBe(true);
    text.add("");
    expect(text.isEmpty).toBe(true);
    expect(text.toString()).toBe("");
    text.add("a");
    text.clear();
    expect(text.isEmpty).toBe(true);
    expect(text.toString()).toBe("");
  });
});
