import { describe, expect, it } from "vitest";
import {
  admit,
  type BreakerSettings,
  fail,
  firstChunk,
  initialState,
  probed,
  refuses,
  release,
  succeed,
  windowCounts,
} from "./breaker-state.js";

const consecutive: BreakerSettings = {
  rule: { mode: "consecutive", failureThreshold: 3 },
  cooldownMs: 1_000,
  trialTimeoutMs: 30_000,
};
const rate: BreakerSettings = {
  rule: { mode: "rate", failureRate: 0.5, minimumRequests: 4, windowMs: 10_000 },
  cooldownMs: 1_000,
  trialTimeoutMs: 30_000,
};

function permitAt(s: ReturnType<typeof initialState>, settings: BreakerSettings, now: number) {
  const granted = admit(s, settings, now, false);
  if (granted === undefined) throw new Error("refused");
  return granted.permit;
}

describe("consecutive rule", () => {
  it("opens at the threshold; a success resets the count", () => {
    const s = initialState();
    fail(s, consecutive, permitAt(s, consecutive, 0), 0);
    fail(s, consecutive, permitAt(s, consecutive, 0), 0);
    succeed(s, permitAt(s, consecutive, 0));
    fail(s, consecutive, permitAt(s, consecutive, 0), 0);
    fail(s, consecutive, permitAt(s, consecutive, 0), 0);
    expect(s.state).toBe("closed");
    expect(fail(s, consecutive, permitAt(s, consecutive, 0), 5)).toBe("opened");
    expect(s).toMatchObject({ state: "open", openUntil: 1_005 });
  });
});

describe("rate rule", () => {
  it("counts tries still running as not failed: fast failures cannot outrun slow successes", () => {
    const s = initialState();
    const permits = Array.from({ length: 10 }, () => permitAt(s, rate, 100));
    // 3 of 10 fail at once; the 7 others are still streaming.
    for (const p of permits.slice(0, 3)) expect(fail(s, rate, p, 103)).toBeUndefined();
    expect(s.state).toBe("closed");
    expect(windowCounts(s, rate, 103)).toEqual({ started: 10, failed: 3 });
  });

  it("opens at the rate once the minimum is reached, not before", () => {
    const s = initialState();
    expect(fail(s, rate, permitAt(s, rate, 0), 0)).toBeUndefined(); // 1 of 1: below the minimum
    expect(fail(s, rate, permitAt(s, rate, 0), 0)).toBeUndefined();
    succeed(s, permitAt(s, rate, 0));
    expect(fail(s, rate, permitAt(s, rate, 0), 0)).toBe("opened"); // 3 of 4
  });

  it("forgets tries older than the window; a released try is taken out of the count", () => {
    const s = initialState();
    for (let i = 0; i < 3; i++) fail(s, rate, permitAt(s, rate, 0), 0);
    expect(windowCounts(s, rate, 10_500)).toEqual({ started: 0, failed: 0 });
    const cancelled = permitAt(s, rate, 11_000);
    release(s, rate, cancelled);
    expect(windowCounts(s, rate, 11_000)).toEqual({ started: 0, failed: 0 });
    // A failure of a try that started before the window is not part of the rate.
    const old = permitAt(s, rate, 11_000);
    expect(fail(s, rate, old, 30_000)).toBeUndefined();
  });
});

describe("open, half-open, closed", () => {
  it("after the cooldown one trial at a time; its first chunk closes the breaker", () => {
    const s = initialState();
    for (let i = 0; i < 3; i++) fail(s, consecutive, permitAt(s, consecutive, 0), 0);
    expect(admit(s, consecutive, 999, false)).toBeUndefined();
    const trial = admit(s, consecutive, 1_000, false)!;
    expect(trial).toMatchObject({ permit: { kind: "trial" }, transition: "half-opened" });
    expect(refuses(s, consecutive, 1_001, false)).toBe(true);
    expect(firstChunk(s, trial.permit)).toBe("closed");
    expect(s.state).toBe("closed");
  });

  it("a failed trial re-opens for a fresh cooldown; a released one lets the next try be the trial", () => {
    const s = initialState();
    for (let i = 0; i < 3; i++) fail(s, consecutive, permitAt(s, consecutive, 0), 0);
    const trial = admit(s, consecutive, 2_000, false)!.permit;
    expect(fail(s, consecutive, trial, 2_500)).toBe("opened");
    expect(s.openUntil).toBe(3_500);
    const next = admit(s, consecutive, 3_500, false)!.permit;
    release(s, consecutive, next);
    expect(admit(s, consecutive, 3_501, false)?.permit.kind).toBe("trial");
  });

  it("a trial never settled stops blocking after trialTimeoutMs (no breaker stays half-open)", () => {
    const s = initialState();
    for (let i = 0; i < 3; i++) fail(s, consecutive, permitAt(s, consecutive, 0), 0);
    admit(s, consecutive, 1_000, false);
    expect(admit(s, consecutive, 30_999, false)).toBeUndefined();
    expect(admit(s, consecutive, 31_000, false)?.permit.kind).toBe("trial");
  });

  it("with probing, only a healthy probe lets a trial through", () => {
    const s = initialState();
    for (let i = 0; i < 3; i++) fail(s, consecutive, permitAt(s, consecutive, 0), 0);
    expect(admit(s, consecutive, 5_000, true)).toBeUndefined();
    expect(probed(s, consecutive, false, 5_000)).toBeUndefined();
    expect(s.openUntil).toBe(6_000);
    expect(probed(s, consecutive, true, 6_000)).toBe("half-opened");
    expect(admit(s, consecutive, 6_001, true)?.permit.kind).toBe("trial");
  });
});
