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

describe("drainPreferringTakeBuffered", () => {
  it("takes what the iterator has buffered and awaits next() otherwise", async () => {
    const { drainPreferringTakeBuffered } = await import("../testing/take-buffered-drain.js");
    const chunks: StreamChunk[] = [1, 2, 3, 4].map((i) => ({ type: "content", content: `${i}` }));
    let index = 0;
    let buffered = 0;
    const iterator = {
      [takeBuffered]: (): StreamChunk | undefined => {
        if (buffered === 0 || index >= chunks.length) return undefined;
        buffered--;
        return chunks[index++];
      },
      next: async (): Promise<IteratorResult<StreamChunk>> => {
        if (index >= chunks.length) return { done: true, value: undefined };
        buffered = 1;
        return { done: false, value: chunks[index++]! };
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    const got = await drainPreferringTakeBuffered(iterator);
    expect(got.chunks).toEqual(chunks);
    expect(got.taken).toBe(2);
    expect(got.error).toBeUndefined();
    await expect(
      drainPreferringTakeBuffered({
        [Symbol.asyncIterator]: () => ({ next: async () => ({ done: true, value: undefined }) }),
      }),
    ).rejects.toThrow(TypeError);
  });
});
