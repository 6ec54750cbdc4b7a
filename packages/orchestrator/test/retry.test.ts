import {
  AbortedError,
  ModelLoadingTimeoutError,
  ProtocolError,
  RateLimitError,
  ServerError,
  StreamTimeoutError,
  UnavailableError,
} from "@x/core";
import { createMockAdapter, type MockStep } from "@x/core/testing";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  AllAdaptersFailedError,
  backoffDelay,
  createFallbackChain,
  defaultShouldRetry,
  withRetry,
} from "../src/index.js";
import { drain, recorder, USER, visibleText } from "./helpers.js";

const who = { provider: "a", model: "m" };
const down = (): MockStep[] => [{ type: "error", error: new UnavailableError("refused", who) }];
const answer: MockStep[] = [{ type: "content", content: "ok" }, { type: "done" }];

afterEach(() => {
  vi.useRealTimers();
});

describe("backoffDelay (full jitter)", () => {
  it("is uniform in [0, min(max, base * 2^(n-1)))", () => {
    expect(backoffDelay(1, { baseDelayMs: 100, random: () => 0.999 })).toBe(99);
    expect(backoffDelay(3, { baseDelayMs: 100, random: () => 0.5 })).toBe(200);
    expect(backoffDelay(10, { baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.5 })).toBe(500);
    expect(backoffDelay(4, { baseDelayMs: 100, random: () => 0 })).toBe(0);
  });
});

