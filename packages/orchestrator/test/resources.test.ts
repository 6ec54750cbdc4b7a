import {
  AbortedError,
  type AIAdapter,
  type Message,
  ServerError,
  type StreamChunk,
  type StreamOptions,
  UnavailableError,
} from "@x/core";
import { createMockAdapter, type MockStep, textSteps } from "@x/core/testing";
import { describe, expect, it, vi } from "vitest";
import { createFallbackChain } from "../src/index.js";
import { drain, recorder, USER, visibleText } from "./helpers.js";

const who = { provider: "a", model: "m" };
const answer = (text: string): MockStep[] => [...textSteps(text), { type: "done" }];

/**
 * An adapter that yields "x" and then waits; like @x/openai's iterator, return() ends it at once
 * and a pending next() then rejects with AbortedError. Records the signal each stream got.
 */
function closableAdapter(): AIAdapter & { open: number; signals: (AbortSignal | undefined)[] } {
  const base = createMockAdapter({ script: answer("unused") });
  const state = { open: 0, signals: [] as (AbortSignal | undefined)[] };
  return Object.assign(state, {
    provider: base.provider,
    model: base.model,
    capabilities: base.capabilities,
    healthCheck: () => Promise.resolve(true),
    listModels: () => Promise.resolve([base.model]),
    stream(_messages: Message[], options?: StreamOptions): AsyncIterable<StreamChunk> {
      state.signals.push(options?.signal);
      let sent = false;
      let closed = false;
      let cancel: ((error: unknown) => void) | undefined;
      const iterator: AsyncIterableIterator<StreamChunk> = {
        [Symbol.asyncIterator]: () => iterator,
        next() {
          if (closed) return Promise.resolve({ done: true, value: undefined });
          if (!sent) {
            sent = true;
            state.open++;
            return Promise.resolve({ done: false, value: { type: "content", content: "x" } });
          }
          return new Promise((_resolve, reject) => {
            cancel = reject;
          });
        },
        return() {
          if (!closed) {
            closed = true;
            if (sent) state.open--;
            cancel?.(new AbortedError("closed", { provider: base.provider }));
          }
          return Promise.resolve({ done: true, value: undefined });
        },
      };
      return iterator;
    },
  });
}

function timeouts(): number {
  return process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
}

