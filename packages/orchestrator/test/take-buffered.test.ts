import { type AIAdapter, ProviderError, type StreamChunk, takeBuffered } from "@x/core";
import { createMockAdapter, textSteps } from "@x/core/testing";
import { describe, expect, it } from "vitest";
import { createFallbackChain, getChainReport } from "../src/index.js";
import { drain, USER } from "./helpers.js";

/**
 * A member whose iterator offers `takeBuffered`: every chunk but the first of each "read" of
 * `batch` chunks is available synchronously. Ends with `fail` (thrown by next()) if given.
 */
function bufferedAdapter(
  provider: string,
  chunks: StreamChunk[],
  options: { batch?: number; fail?: Error } = {},
): AIAdapter & { taken: number } {
  const batch = options.batch ?? 4;
  const adapter = {
    provider,
    model: "m",
    capabilities: { tools: true, thinking: true, images: true, jsonSchema: true, usage: true },
    taken: 0,
    stream() {
      let index = 0;
      let buffered = 0;
      const iterator = {
        [takeBuffered](): StreamChunk | undefined {
          if (buffered === 0 || index >= chunks.length) return undefined;
          buffered--;
          adapter.taken++;
          return chunks[index++];
        },
        async next(): Promise<IteratorResult<StreamChunk>> {
          await new Promise((resolve) => setImmediate(resolve)); // a "read"
          if (index >= chunks.length) {
            if (options.fail) throw options.fail;
            return { done: true, value: undefined };
          }
          buffered = batch - 1;
          return { done: false, value: chunks[index++]! };
        },
        async return(): Promise<IteratorResult<StreamChunk>> {
          index = chunks.length;
          return { done: true, value: undefined };
        },
        [Symbol.asyncIterator]() {
          return iterator;
        },
      };
      return iterator;
    },
    healthCheck: async () => true,
    listModels: async () => ["m"],
  };
  return adapter;
}

const text = (n: number): StreamChunk[] =>
  Array.from({ length: n }, (_, i) => ({ type: "content", content: `t${i} ` }));

describe("a chain forwards chunks a member has buffered without awaiting it", () => {
  it("yields the member's chunks and a served done, taking the buffered ones synchronously", async () => {
    const done: StreamChunk = {
      type: "done",
      finishReason: "stop",
      provider: "a",
      model: "m",
      usage: { inputTokens: 3, outputTokens: 9 },
    };
    const chunks = [...text(9), done];
    const member = bufferedAdapter("a", chunks);
    const { chunks: got, error } = await drain(createFallbackChain([member]).stream(USER));
    expect(error).toBeUndefined();
    expect(got.slice(0, 9)).toEqual(chunks.slice(0, 9));
    expect(got).toHaveLength(10);
    const last = got[9]!;
    expect(last.type).toBe("done");
    if (last.type !== "done") return;
    expect(last.usage).toEqual({ inputTokens: 3, outputTokens: 9 });
    expect(getChainReport(last)?.servedBy).toMatchObject({ provider: "a" });
    // From next(): 1 (the first chunk, before commit), 2 (the hand-over to forwarding), 6 and
    // the done; taken: 3–5 and 7–9.
    expect(member.taken).toBe(6);
  });

  it("tracks what it forwarded that way: a mid-stream failure carries all of it as partial", async () => {
    const member = bufferedAdapter("a", text(7), {
      fail: new ProviderError("a: boom", { provider: "a" }),
    });
    const { chunks, error } = await drain(createFallbackChain([member]).stream(USER));
    expect(member.taken).toBeGreaterThan(0);
    expect(chunks).toHaveLength(7);
    expect(ProviderError.isInstance(error)).toBe(true);
    expect((error as ProviderError).partial?.content).toBe(
      text(7)
        .map((c) => (c.type === "content" ? c.content : ""))
        .join(""),
    );
  });

  it("restarts on the next member after a failure that follows taken chunks (midStream: restart)", async () => {
    const first = bufferedAdapter("a", text(6), {
      fail: new ProviderError("a: boom", { provider: "a" }),
    });
    const second = createMockAdapter({
      provider: "b",
      script: [...textSteps("fine"), { type: "done" }],
    });
    const { chunks, error } = await drain(
      createFallbackChain([first, second], { midStream: "restart" }).stream(USER),
    );
    expect(error).toBeUndefined();
    const types = chunks.map((c) => c.type);
    expect(types.slice(0, 6)).toEqual(Array(6).fill("content"));
    expect(types[6]).toBe("reset");
    expect(chunks.at(-1)).toMatchObject({ type: "done", provider: "b" });
  });
});