describe("withRetry", () => {
  it("retries failures before the first chunk with exponential backoff and full jitter", async () => {
    vi.useFakeTimers();
    const a = createMockAdapter({ provider: "a", script: [down(), down(), answer] });
    const rec = recorder();
    const retried = withRetry(a, {
      maxRetries: 3,
      baseDelayMs: 100,
      random: () => 0.5,
      onEvent: rec.onEvent,
    });
    const result = drain(retried.stream(USER));
    await vi.advanceTimersByTimeAsync(49);
    expect(a.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(a.calls).toHaveLength(2); // first backoff: 0.5 * 100
    await vi.advanceTimersByTimeAsync(99);
    expect(a.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(a.calls).toHaveLength(3); // second backoff: 0.5 * 200
    const { chunks } = await result;
    expect(visibleText(chunks)).toBe("ok");
    expect(
      rec.events.map((e) => (e.type === "retry" ? [e.retry, e.delayMs, e.stage] : [])),
    ).toEqual([
      [1, 50, "connect"],
      [2, 100, "connect"],
    ]);
  });

  it("is bounded: after maxRetries the last error is thrown", async () => {
    const a = createMockAdapter({ provider: "a", script: down() });
    const { error } = await drain(withRetry(a, { maxRetries: 2, baseDelayMs: 1 }).stream(USER));
    expect(UnavailableError.isInstance(error)).toBe(true);
    expect(a.calls).toHaveLength(3);
  });

  it("honours retryAfterMs instead of the jittered backoff", async () => {
    vi.useFakeTimers();
    const limited = new RateLimitError("429", { ...who, status: 429, retryAfterMs: 3000 });
    const a = createMockAdapter({
      provider: "a",
      script: [[{ type: "error", error: limited }], answer],
    });
    const result = drain(withRetry(a, { baseDelayMs: 10, random: () => 0.5 }).stream(USER));
    await vi.advanceTimersByTimeAsync(2999);
    expect(a.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(a.calls).toHaveLength(2);
    expect(visibleText((await result).chunks)).toBe("ok");
  });

  it("does not wait for a Retry-After beyond maxRetryAfterMs", async () => {
    const limited = new RateLimitError("429", { ...who, status: 429, retryAfterMs: 60_000 });
    const a = createMockAdapter({ provider: "a", script: [{ type: "error", error: limited }] });
    const { error } = await drain(withRetry(a, { maxRetryAfterMs: 1000 }).stream(USER));
    expect(error).toBe(limited);
    expect(a.calls).toHaveLength(1);
  });

  it("never retries non-retryable errors, aborts, or after the first chunk", async () => {
    const proto = createMockAdapter({
      script: [{ type: "error", error: new ProtocolError("x", { ...who, reason: "truncated" }) }],
    });
    await drain(withRetry(proto, { baseDelayMs: 1 }).stream(USER));
    expect(proto.calls).toHaveLength(1);
    const aborted = createMockAdapter({
      script: [{ type: "error", error: new AbortedError("x", who) }],
    });
    await drain(withRetry(aborted, { baseDelayMs: 1, shouldRetry: () => true }).stream(USER));
    expect(aborted.calls).toHaveLength(1);
    const mid = createMockAdapter({
      script: [
        { type: "content", content: "x" },
        { type: "error", error: new ServerError("5", { ...who, status: 500 }) },
      ],
    });
    const { chunks, error } = await drain(withRetry(mid, { baseDelayMs: 1 }).stream(USER));
    expect(mid.calls).toHaveLength(1);
    expect(visibleText(chunks)).toBe("x");
    expect(ServerError.isInstance(error)).toBe(true);
  });

  it("abort cancels a pending backoff at once, leaving no timer", async () => {
    vi.useFakeTimers();
    const a = createMockAdapter({ provider: "a", script: down() });
    const controller = new AbortController();
    const result = drain(
      withRetry(a, { baseDelayMs: 60_000, random: () => 0.9 }).stream(USER, {
        signal: controller.signal,
      }),
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(1);
    controller.abort();
    const { error } = await result;
    expect(AbortedError.isInstance(error)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    expect(a.calls).toHaveLength(1);
  });
});

describe("retries inside a chain share one totalMs budget", () => {
  it("a backoff that would cross the budget is not taken; the chain falls back instead", async () => {
    vi.useFakeTimers();
    const a = createMockAdapter({ provider: "a", script: down() });
    const b = createMockAdapter({ provider: "b", script: answer });
    const rec = recorder();
    const chain = createFallbackChain([a, b], {
      retry: { maxRetries: 5, baseDelayMs: 400, random: () => 0.99 },
      timeouts: { totalMs: 1000 },
      onEvent: rec.onEvent,
    });
    const result = drain(chain.stream(USER));
    await vi.advanceTimersByTimeAsync(2000);
    const { chunks } = await result;
    expect(visibleText(chunks)).toBe("ok");
    // 396 ms, then 792 ms would end past 1000 ms: only one retry of a.
    expect(a.calls).toHaveLength(2);
    expect(rec.types()).toEqual(["attempt", "retry", "failure", "fallback", "attempt", "success"]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("when the budget runs out mid-wait, the request fails with every attempt listed", async () => {
    vi.useFakeTimers();
    const a = createMockAdapter({ provider: "a", script: [{ type: "hang" }] });
    const b = createMockAdapter({ provider: "b", script: answer });
    const chain = createFallbackChain([a, b], { timeouts: { totalMs: 500 } });
    const result = drain(chain.stream(USER));
    await vi.advanceTimersByTimeAsync(500);
    const { error } = await result;
    expect(AllAdaptersFailedError.isInstance(error)).toBe(true);
    const all = error as AllAdaptersFailedError;
    expect(all.attempts).toHaveLength(1);
    expect(all.attempts[0]!.error).toMatchObject({ code: "stream_timeout", phase: "total" });
    expect(b.calls).toHaveLength(0);
    expect(a.openStreams).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("retried tries are listed as attempts in AllAdaptersFailedError", async () => {
    const a = createMockAdapter({ provider: "a", script: down() });
    const b = createMockAdapter({ provider: "b", script: down() });
    const chain = createFallbackChain([a, b], { retry: { maxRetries: 2, baseDelayMs: 1 } });
    const { error } = await drain(chain.stream(USER));
    const tried = (error as AllAdaptersFailedError).attempts.map((x) => x.adapter.provider);
    expect(tried).toEqual(["a", "a", "a", "b", "b", "b"]);
    // A one-member chain is transparent: it throws its member's last error itself.
    const one = await drain(
      createFallbackChain([a], { retry: { maxRetries: 2, baseDelayMs: 1 } }).stream(USER),
    );
    expect(UnavailableError.isInstance(one.error)).toBe(true);
  });
});

describe("defaults", () => {
  it("a chain with no options retries a transient failure once, after less than 250 ms", async () => {
    const a = createMockAdapter({ provider: "a", script: [down(), answer] });
    const rec = recorder();
    const { chunks } = await drain(createFallbackChain([a], { onEvent: rec.onEvent }).stream(USER));
    expect(visibleText(chunks)).toBe("ok");
    expect(a.calls).toHaveLength(2);
    const retry = rec.events.find((e) => e.type === "retry");
    expect(retry).toMatchObject({ retry: 1, stage: "connect" });
    expect(retry?.type === "retry" && retry.delayMs).toBeLessThan(250);
  });

  it("a member that went silent is never retried, even with retries configured", async () => {
    const silent = createMockAdapter({ provider: "silent", script: [{ type: "hang" }] });
    const b = createMockAdapter({ provider: "b", script: answer });
    const chain = createFallbackChain([{ adapter: silent, firstChunkMs: 20 }, b], {
      retry: { maxRetries: 3, baseDelayMs: 1 },
    });
    const { chunks } = await drain(chain.stream(USER));
    expect(visibleText(chunks)).toBe("ok");
    expect(silent.calls).toHaveLength(1);
    expect(defaultShouldRetry(new ModelLoadingTimeoutError("x", { ...who, timeoutMs: 1 }))).toBe(
      false,
    );
    expect(
      defaultShouldRetry(new StreamTimeoutError("x", { ...who, timeoutMs: 1, phase: "idle" })),
    ).toBe(false);
  });

  it("withRetry on its own tries once more by default", async () => {
    const a = createMockAdapter({ provider: "a", script: down() });
    await drain(withRetry(a, { baseDelayMs: 1 }).stream(USER));
    expect(a.calls).toHaveLength(2);
  });
});
