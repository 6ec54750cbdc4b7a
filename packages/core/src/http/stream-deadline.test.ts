import { getEventListeners } from "node:events";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AbortedError, ModelLoadingTimeoutError, StreamTimeoutError } from "../errors/errors.js";
import { StreamDeadline } from "./stream-deadline.js";
import { isNoLimit, MAX_TIMER_MS, mergeTimeouts, timeoutsProblem } from "./time-limit.js";

const info = { provider: "ollama", model: "llama3" };

describe("StreamDeadline", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("fires first-chunk when no chunk() comes in time", () => {
    const deadline = new StreamDeadline({ firstChunkMs: 100 });
    vi.advanceTimersByTime(99);
    expect(deadline.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.reason).toBe("first-chunk");
    expect(deadline.signal.reason).toBeInstanceOf(DOMException);
    expect((deadline.signal.reason as DOMException).name).toBe("TimeoutError");
    const error = deadline.error({ ...info, cause: new Error("socket") });
    expect(ModelLoadingTimeoutError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ provider: "ollama", model: "llama3", timeoutMs: 100 });
    expect((error.cause as Error).message).toBe("socket");
    expect(error.message).toContain("100 ms");
    expect(vi.getTimerCount()).toBe(0);
  });

  it("chunk() stops the first-chunk limit; resume() starts the idle limit", () => {
    const deadline = new StreamDeadline({ firstChunkMs: 100, idleMs: 300 });
    vi.advanceTimersByTime(50);
    deadline.chunk();
    vi.advanceTimersByTime(1000);
    expect(deadline.signal.aborted).toBe(false); // the consumer holds the chunk
    deadline.resume();
    vi.advanceTimersByTime(299);
    expect(deadline.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(deadline.reason).toBe("idle");
    const error = deadline.error(info);
    expect(StreamTimeoutError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ phase: "idle", timeoutMs: 300, retryable: true });
    expect(vi.getTimerCount()).toBe(0);
  });

  it("counts only the time the consumer waits, with one idle timer", () => {
    const deadline = new StreamDeadline({ idleMs: 100 });
    deadline.chunk();
    for (let i = 0; i < 20; i++) {
      deadline.resume();
      vi.advanceTimersByTime(90); // the server answers within 90 ms
      deadline.chunk();
      vi.advanceTimersByTime(500); // the consumer holds each chunk for 500 ms
      expect(vi.getTimerCount()).toBeLessThanOrEqual(1);
    }
    expect(deadline.signal.aborted).toBe(false);
    deadline.resume();
    vi.advanceTimersByTime(99);
    expect(deadline.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(deadline.reason).toBe("idle");
  });

  it("measures a wait from the latest resume(), not from when the timer was set", () => {
    const deadline = new StreamDeadline({ idleMs: 100 });
    deadline.chunk();
    deadline.resume();
    vi.advanceTimersByTime(60);
    deadline.chunk();
    deadline.resume(); // waiting again from t=60: must not fire before t=160
    vi.advanceTimersByTime(99);
    expect(deadline.signal.aborted).toBe(false);
    vi.advanceTimersByTime(2);
    expect(deadline.reason).toBe("idle");
  });

  it("times the wait on the monotonic clock: setting the wall clock back does not stretch idleMs", () => {
    const deadline = new StreamDeadline({ idleMs: 100 });
    deadline.chunk();
    deadline.resume();
    vi.setSystemTime(Date.now() - 3_600_000); // NTP or an admin sets the clock back an hour
    vi.advanceTimersByTime(100);
    expect(deadline.reason).toBe("idle");
  });

  it("runs no idle limit before the first chunk", () => {
    const deadline = new StreamDeadline({ idleMs: 100 });
    deadline.resume();
    vi.advanceTimersByTime(10_000);
    expect(deadline.signal.aborted).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("fires total however active the stream is", () => {
    const deadline = new StreamDeadline({ idleMs: 100, totalMs: 250 });
    for (let i = 0; i < 4; i++) {
      deadline.chunk();
      deadline.resume();
      vi.advanceTimersByTime(50);
    }
    expect(deadline.signal.aborted).toBe(false);
    vi.advanceTimersByTime(50);
    expect(deadline.reason).toBe("total");
    expect(deadline.error(info)).toMatchObject({ phase: "total", timeoutMs: 250 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it("turns the caller's abort into AbortedError with the reason as cause", () => {
    const caller = new AbortController();
    const deadline = new StreamDeadline({ firstChunkMs: 1000 }, caller.signal);
    const reason = new Error("user pressed stop");
    caller.abort(reason);
    expect(deadline.reason).toBe("aborted");
    expect(deadline.signal.aborted).toBe(true);
    const error = deadline.error(info);
    expect(AbortedError.isInstance(error)).toBe(true);
    expect(error.cause).toBe(reason);
    expect(error.retryable).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("is fired at once by an already aborted signal, with no timer or listener", () => {
    const caller = new AbortController();
    caller.abort();
    const deadline = new StreamDeadline({ firstChunkMs: 1000, totalMs: 1000 }, caller.signal);
    expect(deadline.reason).toBe("aborted");
    expect(vi.getTimerCount()).toBe(0);
    expect(getEventListeners(caller.signal, "abort")).toHaveLength(0);
  });

  it("dispose() clears every timer and the caller listener", () => {
    const caller = new AbortController();
    const deadline = new StreamDeadline(
      { firstChunkMs: 10, idleMs: 10, totalMs: 10 },
      caller.signal,
    );
    deadline.chunk();
    expect(getEventListeners(caller.signal, "abort")).toHaveLength(1);
    deadline.dispose();
    deadline.dispose();
    expect(vi.getTimerCount()).toBe(0);
    expect(getEventListeners(caller.signal, "abort")).toHaveLength(0);
    vi.advanceTimersByTime(100);
    expect(deadline.signal.aborted).toBe(false);
  });

  it("treats Infinity and anything above 2^31-1 ms as no limit (no timer at all)", () => {
    const deadline = new StreamDeadline({
      firstChunkMs: MAX_TIMER_MS + 1,
      idleMs: Number.POSITIVE_INFINITY,
      totalMs: 2 ** 40,
    });
    deadline.chunk();
    deadline.resume();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(10_000);
    expect(deadline.signal.aborted).toBe(false);
  });

  it("still honours a limit of exactly 2^31-1 ms", () => {
    const deadline = new StreamDeadline({ totalMs: MAX_TIMER_MS });
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(1000);
    expect(deadline.signal.aborted).toBe(false);
    deadline.dispose();
  });
});

describe("time limits", () => {
  it("has one definition of no limit", () => {
    expect(isNoLimit(undefined)).toBe(true);
    expect(isNoLimit(Number.POSITIVE_INFINITY)).toBe(true);
    expect(isNoLimit(MAX_TIMER_MS + 1)).toBe(true);
    expect(isNoLimit(MAX_TIMER_MS)).toBe(false);
    expect(isNoLimit(1)).toBe(false);
  });

  it("refuses 0, negative, NaN and non-number limits, naming the field", () => {
    expect(timeoutsProblem(undefined)).toBeUndefined();
    expect(timeoutsProblem({ firstChunkMs: 5, idleMs: Number.POSITIVE_INFINITY })).toBeUndefined();
    expect(timeoutsProblem({ idleMs: 0 })).toMatch(/^timeouts\.idleMs must be greater than 0/);
    expect(timeoutsProblem({ totalMs: -1 })).toMatch(/^timeouts\.totalMs/);
    expect(timeoutsProblem({ firstChunkMs: Number.NaN })).toMatch(/^timeouts\.firstChunkMs/);
    expect(timeoutsProblem({ firstChunkMs: "5" })).toMatch(/number of milliseconds/);
    expect(timeoutsProblem(5)).toBe("timeouts must be an object");
  });

  it("merges per-call timeouts over defaults field by field", () => {
    expect(
      mergeTimeouts({ firstChunkMs: 1, idleMs: 2 }, { idleMs: 3, totalMs: undefined }),
    ).toEqual({ firstChunkMs: 1, idleMs: 3 });
    expect(mergeTimeouts(undefined, undefined)).toEqual({});
  });
});
