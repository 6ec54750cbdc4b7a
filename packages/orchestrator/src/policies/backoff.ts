/** Backoff settings of a {@link RetryPolicy}. */
export interface BackoffOptions {
  /** First backoff ceiling. Default 250 ms. */
  baseDelayMs?: number;
  /** Largest backoff ceiling. Default 8000 ms. */
  maxDelayMs?: number;
  /** Source of randomness in [0, 1) for the jitter. Default `Math.random` (inject for tests). */
  random?: () => number;
}

/**
 * "Full jitter" exponential backoff (AWS architecture blog, "Exponential Backoff And Jitter"):
 * a uniform delay in [0, min(maxDelayMs, baseDelayMs * 2^(retry - 1))). `retry` is 1-based.
 */
export function backoffDelay(retry: number, options: BackoffOptions): number {
  const random = options.random ?? Math.random;
  return Math.floor(random() * backoffCeiling(retry, options));
}

/** The jitter-free ceiling of {@link backoffDelay}: min(maxDelayMs, baseDelayMs * 2^(retry - 1)). */
export function backoffCeiling(retry: number, options: BackoffOptions): number {
  const base = options.baseDelayMs ?? 250;
  const max = options.maxDelayMs ?? 8000;
  return Math.min(max, base * 2 ** Math.max(0, retry - 1));
}

/** The server's requested wait (`RateLimitError.retryAfterMs` or any error with that field). */
export function retryAfterOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const value = (error as { retryAfterMs?: unknown }).retryAfterMs;
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}
