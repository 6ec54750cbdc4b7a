import { AbortedError, ServerError, UnavailableError } from "@x/core";
import { createMockAdapter, type MockStep } from "@x/core/testing";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CircuitOpenError, createFallbackChain, withCircuitBreaker } from "../src/index.js";
import { drain, recorder, USER, visibleText } from "./helpers.js";

const who = { provider: "a", model: "m" };
const answer: MockStep[] = [{ type: "content", content: "ok" }, { type: "done" }];
const refused: MockStep[] = [{ type: "error", error: new UnavailableError("refused", who) }];

afterEach(() => {
  vi.useRealTimers();
});

describe("withCircuitBreaker (consecutive mode)", () => {
  it("opens after the threshold of consecutive failures; truncated and stalled streams count", async () => {
    const truncated: MockStep[] = [{ type: "content", content: "x" }, { type: "truncate" }];
    const stalled: MockStep[] = [
      { type: "content", content: "x" },
      { type: "error", error: () => new ServerError("stall", { ...who, status: 504 }) },
    ];
    const a = createMockAdapter({ provider: "a", script: [refused, truncated, stalled, answer] });
    const rec = recorder();
    const guarded = withCircuitBreaker(a, {
      failureThreshold: 3,
      cooldownMs: 1000,
      onEvent: rec.onEvent,
    });
    for (let i = 0; i < 3; i++) await drain(guarded.stream(USER));
    expect(guarded.breaker.state).toBe("open");
    expect(rec.events[0]).toMatchObject({
      type: "breaker-open",
      failures: 3,
      cooldownMs: 1000,
      mode: "consecutive",
    });
    const { error } = await drain(guarded.stream(USER));
    expect(CircuitOpenError.isInstance(error)).toBe(true);
    expect(a.calls).toHaveLength(3); // the open breaker never reached the adapter
    await guarded.close?.();
  });

  it("a success resets the consecutive count", async () => {
    const a = createMockAdapter({ script: [refused, refused, answer, refused, refused] });
    const guarded = withCircuitBreaker(a, { failureThreshold: 3 });
    for (let i = 0; i < 5; i++) await drain(guarded.stream(USER));
    expect(guarded.breaker.state).toBe("closed");
    expect(guarded.breaker.failures).toBe(2);
  });

  it("cancels and aborts are not failures", async () => {
    const a = createMockAdapter({ script: [{ type: "content", content: "x" }, { type: "hang" }] });
    const guarded = withCircuitBreaker(a, { failureThreshold: 1 });
    for await (const _ of guarded.stream(USER)) break;
    const controller = new AbortController();
    const pending = drain(guarded.stream(USER, { signal: controller.signal }));
    await vi.waitFor(() => expect(a.openStreams).toBe(1));
    controller.abort();
    expect(AbortedError.isInstance((await pending).error)).toBe(true);
    expect(guarded.breaker.state).toBe("closed");
    expect(guarded.breaker.failures).toBe(0);
  });

  it('probe: "request": after the cooldown exactly one trial; others fail fast; its first chunk closes', async () => {
    vi.useFakeTimers();
    const a = createMockAdapter({
      script: (call) => (call === 0 ? refused : [{ type: "delay", ms: 10 }, ...answer]),
    });
    const rec = recorder();
    const guarded = withCircuitBreaker(a, {
      failureThreshold: 1,
      cooldownMs: 5000,
      probe: "request",
      onEvent: rec.onEvent,
    });
    await drain(guarded.stream(USER));
    expect(guarded.breaker.state).toBe("open");
    await vi.advanceTimersByTimeAsync(4999);
    expect(CircuitOpenError.isInstance((await drain(guarded.stream(USER))).error)).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    const trial = drain(guarded.stream(USER));
    await vi.advanceTimersByTimeAsync(0);
    expect(guarded.breaker.state).toBe("half-open");
    const concurrent = await drain(guarded.stream(USER)); // does not wait on the trial
    expect(CircuitOpenError.isInstance(concurrent.error)).toBe(true);
    await vi.advanceTimersByTimeAsync(10);
    expect(visibleText((await trial).chunks)).toBe("ok");
    expect(guarded.breaker.state).toBe("closed");
    expect(rec.types()).toEqual(["breaker-open", "breaker-half-open", "breaker-close"]);
  });

  it("a failed trial re-opens for a fresh cooldown counted from the failure", async () => {
    vi.useFakeTimers();
    const a = createMockAdapter({ script: refused });
    const guarded = withCircuitBreaker(a, {
      failureThreshold: 1,
      cooldownMs: 1000,
      probe: "request",
    });
    await drain(guarded.stream(USER));
    await vi.advanceTimersByTimeAsync(1500);
    await drain(guarded.stream(USER)); // the trial fails
    expect(guarded.breaker.state).toBe("open");
    await vi.advanceTimersByTimeAsync(999);
    expect(CircuitOpenError.isInstance((await drain(guarded.stream(USER))).error)).toBe(true);
    expect(a.calls).toHaveLength(2);
  });
});

