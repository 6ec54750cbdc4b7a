import { describe, expect, it } from "vitest";
import type { StreamChunk } from "./stream-chunk.js";
import { getTakeBuffered, takeBuffered } from "./take-buffered.js";

describe("takeBuffered", () => {
  it("is a registry symbol, so two copies of @x/core agree on it", () => {
    expect(takeBuffered).toBe(Symbol.for("@x/core.takeBuffered"));
  });

  it("getTakeBuffered finds the method only on iterators that have one", () => {
    const chunk: StreamChunk = { type: "content", content: "x" };
    const plain: AsyncIterator<StreamChunk> = {
      next: async () => ({ done: true, value: undefined }),
    };
    const buffered = { ...plain, [takeBuffered]: () => chunk };
    const wrong = { ...plain, [takeBuffered]: "not a function" };
    expect(getTakeBuffered(plain)).toBeUndefined();
    expect(getTakeBuffered(wrong as unknown as AsyncIterator<StreamChunk>)).toBeUndefined();
    expect(getTakeBuffered(buffered)?.call(buffered)).toBe(chunk);
  });
});
