import { AbortedError, ContextLengthError, InvalidRequestError } from "@x/core";
import type { FallbackContext } from "./chain-options.js";

/**
 * The default fallback decision: fall back on every failure that means "this adapter cannot
 * serve now" (unavailable, timeouts, 5xx, 429, model not found, authentication, protocol and
 * provider errors, open breakers, anything unknown); not on `InvalidRequestError` or
 * `ContextLengthError` (the request itself is at fault; replace this function to route those to
 * a larger-context member); never on `AbortedError`.
 */
export function defaultShouldFallback(error: unknown, _context?: FallbackContext): boolean {
  if (AbortedError.isInstance(error)) return false;
  if (InvalidRequestError.isInstance(error) || ContextLengthError.isInstance(error)) return false;
  return true;
}