describe("health-check probing (the default): no caller's request is the guinea pig", () => {
  it("while the member's health check fails, no request reaches it; once healthy, the next request does", async () => {
    vi.useFakeTimers();
    let healthy = false;
    const a = createMockAdapter({
      script: (call) => (call === 0 ? refused : answer),
      health: () => healthy,
    });
    const rec = recorder();
    const guarded = withCircuitBreaker(a, {
      failureThreshold: 1,
      cooldownMs: 100,
      onEvent: rec.onEvent,
    });
    await drain(guarded.stream(USER));
    expect(guarded.breaker.state).toBe("open");
    for (let i = 0; i < 5; i++) {
      await vi.advanceTimersByTimeAsync(150);
      expect(CircuitOpenError.isInstance((await drain(guarded.stream(USER))).error)).toBe(true);
    }
    expect(a.calls).toHaveLength(1); // refused requests never reached the member
    expect(rec.events.filter((e) => e.type === "breaker-probe").length).toBeGreaterThanOrEqual(4);
    healthy = true;
    await vi.advanceTimersByTimeAsync(150);
    expect(guarded.breaker.state).toBe("half-open");
    expect(visibleText((await drain(guarded.stream(USER))).chunks)).toBe("ok");
    expect(guarded.breaker.state).toBe("closed");
    await guarded.close?.();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("probing stops when nobody asks for the member, and close() stops it", async () => {
    vi.useFakeTimers();
    const a = createMockAdapter({ script: refused, health: false });
    const guarded = withCircuitBreaker(a, { failureThreshold: 1, cooldownMs: 1_000 });
    await drain(guarded.stream(USER));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(vi.getTimerCount()).toBe(0); // no demand for 30 s: no more probes
    await drain(guarded.stream(USER)); // refused: probing starts again
    expect(vi.getTimerCount()).toBe(1);
    await guarded.close?.();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("a health check that hangs counts as unhealthy after probeTimeoutMs", async () => {
    vi.useFakeTimers();
    const a = createMockAdapter({ script: refused, health: () => new Promise<boolean>(() => {}) });
    const rec = recorder();
    const guarded = withCircuitBreaker(a, {
      failureThreshold: 1,
      cooldownMs: 100,
      probeTimeoutMs: 200,
      onEvent: rec.onEvent,
    });
    await drain(guarded.stream(USER));
    await vi.advanceTimersByTimeAsync(500);
    expect(rec.events.find((e) => e.type === "breaker-probe")).toMatchObject({ healthy: false });
    expect(guarded.breaker.state).toBe("open");
    await guarded.close?.();
  });
});

describe("breakers in a chain", () => {
  it("an open member is skipped at once with a skip event; the request never waits", async () => {
    const a = createMockAdapter({ provider: "a", script: refused });
    const b = createMockAdapter({ provider: "b", script: answer });
    const rec = recorder();
    const chain = createFallbackChain([a, b], {
      retry: false,
      breaker: { failureThreshold: 2, cooldownMs: 60_000 },
      onEvent: rec.onEvent,
    });
    await drain(chain.stream(USER));
    await drain(chain.stream(USER));
    expect(chain.breakerStates().map((s) => s.state)).toEqual(["open", "closed"]);
    rec.events.length = 0;
    const { chunks } = await drain(chain.stream(USER));
    expect(visibleText(chunks)).toBe("ok");
    expect(a.calls).toHaveLength(2);
    expect(rec.events[0]).toMatchObject({
      type: "skip",
      reason: "circuit-open",
      adapter: { provider: "a" },
    });
    await chain.close?.();
  });

  it("breaker state is per chain instance, never global", async () => {
    const a = createMockAdapter({ provider: "a", script: refused });
    const b = createMockAdapter({ provider: "b", script: answer });
    const one = createFallbackChain([a, b], { retry: false, breaker: { failureThreshold: 1 } });
    const two = createFallbackChain([a, b], { retry: false, breaker: { failureThreshold: 1 } });
    await drain(one.stream(USER));
    expect(one.breakerStates()[0]!.state).toBe("open");
    expect(two.breakerStates()[0]!.state).toBe("closed");
    await one.close?.();
  });

  it("per-member override: breaker: false on one member", async () => {
    const a = createMockAdapter({ provider: "a", script: refused });
    const chain = createFallbackChain(
      [{ adapter: a, breaker: false, retry: false }, createMockAdapter({ script: answer })],
      { breaker: { failureThreshold: 1 } },
    );
    await drain(chain.stream(USER));
    await drain(chain.stream(USER));
    expect(a.calls).toHaveLength(2);
    expect(chain.breakerStates()[0]!.state).toBeUndefined();
  });

  it("many concurrent streams share breaker state and never interfere", async () => {
    let n = 0;
    const a = createMockAdapter({
      provider: "a",
      script: (call) =>
        call % 2 === 0
          ? [
              { type: "delay", ms: 1 },
              { type: "content", content: `a${call}` },
              { type: "error", error: new ServerError("x", { ...who, status: 500 }) },
            ]
          : [{ type: "delay", ms: 2 }, { type: "content", content: `a${call}` }, { type: "done" }],
    });
    const b = createMockAdapter({
      provider: "b",
      script: () => [{ type: "content", content: `b${n++}` }, { type: "done" }],
    });
    const chain = createFallbackChain([a, b], {
      commitAfter: {},
      breaker: { failureThreshold: 1000 },
    });
    const results = await Promise.all(Array.from({ length: 40 }, () => drain(chain.stream(USER))));
    for (const { chunks, error } of results) {
      expect(error).toBeUndefined();
      const done = chunks.at(-1)!;
      // Each stream ends with the answer of the provider its done names, never another's.
      expect(done.type === "done" && visibleText(chunks).startsWith(done.provider)).toBe(true);
    }
    expect(a.openStreams + b.openStreams).toBe(0);
    expect(chain.breakerStates()[0]!.state).toBe("closed");
  });
});
