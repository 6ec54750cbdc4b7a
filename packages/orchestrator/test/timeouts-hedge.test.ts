import {
  AbortedError,
  ModelLoadingTimeoutError,
  type StreamChunk,
  StreamTimeoutError,
  UnavailableError,
} from "@x/core";
import { createMockAdapter, type MockStep, textSteps } from "@x/core/testing";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createFallbackChain, withTimeouts } from "../src/index.js";
import { drain, recorder, USER, visibleText } from "./helpers.js";

const answer = (text: string): MockStep[] => [...textSteps(text), { type: "done" }];

afterEach(() => {
  vi.useRealTimers();
});

describe("withTimeouts", () => {
  it("firstChunkMs aborts the attempt (socket closed) and throws ModelLoadingTimeoutError", async () => {
    vi.useFakeTimers();
    const a = createMockAdapter({ script: [{ type: "hang" }] });
    const result = drain(withTimeouts(a, { firstChunkMs: 100 }).stream(USER));
    await vi.advanceTimersByTimeAsync(100);
    const { error } = await result;
    expect(ModelLoadingTimeoutError.isInstance(error)).toBe(true);
    expect(a.openStreams).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("idleMs counts the member's silence from each request for a chunk, not a shorter hold", async () => {
    vi.useFakeTimers();
    const a = createMockAdapter({
      script: [
        { type: "content", content: "a" },
        { type: "delay", ms: 50 },
        { type: "content", content: "b" },
        { type: "hang" },
      ],
    });
    const iterator = withTimeouts(a, { idleMs: 80 }).stream(USER)[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toEqual({ type: "content", content: "a" });
    await vi.advanceTimersByTimeAsync(60); // the consumer holds "a" for 60 ms
    const second = iterator.next();
    await vi.advanceTimersByTimeAsync(50); // 110 ms after "a", 50 ms after asking
    expect((await second).value).toEqual({ type: "content", content: "b" });
    const third = iterator.next().catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(80);
    const error = await third;
    expect(StreamTimeoutError.isInstance(error)).toBe(true);
    expect((error as StreamTimeoutError).phase).toBe("idle");
    expect(a.openStreams).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("a consumer that holds a chunk longer than idleMs does not end the stream", async () => {
    vi.useFakeTimers();
    const a = createMockAdapter({ script: [...textSteps("a b c"), { type: "done" }] });
    const iterator = withTimeouts(a, { idleMs: 80 }).stream(USER)[Symbol.asyncIterator]();
    const chunks: StreamChunk[] = [(await iterator.next()).value as StreamChunk];
    await vi.advanceTimersByTimeAsync(500); // the consumer holds the first chunk for 500 ms
    for (let result = await iterator.next(); !result.done; result = await iterator.next()) {
      chunks.push(result.value);
      await vi.advanceTimersByTimeAsync(200); // and every later chunk for 200 ms
    }
    expect(visibleText(chunks)).toBe("a b c");
    expect(chunks.at(-1)?.type).toBe("done");
    expect(a.openStreams).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("totalMs bounds the whole stream", async () => {
    vi.useFakeTimers();
    const a = createMockAdapter({
      script: [{ type: "content", content: "a" }, { type: "delay", ms: 10_000 }, { type: "done" }],
    });
    const result = drain(withTimeouts(a, { totalMs: 1000 }).stream(USER));
    await vi.advanceTimersByTimeAsync(1000);
    const { chunks, error } = await result;
    expect(visibleText(chunks)).toBe("a");
    expect(error).toMatchObject({ code: "stream_timeout", phase: "total" });
  });

  it("the caller's abort stays an AbortedError", async () => {
    const a = createMockAdapter({ script: [{ type: "hang" }] });
    const controller = new AbortController();
    const result = drain(
      withTimeouts(a, { firstChunkMs: 10_000 }).stream(USER, { signal: controller.signal }),
    );
    controller.abort();
    expect(AbortedError.isInstance((await result).error)).toBe(true);
  });

  it("leaves no timer after a normal end, even if the consumer stops at done", async () => {
    vi.useFakeTimers();
    const a = createMockAdapter({ script: answer("hi there") });
    const iterator = withTimeouts(a, { firstChunkMs: 100, idleMs: 100, totalMs: 1000 })
      .stream(USER)
      [Symbol.asyncIterator]();
    let r = await iterator.next();
    while (!r.done && r.value.type !== "done") r = await iterator.next();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("timeouts in a chain", () => {
  it("a first-chunk timeout FAILS OVER (per-member budgets), it does not just cancel", async () => {
    vi.useFakeTimers();
    const cold = createMockAdapter({
      provider: "local",
      script: [{ type: "delay", ms: 3000 }, ...answer("late")],
    });
    const hosted = createMockAdapter({ provider: "hosted", script: answer("fast answer") });
    const rec = recorder();
    const chain = createFallbackChain([{ adapter: cold, firstChunkMs: 2000 }, hosted], {
      timeouts: { firstChunkMs: 10 },
      onEvent: rec.onEvent,
    });
    const result = drain(chain.stream(USER));
    await vi.advanceTimersByTimeAsync(1999);
    expect(hosted.calls).toHaveLength(0); // the per-member 2000 ms beats the chain-wide 10 ms
    await vi.advanceTimersByTimeAsync(1);
    const { chunks } = await result;
    expect(visibleText(chunks)).toBe("fast answer");
    expect(rec.events.find((e) => e.type === "failure")).toMatchObject({ stage: "first-chunk" });
    expect(cold.openStreams).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("an idle timeout after commit follows midStream (restart)", async () => {
    vi.useFakeTimers();
    const stalls = createMockAdapter({
      provider: "a",
      script: [{ type: "content", content: "part" }, { type: "hang" }],
    });
    const b = createMockAdapter({ provider: "b", script: answer("whole") });
    const chain = createFallbackChain([stalls, b], {
      timeouts: { idleMs: 100 },
      commitAfter: {}, // commit at the first chunk, so the stall comes after it
    });
    const result = drain(chain.stream(USER));
    await vi.advanceTimersByTimeAsync(100);
    const { chunks } = await result;
    expect(chunks.map((c) => c.type)).toEqual(["content", "reset", "content", "done"]);
    expect(visibleText(chunks)).toBe("whole");
  });

  it.each([
    ["through the commit window", { chars: 3 }],
    ["after commit", {}],
  ])("a consumer that holds each chunk longer than the chain's idleMs (%s) gets the first member's whole answer", async (_name, commitAfter) => {
    vi.useFakeTimers();
    const a = createMockAdapter({ provider: "a", script: answer("a b c d") });
    const b = createMockAdapter({ provider: "b", script: answer("fallback") });
    const chain = createFallbackChain([a, b], { timeouts: { idleMs: 80 }, commitAfter });
    const iterator = chain.stream(USER)[Symbol.asyncIterator]();
    const chunks: StreamChunk[] = [];
    for (let result = await iterator.next(); !result.done; result = await iterator.next()) {
      chunks.push(result.value);
      await vi.advanceTimersByTimeAsync(300); // the consumer holds every chunk for 300 ms
    }
    expect(chunks.map((c) => c.type)).not.toContain("reset");
    expect(visibleText(chunks)).toBe("a b c d");
    expect(chunks.at(-1)).toMatchObject({ type: "done", provider: "a" });
    expect(vi.getTimerCount()).toBe(0);
  });

  it("a consumer that holds the chunks a commit window's time bound released is not taken for a stalled member (the chunk on its way arrived meanwhile)", async () => {
    vi.useFakeTimers();
    const a = createMockAdapter({
      provider: "a",
      script: [
        { type: "content", content: "first " },
        { type: "delay", ms: 100 }, // still on its way when the 30 ms window commits
        { type: "content", content: "second" },
        { type: "done" },
      ],
    });
    const b = createMockAdapter({ provider: "b", script: answer("fallback") });
    const chain = createFallbackChain([a, b], {
      timeouts: { idleMs: 300 },
      commitAfter: { ms: 30 },
    });
    const iterator = chain.stream(USER)[Symbol.asyncIterator]();
    const chunks: StreamChunk[] = [];
    for (;;) {
      const next = iterator.next();
      await vi.advanceTimersByTimeAsync(700); // the consumer takes 700 ms over every chunk
      const result = await next;
      if (result.done) break;
      chunks.push(result.value);
    }
    expect(chunks.map((c) => c.type)).not.toContain("reset");
    expect(visibleText(chunks)).toBe("first second");
    expect(chunks.at(-1)).toMatchObject({ type: "done", provider: "a" });
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("hedging", () => {
  it("starts the next member after hedgeAfterMs; the first to yield wins; the loser is aborted, not a failure", async () => {
    vi.useFakeTimers();
    const slow = createMockAdapter({
      provider: "slow",
      script: [{ type: "delay", ms: 5000 }, ...answer("slow")],
    });
    const fast = createMockAdapter({
      provider: "fast",
      script: [{ type: "delay", ms: 100 }, ...answer("fast")],
    });
    const rec = recorder();
    const chain = createFallbackChain([slow, fast], {
      hedgeAfterMs: 300,
      onEvent: rec.onEvent,
      breaker: { failureThreshold: 1 },
    });
    const result = drain(chain.stream(USER));
    await vi.advanceTimersByTimeAsync(299);
    expect(fast.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(fast.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(100);
    const { chunks } = await result;
    expect(visibleText(chunks)).toBe("fast");
    expect(chunks.at(-1)).toMatchObject({ provider: "fast" });
    expect(slow.calls[0]!.outcome).toBe("aborted");
    expect(slow.openStreams).toBe(0);
    expect(rec.types()).toEqual(["attempt", "hedge", "attempt", "success"]);
    expect(chain.breakerStates()[0]!.state).toBe("closed"); // loser not counted
    expect(vi.getTimerCount()).toBe(0);
  });

  it("the primary still wins if it yields first; the hedge is aborted", async () => {
    vi.useFakeTimers();
    const primary = createMockAdapter({
      provider: "p",
      script: [{ type: "delay", ms: 400 }, ...answer("primary")],
    });
    const hedge = createMockAdapter({
      provider: "h",
      script: [{ type: "delay", ms: 1000 }, ...answer("hedge")],
    });
    const result = drain(createFallbackChain([primary, hedge], { hedgeAfterMs: 300 }).stream(USER));
    await vi.advanceTimersByTimeAsync(400);
    const { chunks } = await result;
    expect(visibleText(chunks)).toBe("primary");
    expect(hedge.calls[0]!.outcome).toBe("aborted");
    expect(hedge.openStreams).toBe(0);
  });

  it("no hedge when the primary answers in time", async () => {
    const primary = createMockAdapter({ provider: "p", script: answer("primary") });
    const hedge = createMockAdapter({ provider: "h", script: answer("hedge") });
    await drain(createFallbackChain([primary, hedge], { hedgeAfterMs: 10_000 }).stream(USER));
    expect(hedge.calls).toHaveLength(0);
  });

  it("if the hedged primary fails, the hedge carries on", async () => {
    vi.useFakeTimers();
    const primary = createMockAdapter({
      provider: "p",
      script: [
        { type: "delay", ms: 500 },
        { type: "error", error: new UnavailableError("x", { provider: "p" }) },
      ],
    });
    const hedge = createMockAdapter({
      provider: "h",
      script: [{ type: "delay", ms: 800 }, ...answer("hedge")],
    });
    const result = drain(createFallbackChain([primary, hedge], { hedgeAfterMs: 300 }).stream(USER));
    await vi.advanceTimersByTimeAsync(1100);
    expect(visibleText((await result).chunks)).toBe("hedge");
    expect(hedge.calls).toHaveLength(1);
  });

  it("consumer break closes the winner; a pending hedge is aborted", async () => {
    vi.useFakeTimers();
    const primary = createMockAdapter({ provider: "p", script: [{ type: "hang" }] });
    const hedge = createMockAdapter({
      provider: "h",
      script: [{ type: "content", content: "x" }, { type: "hang" }],
    });
    const iterator = createFallbackChain([primary, hedge], { hedgeAfterMs: 50 })
      .stream(USER)
      [Symbol.asyncIterator]();
    const first = iterator.next();
    await vi.advanceTimersByTimeAsync(50);
    expect((await first).value).toEqual({ type: "content", content: "x" });
    await iterator.return?.();
    expect(primary.openStreams + hedge.openStreams).toBe(0);
  });
});
