import { AbortedError, type AIAdapter, type StreamChunk, type StreamOptions } from "@x/core";
import { createMockAdapter, type MockStep, textSteps } from "@x/core/testing";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createFallbackChain } from "../src/index.js";
import { drain, USER, visibleText } from "./helpers.js";

const answer = (text: string): MockStep[] => [...textSteps(text), { type: "done" }];

afterEach(() => {
  vi.useRealTimers();
});

/** Resolves with `promise`'s outcome, or "timeout" after `ms` (real timers). */
function within<T>(promise: Promise<T>, ms: number): Promise<T | "timeout"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A member written as an async generator that yields `before` chunks and then waits on a promise
 * nothing settles: it honours no signal, and an async generator queues `return()` behind the
 * pending `next()`, so it can never be closed while that `next()` is pending.
 */
function stuckAdapter(
  before: StreamChunk[],
): AIAdapter & { options: (StreamOptions | undefined)[] } {
  const base = createMockAdapter({ script: answer("unused") });
  const options: (StreamOptions | undefined)[] = [];
  return {
    ...base,
    options,
    stream(_messages, streamOptions) {
      options.push(streamOptions);
      return (async function* () {
        yield* before;
        await new Promise<never>(() => {});
      })();
    },
  };
}

describe("signals a chain hands its members", () => {
  it("without caller signal, hedging or totalMs, the member gets no signal at all", async () => {
    const a = createMockAdapter({ script: answer("hello there") });
    const chain = createFallbackChain([a], { commitAfter: { chars: 3 }, retry: false });
    expect(visibleText((await drain(chain.stream(USER))).chunks)).toBe("hello there");
    const options = a.calls[0]!.options;
    expect(options?.signal).toBeUndefined();
    expect(options !== undefined && "signal" in options).toBe(false);
  });

  it("a fallback member gets no signal either", async () => {
    const b = createMockAdapter({ provider: "b", script: answer("ok") });
    const failing = createMockAdapter({
      provider: "failing",
      script: [{ type: "truncate" }],
    });
    await drain(createFallbackChain([failing, b]).stream(USER));
    expect(failing.calls[0]!.options?.signal).toBeUndefined();
    expect(b.calls[0]!.options?.signal).toBeUndefined();
  });

  it("with a caller signal the member gets exactly that signal, and an abort ends the chain with AbortedError and the partial", async () => {
    const a = createMockAdapter({
      script: [{ type: "content", content: "part" }, { type: "hang" }],
    });
    const controller = new AbortController();
    const iterator = createFallbackChain([a], { breaker: { failureThreshold: 1 } })
      .stream(USER, { signal: controller.signal })
      [Symbol.asyncIterator]();
    expect((await iterator.next()).value).toEqual({ type: "content", content: "part" });
    expect(a.calls[0]!.options?.signal).toBe(controller.signal);
    const pending = iterator.next().catch((e: unknown) => e);
    controller.abort();
    const error = await pending;
    expect(AbortedError.isInstance(error)).toBe(true);
    expect((error as AbortedError).partial?.content).toBe("part");
    expect(a.openStreams).toBe(0);
  });

  it("a caller abort before the first chunk is an AbortedError, not a fallback nor a breaker failure", async () => {
    const a = createMockAdapter({ provider: "a", script: [{ type: "hang" }] });
    const b = createMockAdapter({ provider: "b", script: answer("never") });
    const controller = new AbortController();
    const chain = createFallbackChain([a, b], { breaker: { failureThreshold: 1 } });
    const result = drain(chain.stream(USER, { signal: controller.signal }));
    await vi.waitFor(() => expect(a.calls).toHaveLength(1));
    expect(a.calls[0]!.options?.signal).toBe(controller.signal);
    controller.abort();
    expect(AbortedError.isInstance((await result).error)).toBe(true);
    expect(b.calls).toHaveLength(0);
    expect(chain.breakerStates()[0]!.state).toBe("closed");
  });

  it("with hedgeAfterMs each member gets its own signal, and the loser's is aborted", async () => {
    vi.useFakeTimers();
    const slow = createMockAdapter({
      provider: "slow",
      script: [{ type: "delay", ms: 5000 }, ...answer("slow")],
    });
    const fast = createMockAdapter({
      provider: "fast",
      script: [{ type: "delay", ms: 100 }, ...answer("fast")],
    });
    const controller = new AbortController();
    const chain = createFallbackChain([slow, fast], { hedgeAfterMs: 300 });
    const result = drain(chain.stream(USER, { signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(400);
    expect(visibleText((await result).chunks)).toBe("fast");
    const loser = slow.calls[0]!.options?.signal;
    const winner = fast.calls[0]!.options?.signal;
    expect(loser).toBeInstanceOf(AbortSignal);
    expect(loser).not.toBe(controller.signal);
    expect(winner).not.toBe(loser);
    expect(loser!.aborted).toBe(true);
    expect(controller.signal.aborted).toBe(false);
  });

  it("with timeouts.totalMs the member gets its own signal, which the budget aborts", async () => {
    vi.useFakeTimers();
    const a = createMockAdapter({ script: [{ type: "content", content: "x" }, { type: "hang" }] });
    const chain = createFallbackChain([a], { timeouts: { totalMs: 1000 } });
    const result = drain(chain.stream(USER));
    await vi.advanceTimersByTimeAsync(1000);
    const { error } = await result;
    const signal = a.calls[0]!.options?.signal;
    expect(signal).toBeInstanceOf(AbortSignal);
    expect(signal!.aborted).toBe(true);
    expect(error).toMatchObject({ code: "stream_timeout", phase: "total" });
  });
});

describe("closing a member the chain gave no signal", () => {
  it("return() does not hang on a member that never settles its pending next() (after commit)", async () => {
    const a = stuckAdapter([{ type: "content", content: "x" }]);
    const iterator = createFallbackChain([a]).stream(USER)[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toEqual({ type: "content", content: "x" });
    void iterator.next(); // stays pending: the member never answers and cannot be aborted
    expect(await within(iterator.return!(), 500)).toEqual({ done: true, value: undefined });
    expect(await within(iterator.next(), 500)).toEqual({ done: true, value: undefined });
    expect(a.options[0]?.signal).toBeUndefined();
  });

  it("return() does not hang on a member that never sends its first chunk", async () => {
    const a = stuckAdapter([]);
    const iterator = createFallbackChain([a], { commitAfter: { chars: 10 } })
      .stream(USER)
      [Symbol.asyncIterator]();
    void iterator.next();
    await vi.waitFor(() => expect(a.options).toHaveLength(1));
    expect(await within(iterator.return!(), 500)).toEqual({ done: true, value: undefined });
    expect(a.options[0]?.signal).toBeUndefined();
  });

  it("return() during a retry backoff ends the backoff at once (no timer left)", async () => {
    vi.useFakeTimers();
    const failing = createMockAdapter({
      script: (call) => (call === 0 ? [{ type: "truncate" }] : answer("second try")),
    });
    const chain = createFallbackChain([failing], {
      retry: { maxRetries: 1, baseDelayMs: 60_000, random: () => 1, shouldRetry: () => true },
    });
    const iterator = chain.stream(USER)[Symbol.asyncIterator]();
    const pending = iterator.next();
    await vi.advanceTimersByTimeAsync(1);
    expect(vi.getTimerCount()).toBe(1); // the backoff
    await iterator.return!();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(vi.getTimerCount()).toBe(0);
    expect(failing.calls).toHaveLength(1);
  });
});
