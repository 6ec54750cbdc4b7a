import { AbortedError, type PartialOutput, ProtocolError, StreamTimeoutError } from "@x/core";
import type { AdapterRef } from "./errors.js";

/** A member's stream ended without a `done` chunk: a truncation, never a success. */
export function truncatedError(ref: AdapterRef): ProtocolError {
  return new ProtocolError(`${ref.provider}: stream ended without a done chunk`, {
    provider: ref.provider,
    model: ref.model,
    reason: "truncated",
  });
}

/** The chain's own `AbortedError` (the caller cancelled). */
export function chainAbortedError(
  chain: { provider: string; model: string },
  cause: unknown,
  partial: PartialOutput | undefined,
): AbortedError {
  return new AbortedError(`${chain.provider}: request aborted`, {
    provider: chain.provider,
    model: chain.model,
    cause,
    partial,
  });
}

/** What an attempt's error means once the chain's own aborts are accounted for. */
export interface TranslateContext {
  /** The chain's provider name. */
  chain: { provider: string; model: string };
  /** The caller's signal fired. */
  callerAborted: boolean;
  /** The chain's `totalMs` budget ran out (its value), or undefined. */
  budgetMs: number | undefined;
  /** The visible output, for the chain's own `AbortedError`. */
  partial: PartialOutput | undefined;
}

/**
 * Turns aborts caused by the chain into what they mean: the caller's cancel stays (or becomes) an
 * `AbortedError`; an abort because the chain's budget ran out becomes `StreamTimeoutError`
 * (`total`) naming the member that was running.
 */
export function translateError(
  error: unknown,
  ref: AdapterRef,
  context: TranslateContext,
): unknown {
  if (context.callerAborted) {
    return AbortedError.isInstance(error)
      ? error
      : chainAbortedError(context.chain, error, context.partial);
  }
  if (context.budgetMs !== undefined && AbortedError.isInstance(error)) {
    return new StreamTimeoutError(
      `${context.chain.provider}: chain exceeded ${context.budgetMs} ms (totalMs)`,
      {
        provider: ref.provider,
        model: ref.model,
        timeoutMs: context.budgetMs,
        phase: "total",
        cause: error,
      },
    );
  }
  return error;
}
