import { AbortedError, AdapterError, ContextLengthError, InvalidRequestError } from "@x/core";
import type { FallbackContext } from "../chain/chain-options.js";
import { CircuitOpenError } from "../errors.js";

/**
 * Whether `error` was caused by the caller's input rather than by the member: an
 * `InvalidRequestError` (validation, or the server's 400) or a `TypeError` a member throws. Such
 * an error never counts against a member, never opens a breaker and, by default, never falls
 * back: the caller gets it at once.
 */
export function isCallerError(error: unknown): boolean {
  return (
    InvalidRequestError.isInstance(error) ||
    (error instanceof TypeError && !AdapterError.isInstance(error))
  );
}

/**
 * The default fallback decision: fall back on every failure that means "this member cannot
 * serve now" (unavailable, timeouts, 5xx, 429, model not found, authentication, protocol and
 * provider errors, open breakers, anything unknown) and on `ContextLengthError` (the next member
 * may have a larger context); not on the caller's own errors ({@link isCallerError}: a content
 * filter's 400 included); never on `AbortedError`.
 */
export function defaultShouldFallback(error: unknown, _context?: FallbackContext): boolean {
  return !AbortedError.isInstance(error) && !isCallerError(error);
}

/**
 * The default `isFailure` of a breaker: everything counts except a cancel (`AbortedError`, which
 * hedge losers get too), the caller's own errors ({@link isCallerError}), `ContextLengthError`
 * (the request is too long for this member, the member is fine) and `CircuitOpenError`.
 * Truncated and stalled streams count.
 */
export function defaultIsFailure(error: unknown): boolean {
  return !(
    AbortedError.isInstance(error) ||
    isCallerError(error) ||
    ContextLengthError.isInstance(error) ||
    CircuitOpenError.isInstance(error)
  );
}
