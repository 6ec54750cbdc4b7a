import { getEventListeners } from "node:events";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AbortedError, ModelLoadingTimeoutError, StreamTimeoutError } from "../errors/errors.js";
import { mergeTimeouts, StreamDeadline } from "./stream-deadline.js";

const info = { provider: "ollama", model: "llama3" };

describe("StreamDeadline", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("fires first-chunk when started() does not come in time", () => {
    const deadline = new StreamDeadline({ firstChunkMs: 100 });
    vi.advanceTimersByTime(99);
    expect(deadline.signal.aborted).toBe(false);
    expect(deadline.reason).toBeUndefined();
    vi.advanceTimersByTime(1);
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.signal.reason).toBe("first-chunk");
    expect(deadline.reason).toBe("first-chunk");
    const error = deadline.error(info);
    expect(ModelLoadingTimeoutError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ provider: "ollama", model: "llama3", timeoutMs: 100 });
    expect(error.message).toContain("100 ms");
    expect(vi.getTimerCount()).toBe(0);
  });

  it("started() stops the first-chunk limit and starts the idle limit", () => {
    const deadline = new StreamDeadline({ firstChunkMs: 100, idleMs: 300 });
    vi.advanceTimersByTime(50);
    deadline.started();
    vi.advanceTimersByTime(299);
    expect(deadline.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(deadline.reason).toBe("idle");
  });

  it("activity() restarts the idle limit", () => {
    const deadline = new StreamDeadline({ idleMs: 100 });
    deadline.started();
    for (let i = 0; i < 5; i++) {
      vi.advanceTimersByTime(90);
      deadline.activity();
    }
    expect(deadline.signal.aborted).toBe(false);
    vi.advanceTimersByTime(100);
    expect(deadline.reason).toBe("idle");
    const error = deadline.error(info);
    expect(StreamTimeoutError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ phase: "idle", timeoutMs: 100, retryable: true });
  });

  it("does not run the idle limit before started()", () => {
    const deadline = new StreamDeadline({ idleMs: 100 });
    deadline.activity();
    vi.advanceTimersByTime(10_000);
    expect(deadline.signal.aborted).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("calling started() twice keeps one idle timer", () => {
    const deadline = new StreamDeadline({ idleMs: 100 });
    deadline.started();
    deadline.started();
    expect(vi.getTimerCount()).toBe(1);
    deadline.dispose();
  });

  it("fires total however active the stream is", () => {
    const deadline = new StreamDeadline({ idleMs: 100, totalMs: 250 });
    deadline.started();
    for (let i = 0; i < 4; i++) {
      vi.advanceTimersByTime(50);
      deadline.activity();
    }
    expect(deadline.signal.aborted).toBe(false);
    vi.advanceTimersByTime(50);
    expect(deadline.reason).toBe("total");
    const error = deadline.error(info);
    expect(StreamTimeoutError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ phase: "total", timeoutMs: 250 });
  });

  it("total also covers the wait for the first chunk", () => {
    const deadline = new StreamDeadline({ firstChunkMs: 500, totalMs: 200 });
    vi.advanceTimersByTime(200);
    expect(deadline.reason).toBe("total");
  });

  it("turns the caller's abort into AbortedError carrying the signal's reason", () => {
    const controller = new AbortController();
    const deadline = new StreamDeadline({ firstChunkMs: 100, totalMs: 1000 }, controller.signal);
    const reason = new Error("user pressed stop");
    controller.abort(reason);
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.reason).toBe("aborted");
    const error = deadline.error(info);
    expect(AbortedError.isInstance(error)).toBe(true);
    expect(error.cause).toBe(reason);
    expect(error.retryable).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("fires at once for an already-aborted signal, starting no timer", () => {
    const signal = AbortSignal.abort("gone");
    const deadline = new StreamDeadline({ firstChunkMs: 100, totalMs: 100 }, signal);
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.reason).toBe("aborted");
    expect(deadline.error(info).cause).toBe("gone");
    expect(vi.getTimerCount()).toBe(0);
    expect(getEventListeners(signal, "abort")).toHaveLength(0);
  });

  it("keeps the first reason", () => {
    const controller = new AbortController();
    const deadline = new StreamDeadline({ firstChunkMs: 10 }, controller.signal);
    vi.advanceTimersByTime(10);
    controller.abort();
    expect(deadline.reason).toBe("first-chunk");
  });

  it("throwIfFired throws the matching error only once fired", () => {
    const deadline = new StreamDeadline({ firstChunkMs: 10 });
    expect(() => deadline.throwIfFired(info)).not.toThrow();
    vi.advanceTimersByTime(10);
    expect(() => deadline.throwIfFired(info)).toThrow(ModelLoadingTimeoutError);
  });

  it("error() before any limit fired is an AbortedError", () => {
    const deadline = new StreamDeadline({});
    const cause = new Error("consumer stopped");
    const error = deadline.error({ ...info, cause });
    expect(AbortedError.isInstance(error)).toBe(true);
    expect(error.cause).toBe(cause);
  });

  it("dispose() clears every timer and the abort listener, and is idempotent", () => {
    const controller = new AbortController();
    const deadline = new StreamDeadline(
      { firstChunkMs: 100, idleMs: 100, totalMs: 1000 },
      controller.signal,
    );
    deadline.started();
    expect(vi.getTimerCount()).toBe(2);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    deadline.dispose();
    deadline.dispose();
    expect(vi.getTimerCount()).toBe(0);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    vi.advanceTimersByTime(10_000);
    controller.abort();
    expect(deadline.signal.aborted).toBe(false);
    deadline.activity();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("calls onFire once with the reason, and a signal read afterwards is already aborted", () => {
    const fired: string[] = [];
    const deadline = new StreamDeadline({ firstChunkMs: 10, totalMs: 20 }, undefined, (r) =>
      fired.push(r),
    );
    vi.advanceTimersByTime(50);
    expect(fired).toEqual(["first-chunk"]);
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.signal.reason).toBe("first-chunk");
    expect(vi.getTimerCount()).toBe(0);
  });

  it("calls onFire from the constructor when the caller's signal is already aborted", () => {
    const controller = new AbortController();
    controller.abort();
    const fired: string[] = [];
    const deadline = new StreamDeadline({ totalMs: 10 }, controller.signal, (r) => fired.push(r));
    expect(fired).toEqual(["aborted"]);
    expect(deadline.reason).toBe("aborted");
    expect(vi.getTimerCount()).toBe(0);
  });

  it("calls onFire on the caller's abort; a signal read before fires too", () => {
    const controller = new AbortController();
    const fired: string[] = [];
    const deadline = new StreamDeadline({}, controller.signal, (r) => fired.push(r));
    const signal = deadline.signal;
    controller.abort();
    expect(fired).toEqual(["aborted"]);
    expect(signal.aborted).toBe(true);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("isNeeded: only with a caller signal or a usable limit", () => {
    expect(StreamDeadline.isNeeded({}, undefined)).toBe(false);
    expect(
      StreamDeadline.isNeeded({ idleMs: Number.POSITIVE_INFINITY, totalMs: -1 }, undefined),
    ).toBe(false);
    expect(StreamDeadline.isNeeded({ firstChunkMs: 2 ** 31 }, undefined)).toBe(false);
    expect(StreamDeadline.isNeeded({ idleMs: 0 }, undefined)).toBe(true);
    expect(StreamDeadline.isNeeded({}, new AbortController().signal)).toBe(true);
  });

  it("removes the abort listener once a limit fires", () => {
    const controller = new AbortController();
    new StreamDeadline({ totalMs: 5 }, controller.signal);
    vi.advanceTimersByTime(5);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it.each([
    ["undefined", undefined],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["NaN", Number.NaN],
    ["negative", -1],
    ["beyond the timer range", 2 ** 31],
  ])("treats a %s limit as no limit", (_name, ms) => {
    const deadline = new StreamDeadline({ firstChunkMs: ms, idleMs: ms, totalMs: ms });
    deadline.started();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(100_000);
    expect(deadline.signal.aborted).toBe(false);
  });

  it("treats 0 as an immediate limit", () => {
    const deadline = new StreamDeadline({ firstChunkMs: 0 });
    vi.advanceTimersByTime(0);
    expect(deadline.reason).toBe("first-chunk");
  });
});

describe("StreamDeadline with real timers", () => {
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

  it("leaves no active timer after dispose()", () => {
    const before = timers();
    const deadline = new StreamDeadline({ firstChunkMs: 60_000, idleMs: 60_000, totalMs: 60_000 });
    expect(timers()).toBe(before + 2);
    deadline.started();
    deadline.activity();
    expect(timers()).toBe(before + 2);
    deadline.dispose();
    expect(timers()).toBe(before);
  });

  it("leaves no active timer after it fires", async () => {
    const before = timers();
    const deadline = new StreamDeadline({ firstChunkMs: 1, totalMs: 60_000 });
    await new Promise<void>((resolve) =>
      deadline.signal.addEventListener("abort", () => resolve(), { once: true }),
    );
    expect(deadline.reason).toBe("first-chunk");
    expect(timers()).toBe(before);
  });
});

describe("mergeTimeouts", () => {
  it("merges field by field, per-call values winning, undefined not overriding", () => {
    expect(
      mergeTimeouts({ firstChunkMs: 1, idleMs: 2, totalMs: 3 }, { idleMs: 20, totalMs: undefined }),
    ).toEqual({ firstChunkMs: 1, idleMs: 20, totalMs: 3 });
    expect(mergeTimeouts(undefined, { firstChunkMs: 5 })).toEqual({ firstChunkMs: 5 });
    expect(mergeTimeouts({ idleMs: 1 }, undefined)).toEqual({ idleMs: 1 });
    expect(mergeTimeouts(undefined, undefined)).toEqual({});
  });
});
