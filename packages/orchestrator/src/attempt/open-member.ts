import {
  type AIAdapter,
  InvalidRequestError,
  type Message,
  ModelLoadingTimeoutError,
  type StreamChunk,
  type StreamOptions,
  type Timeouts,
} from "@x/core";
import type { AttemptStage } from "../errors.js";
import type { CircuitBreaker, CircuitPermit } from "../policies/circuit-breaker.js";
import { type RetryPolicy, retryDelay } from "../policies/retry-policy.js";
import { sleep } from "../util/sleep.js";
import { Attempt } from "./attempt.js";

/** What {@link openMember} needs. */
export interface OpenMemberInput {
  adapter: AIAdapter;
  /** What the member is sent. */
  messages: Message[];
  /**
   * Sent instead when the member rejects `messages` as invalid (`InvalidRequestError`): the
   * original conversation, when `messages` carries an assistant prefill it may not accept.
   */
  withoutPrefill?: Message[];
  options: StreamOptions | undefined;
  /** Each try's `firstChunkMs` and `idleMs`. */
  limits: Timeouts;
  /** Aborts the whole run: the current try and any wait between tries. */
  signal: AbortSignal | undefined;
  breaker: CircuitBreaker | undefined;
  /** The permit the breaker already granted the first try (later tries ask for their own). */
  permit?: CircuitPermit;
  retry: RetryPolicy | false;
  /** No wait between tries may end past this (epoch ms): the chain's `totalMs`. */
  deadline: number | undefined;
  /** Told about every failed try that another try follows (for the log and `retry` events). */
  onRetry?: (
    retry: FailedTry & { delayMs: number; retry: number; prefillRejected: boolean },
  ) => void;
}

/** A try that failed before its first chunk. */
export interface FailedTry {
  error: unknown;
  stage: AttemptStage;
  durationMs: number;
}

/** How {@link openMember} ended: a first chunk, or the failure that ended the member's run. */
export type Opened =
  | {
      ok: true;
      attempt: Attempt;
      first: StreamChunk;
      /** Whether the try that answered was sent the assistant prefill. */
      prefilled: boolean;
    }
  | (FailedTry & {
      ok: false;
      /** False when the breaker refused the member without a try. */
      tried: boolean;
    });

/**
 * Runs one member until it yields its first chunk: each try gets its own deadline and breaker
 * permit; a transient failure is tried again after the delay the retry policy gives (a silent
 * member never is); a member that rejects an assistant prefill is asked again without it. Never
 * rejects: a failure is returned, with the error as the member raised it (a fired limit as its
 * timeout error). The returned attempt is open; the caller closes it.
 */
export async function openMember(input: OpenMemberInput): Promise<Opened> {
  let messages = input.messages;
  let prefilled = input.withoutPrefill !== undefined;
  let permit = input.permit;
  for (let retry = 1; ; ) {
    if (permit === undefined && input.breaker !== undefined) {
      try {
        permit = input.breaker.acquire();
      } catch (error) {
        // The breaker opened while this member was waiting to try again: never wait on it.
        return { ok: false, error, stage: "connect", durationMs: 0, tried: false };
      }
    }
    const attempt = new Attempt({ ...input, messages, permit });
    permit = undefined;
    try {
      const first = await attempt.first();
      return { ok: true, attempt, first, prefilled };
    } catch (raw) {
      if (input.signal?.aborted) {
        // Stopped from outside (a cancel, the budget, a lost hedge): no verdict, whatever it threw.
        void attempt.close();
        return {
          ok: false,
          error: raw,
          stage: stageOf(raw),
          durationMs: attempt.durationMs,
          tried: true,
        };
      }
      const error = attempt.explain(raw);
      attempt.failed(error);
      void attempt.close(); // it threw: nothing is pending
      const failed = { error, stage: stageOf(error), durationMs: attempt.durationMs };
      if (prefilled && InvalidRequestError.isInstance(error) && input.withoutPrefill) {
        messages = input.withoutPrefill;
        prefilled = false;
        input.onRetry?.({ ...failed, delayMs: 0, retry: 0, prefillRejected: true });
        continue;
      }
      const delayMs =
        input.retry === false ? undefined : retryDelay(error, retry, input.retry, input.deadline);
      if (delayMs === undefined) return { ...failed, ok: false, tried: true };
      input.onRetry?.({ ...failed, delayMs, retry, prefillRejected: false });
      try {
        await sleep(delayMs, input.signal, input.adapter);
      } catch (aborted) {
        return { ok: false, error: aborted, stage: "connect", durationMs: 0, tried: true };
      }
      retry++;
    }
  }
}

/** Where a failure before the first chunk happened. */
function stageOf(error: unknown): AttemptStage {
  return ModelLoadingTimeoutError.isInstance(error) ? "first-chunk" : "connect";
}
