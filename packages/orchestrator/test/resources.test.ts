import { ServerError, UnavailableError } from "@x/core";
import { createMockAdapter, type MockStep, textSteps } from "@x/core/testing";
import { describe, expect, it, vi } from "vitest";
import { createFallbackChain } from "../src/index.js";
import { drain, recorder, USER, visibleText } from "./helpers.js";

const who = { provider: "a", model: "m" };
const answer = (text: string): MockStep[] => [...textSteps(text), { type: "done" }];

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
      retry: false,
      breaker: { failureThreshold: 10 },
      onEvent: rec.onEvent,
    });
    const results = await Promise.all(Array.from({ length: 30 }, () => drain(chain.stream(USER))));
    for (const r of results) expect(visibleText(r.chunks)).toBe("fine");
    expect(rec.events.filter((e) => e.type === "breaker-open")).toHaveLength(1);
    expect(chain.breakerStates()[0]!.state).toBe("open");
  });

  it("an open member is probed with healthCheck; a failed probe spares the real request", async () => {
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
        retry: false,
        breaker: { failureThreshold: 1, cooldownMs: 100, probeTimeoutMs: 50 },
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
        "breaker-probe",
        "breaker-probe",
        "breaker-half-open",
        "breaker-close",
      ]);
      await chain.close?.();
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
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
        commitAfter: {},
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
