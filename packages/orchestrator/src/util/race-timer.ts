import { isNoLimit } from "@x/core/http";

/** What {@link raceTimer} settles with when the time is up first. */
export const TIMED_OUT: unique symbol = Symbol("timed out");

/**
 * `promise`'s value, or {@link TIMED_OUT} after `ms`, whichever comes first. The timer is
 * cleared either way; `promise` keeps running (its outcome stays with whoever holds it). With no
 * limit (`isNoLimit(ms)`) it is `promise` alone. Rejects when `promise` rejects first.
 */
export async function raceTimer<T>(
  promise: Promise<T>,
  ms: number | undefined,
): Promise<T | typeof TIMED_OUT> {
  if (isNoLimit(ms)) return promise;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeUp = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(resolve, ms, TIMED_OUT);
  });
  try {
    return await Promise.race([promise, timeUp]);
  } finally {
    clearTimeout(timer);
  }
}
