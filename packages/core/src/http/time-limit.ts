import type { Timeouts } from "../types/stream-options.js";

/** The longest delay `setTimeout` honours (2³¹−1 ms, about 24.8 days). */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * The one definition of "no limit", used by every adapter and by the orchestrator:
 * `undefined`, `Infinity`, or any number above {@link MAX_TIMER_MS}. (Node fires a longer
 * `setTimeout` after 1 ms, so such a value must never reach a timer.)
 */
export function isNoLimit(ms: number | undefined): boolean {
  return ms === undefined || ms > MAX_TIMER_MS;
}

/**
 * Why `ms` is not a usable limit, or `undefined` when it is one (or means "no limit").
 * A limit is a positive number of milliseconds. `0`, negative numbers, `NaN` and non-numbers
 * are invalid: `0` would read as "expire at once" to some callers and "no limit" to others
 * (undici), so it is refused rather than guessed.
 */
export function timeLimitProblem(ms: unknown): string | undefined {
  if (ms === undefined) return undefined;
  if (typeof ms !== "number" || Number.isNaN(ms)) return "must be a number of milliseconds";
  if (ms <= 0) return "must be greater than 0 (leave it out, or use Infinity, for no limit)";
  return undefined;
}

/** The first invalid field of `timeouts` as `"idleMs must be ..."`, or `undefined`. */
export function timeoutsProblem(timeouts: unknown): string | undefined {
  if (timeouts === undefined) return undefined;
  if (typeof timeouts !== "object" || timeouts === null) return "timeouts must be an object";
  for (const key of ["firstChunkMs", "idleMs", "totalMs"] as const) {
    const problem = timeLimitProblem((timeouts as Timeouts)[key]);
    if (problem !== undefined) return `timeouts.${key} ${problem}`;
  }
  return undefined;
}

/** Merges default and per-call timeouts, field by field (a per-call field that is set wins). */
export function mergeTimeouts(
  defaults: Timeouts | undefined,
  call: Timeouts | undefined,
): Timeouts {
  const out: Timeouts = { ...defaults };
  if (call?.firstChunkMs !== undefined) out.firstChunkMs = call.firstChunkMs;
  if (call?.idleMs !== undefined) out.idleMs = call.idleMs;
  if (call?.totalMs !== undefined) out.totalMs = call.totalMs;
  return out;
}