describe("resources and concurrency", () => {
  it("leaves no timer behind after success, failure, hedge and consumer break (real timers)", async () => {
    const before = timeouts();
    const options = {
      timeouts: { firstChunkMs: 5_000, idleMs: 5_000, totalMs: 10_000 },
      commitAfter: { chars: 3, ms: 1_000 },
      hedgeAfterMs: 1_000,
    };
    const ok = createMockAdapter({ provider: "ok", script: answer("hello there world") });
    await drain(createFallbackChain([ok], options).stream(USER));
    const down = createMockAdapter({
      provider: "down",
      script: [{ type: "error", error: new UnavailableError("x", who) }],
    });
    await drain(createFallbackChain([down, down], options).stream(USER));
    const hang = createMockAdapter({ provider: "hang", script: [{ type: "hang" }] });
    await drain(
      createFallbackChain([{ adapter: hang, firstChunkMs: 10 }, ok], options).stream(USER),
    );
    for await (const _ of createFallbackChain([ok], options).stream(USER)) break;
    const stall = createMockAdapter({
      provider: "stall",
      script: [{ type: "content", content: "abcdef" }, { type: "hang" }],
    });
    for await (const _ of createFallbackChain([stall], options).stream(USER)) break;
    expect(timeouts()).toBeLessThanOrEqual(before);
    expect(ok.openStreams + down.openStreams + hang.openStreams + stall.openStreams).toBe(0);
  });

  it("next() calls made without waiting are served in order", async () => {
    const a = createMockAdapter({ script: answer("one two three") });
    const iterator = createFallbackChain([a]).stream(USER)[Symbol.asyncIterator]();
    const results = await Promise.all([
      iterator.next(),
      iterator.next(),
      iterator.next(),
      iterator.next(),
      iterator.next(),
    ]);
    expect(
      results.map((r) =>
        r.done ? "END" : r.value.type === "content" ? r.value.content : r.value.type,
      ),
    ).toEqual(["one ", "two ", "three", "done", "END"]);
  });

  it("concurrent failing streams open the shared breaker exactly once", async () => {
    const a = createMockAdapter({
      provider: "a",
      script: [
        { type: "delay", ms: 1 },
        { type: "error", error: () => new ServerError("x", { ...who, status: 500 }) },
      ],
    });
    const b = createMockAdapter({ provider: "b", script: answer("fine") });
    const rec = recorder();
    const chain = createFallbackChain([a, b], {
      breaker: { failureThreshold: 10 },
      onEvent: rec.onEvent,
    });
    const results = await Promise.all(Array.from({ length: 30 }, () => drain(chain.stream(USER))));
    for (const r of results) expect(visibleText(r.chunks)).toBe("fine");
    expect(rec.events.filter((e) => e.type === "breaker-open")).toHaveLength(1);
    expect(chain.breakerStates()[0]!.state).toBe("open");
  });

  it("half-open trial in a chain can be gated by healthCheck", async () => {
    vi.useFakeTimers();
    try {
      let healthy = false;
      const a = createMockAdapter({
        provider: "a",
        script: (call) =>
          call === 0 ? [{ type: "error", error: new UnavailableError("x", who) }] : answer("back"),
        health: () => healthy,
      });
      const b = createMockAdapter({ provider: "b", script: answer("fallback") });
      const rec = recorder();
      const chain = createFallbackChain([a, b], {
        breaker: {
          failureThreshold: 1,
          cooldownMs: 100,
          healthCheckBeforeTrial: { timeoutMs: 50 },
        },
        onEvent: rec.onEvent,
      });
      await drain(chain.stream(USER));
      await vi.advanceTimersByTimeAsync(100);
      expect(visibleText((await drain(chain.stream(USER))).chunks)).toBe("fallback");
      expect(a.calls).toHaveLength(1); // the failed health check spared the real request
      expect(chain.breakerStates()[0]!.state).toBe("open");
      healthy = true;
      await vi.advanceTimersByTimeAsync(100);
      expect(visibleText((await drain(chain.stream(USER))).chunks)).toBe("back");
      expect(chain.breakerStates()[0]!.state).toBe("closed");
      expect(rec.types().filter((t) => t.startsWith("breaker-"))).toEqual([
        "breaker-open",
        "breaker-half-open",
        "breaker-open",
        "breaker-half-open",
        "breaker-close",
      ]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("return() while a next() is pending resolves that next() as the end", async () => {
    // Without a caller signal, hedging or totalMs the chain gives the member no signal and ends
    // it through return(), which (like @x/openai and @x/ollama) ends a pending next() at once.
    const a = closableAdapter();
    const iterator = createFallbackChain([a]).stream(USER)[Symbol.asyncIterator]();
    await iterator.next();
    const pending = iterator.next();
    await iterator.return?.();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(a.open).toBe(0);
    expect(a.signals).toEqual([undefined]);
  });

  it("return() while a next() is pending aborts it when the chain owns the signal (hedging)", async () => {
    const a = createMockAdapter({ script: [{ type: "content", content: "x" }, { type: "hang" }] });
    const iterator = createFallbackChain([a], { hedgeAfterMs: 10_000 })
      .stream(USER)
      [Symbol.asyncIterator]();
    await iterator.next();
    const pending = iterator.next();
    await iterator.return?.();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(a.openStreams).toBe(0);
  });

  it("truncated and stalled streams after commit count toward the chain's breaker", async () => {
    vi.useFakeTimers();
    try {
      const a = createMockAdapter({
        provider: "a",
        script: [
          [{ type: "content", content: "x" }, { type: "truncate" }],
          [{ type: "content", content: "y" }, { type: "hang" }],
        ],
      });
      const b = createMockAdapter({ provider: "b", script: answer("ok") });
      const rec = recorder();
      const chain = createFallbackChain([a, b], {
        midStream: "restart",
        timeouts: { idleMs: 50 },
        breaker: { failureThreshold: 2 },
        onEvent: rec.onEvent,
      });
      await drain(chain.stream(USER));
      const second = drain(chain.stream(USER));
      await vi.advanceTimersByTimeAsync(50);
      expect(visibleText((await second).chunks)).toBe("ok");
      expect(chain.breakerStates()[0]!.state).toBe("open");
      expect(rec.events.find((e) => e.type === "breaker-open")).toMatchObject({ failures: 2 });
    } finally {
      vi.useRealTimers();
    }
  });
});
