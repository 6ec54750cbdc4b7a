import {
  AbortedError,
  AdapterError,
  ModelLoadingTimeoutError,
  StreamTimeoutError,
  UnavailableError,
} from "@x/core";
import { CircuitOpenError } from "../errors.js";
import type { EventListener } from "../events.js";
import { type BackoffOptions, backoffDelay, retryAfterOf } from "./backoff.js";
import { isCallerError } from "./fallback-policy.js";

/** How a member is tried again before the chain moves on (and what `withRetry` does). */
export interface RetryPolicy extends BackoffOptions {
  /** Tries after the first (`1`: at most two tries of a member per request). Default 1. */
  maxRetries?: number;
  /**
   * The longest `Retry-After` worth waiting for; a longer one (or one that would end past the
   * chain's `totalMs`) is not waited for: the chain moves on at once. Default 5 000 ms.
   */
  maxRetryAfterMs?: number;
  /**
   * Whether to try `error` again. Default {@link defaultShouldRetry}. Never consulted for a
   * cancel, for the caller's own errors, or once the try produced a chunk.
   */
  shouldRetry?: (error: unknown, context: { retry: number }) => boolean;
  /** Receives `retry` events when used on its own (inside a chain, the chain's `onEvent` does). */
  onEvent?: EventListener;
  /** Absolute deadline (epoch ms) no wait may cross. */
  deadline?: number;
}

/** The retry defaults, in one place (see the README's table). */
export const RETRY_DEFAULTS = {
  maxRetries: 1,
  baseDelayMs: 250,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 5_000,
} as const;

/**
 * The default {@link RetryPolicy.shouldRetry}: a transient failure before any output — a 429
 * that is not an exhausted quota, a 5xx, a 408/409, a connection reset before the response, an
 * error frame before the first chunk. Not a member that went silent (`ModelLoadingTimeoutError`,
 * `StreamTimeoutError`): asking it again would only wait again. Not a refused connection
 * (`ECONNREFUSED`): nothing listens there, a second try 250 ms later almost never finds a server,
 * and the next member answers at once; the breaker's health probe notices when it is back.
 */
export function defaultShouldRetry(error: unknown): boolean {
  if (!AdapterError.isInstance(error) || !error.retryable) return false;
  return !(
    CircuitOpenError.isInstance(error) ||
    ModelLoadingTimeoutError.isInstance(error) ||
    StreamTimeoutError.isInstance(error) ||
    isConnectionRefused(error)
  );
}

/** An `UnavailableError` whose cause (undici's, from our adapters) is `ECONNREFUSED`. */
function isConnectionRefused(error: AdapterError): boolean {
  if (!UnavailableError.isInstance(error)) return false;
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return code === "ECONNREFUSED";
}

/**
 * How long to wait before try number `retry + 1` after `error`, or undefined to stop: past
 * `maxRetries`, an error the policy does not retry (a cancel or the caller's own error never), a
 * `Retry-After` above `maxRetryAfterMs`, or a wait that would end past `deadline`. A
 * `Retry-After` is honoured exactly; otherwise full-jitter backoff.
 */
export function retryDelay(
  error: unknown,
  retry: number,
  policy: RetryPolicy,
  deadline: number | undefined,
): number | undefined {
  if (retry > (policy.maxRetries ?? RETRY_DEFAULTS.maxRetries)) return undefined;
  if (AbortedError.isInstance(error) || isCallerError(error)) return undefined;
  if (!(policy.shouldRetry ?? defaultShouldRetry)(error, { retry })) return undefined;
  const retryAfter = retryAfterOf(error);
  const maxWait = policy.maxRetryAfterMs ?? RETRY_DEFAULTS.maxRetryAfterMs;
  if (retryAfter !== undefined && retryAfter > maxWait) return undefined;
  const delayMs = retryAfter ?? backoffDelay(retry, policy);
  const end = Math.min(policy.deadline ?? Infinity, deadline ?? Infinity);
  if (Date.now() + delayMs >= end) return undefined;
  return delayMs;
}
