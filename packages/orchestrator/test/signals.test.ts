import { AbortedError, UnavailableError } from "@x/core";
import { createMockAdapter, type MockStep, textSteps } from "@x/core/testing";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createFallbackChain } from "../src/index.js";
import { drain, recorder, USER, visibleText } from "./helpers.js";

const answer = (text: string): MockStep[] => [...textSteps(text), { type: "done" }];

afterEach(() => {
  vi.useRealTimers();
});

// Every try gets an AbortSignal of its own (core's StreamDeadline, hanging off the caller's
// signal and the chain's budget): the chain can abort one try alone (a limit, a lost hedge, the
// consumer leaving) and the caller's abort reaches every try.

describe("signals a chain hands its members", () => {
  it("each try gets a signal of its own, never the caller's, and the caller's abort reaches it", async () => {
    const a = createMockAdapter({
      script: [{ type: "content", content: "part" }, { type: "hang" }],
    });
    const controller = new AbortController();
    const rec = recorder();
    const iterator = createFallbackChain([a], { onEvent: rec.onEvent })
      .stream(USER, { signal: controller.signal })
      [Symbol.asyncIterator]();
    expect((await iterator.next()).value).toEqual({ type: "content", content: "part" });
    const signal = a.calls[0]!.options?.signal;
    expect(signal).toBeInstanceOf(AbortSignal);
    expect(signal).not.toBe(controller.signal);
    const pending = iterator.next().catch((e: unknown) => e);
    controller.abort("user pressed stop");
    const error = await pending;
    expect(signal!.aborted).toBe(true);
    expect(AbortedError.isInstance(error)).toBe(true);
    expect((error as AbortedError).cause).toBe("user pressed stop");
    expect((error as AbortedError).partial?.content).toBe("part");
    expect(rec.events.at(-1)).toMatchObject({ type: "abort", partial: { content: "part" } });
    expect(a.openStreams).toBe(0);
  });

  it("the caller's other options reach every member unchanged", async () => {
    const a = createMockAdapter({ provider: "a", script: [{ type: "truncate" }] });
    const b = createMockAdapter({ provider: "b", script: answer("ok") });
    const options = {
      temperature: 0.2,
      providerOptions: { top_k: 3 },
      timeouts: { idleMs: 5_000 },
    };
    await drain(createFallbackChain([a, b], { retry: false }).stream(USER, options));
    for (const m of [a, b]) {
      expect(m.calls[0]!.options).toMatchObject(options);
    }
  });

  it("a caller abort before the first chunk is an AbortedError, not a fallback nor a breaker failure", async () => {
    const a = createMockAdapter({ provider: "a", script: [{ type: "hang" }] });
    const b = createMockAdapter({ provider: "b", script: answer("never") });
    const controller = new AbortController();
    const chain = createFallbackChain([a, b], { breaker: { failureThreshold: 1 } });
    const result = drain(chain.stream(USER, { signal: controller.signal }));
    await vi.waitFor(() => expect(a.calls).toHaveLength(1));
    controller.abort();
    expect(AbortedError.isInstance((await result).error)).toBe(true);
    expect(b.calls).toHaveLength(0);
    expect(chain.breakerStates()[0]!.state).toBe("closed");
  });

  it("an already aborted signal ends the request before any member is called", async () => {
    const a = createMockAdapter({ script: answer("never") });
    const { error } = await drain(
      createFallbackChain([a]).stream(USER, { signal: AbortSignal.abort() }),
    );
    expect(AbortedError.isInstance(error)).toBe(true);
    expect(a.calls).toHaveLength(0);
  });

  it("with hedgeAfterMs the loser's signal is aborted, the winner's and the caller's are not", async () => {
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
    expect(loser!.aborted).toBe(true);
    expect(winner).not.toBe(loser);
    expect(controller.signal.aborted).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("timeouts.totalMs aborts the try's signal and ends the request with StreamTimeoutError (total)", async () => {
    vi.useFakeTimers();
    const a = createMockAdapter({ script: [{ type: "content", content: "x" }, { type: "hang" }] });
    const chain = createFallbackChain([a], { timeouts: { totalMs: 1000 } });
    const result = drain(chain.stream(USER));
    await vi.advanceTimersByTimeAsync(1000);
    const { error } = await result;
    expect(a.calls[0]!.options?.signal?.aborted).toBe(true);
    expect(error).toMatchObject({
      code: "stream_timeout",
      phase: "total",
      partial: { content: "x" },
    });
    expect(chain.breakerStates()[0]!.state).toBe("closed"); // the budget is not the member's fault
  });

  it("a caller abort during a retry backoff ends the wait at once, leaving no timer", async () => {
    vi.useFakeTimers();
    const failing = createMockAdapter({
      script: (call) =>
        call === 0
          ? [{ type: "error", error: new UnavailableError("x", { provider: "a" }) }]
          : answer("second"),
    });
    const chain = createFallbackChain([failing], {
      retry: { maxRetries: 1, baseDelayMs: 60_000, random: () => 0.99 },
    });
    const controller = new AbortController();
    const pending = drain(chain.stream(USER, { signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(1);
    expect(failing.calls).toHaveLength(1);
    controller.abort();
    const { error } = await pending;
    expect(AbortedError.isInstance(error)).toBe(true);
    expect(failing.calls).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});
