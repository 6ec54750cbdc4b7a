import type { DoneChunk, PartialOutput, Usage } from "@x/core";
import {
  type AdapterRef,
  AllAdaptersFailedError,
  type AttemptFailure,
  type AttemptStage,
} from "../errors.js";
import {
  type CapabilityName,
  type EventListener,
  emit,
  type OrchestratorEvent,
} from "../events.js";
import { addUsage, usageOf } from "../usage.js";
import type { ChainReport } from "./chain-options.js";

/** The `done` chunk a chain yields: the serving member's, with summed usage and a report. */
export type ChainDoneChunk = DoneChunk & { orchestrator: ChainReport };

/**
 * What one request did: every failed try, every skipped member, the usage abandoned attempts
 * reported, and the chain's events (with the time since the request started). Events are not
 * even built when nobody listens.
 */
export class RequestLog {
  /** When the request started (epoch ms). */
  readonly startedAt = Date.now();
  /** Every failed try, in order. */
  readonly failures: AttemptFailure[] = [];
  /** Members skipped without a try, with the reason. */
  readonly skipped: { adapter: AdapterRef; reason: string }[] = [];
  /** Usage reported by abandoned attempts, summed. */
  abandonedUsage: Usage | undefined;
  /** Attempts started (retries excluded). */
  attempts = 0;
  readonly #onEvent: EventListener | undefined;

  constructor(onEvent: EventListener | undefined) {
    this.#onEvent = onEvent;
  }

  /** Milliseconds since the request started. */
  elapsed(): number {
    return Date.now() - this.startedAt;
  }

  /** An attempt on `ref` starts (as a hedge of `primary`, if given). */
  started(ref: AdapterRef, primary: AdapterRef | undefined): number {
    const attempt = ++this.attempts;
    const elapsedMs = this.elapsed();
    if (primary) this.#emit({ type: "hedge", adapter: ref, primary, elapsedMs });
    this.#emit({
      type: "attempt",
      adapter: ref,
      attempt,
      hedged: primary !== undefined,
      elapsedMs,
    });
    return attempt;
  }

  /** A try of `ref` failed and another try of it follows after `delayMs`. */
  retried(
    ref: AdapterRef,
    error: unknown,
    stage: AttemptStage,
    durationMs: number,
    retry: number,
    delayMs: number,
    prefillRejected: boolean,
  ): void {
    this.#record(ref, error, stage, durationMs);
    this.#emit({
      type: "retry",
      adapter: ref,
      error,
      stage,
      retry,
      delayMs,
      durationMs,
      ...(prefillRejected ? { reason: "prefill-rejected" as const } : {}),
    });
  }

  /** An attempt on `ref` failed (the chain then moves on, throws, or gives up). */
  failed(ref: AdapterRef, error: unknown, stage: AttemptStage, durationMs: number): void {
    this.#record(ref, error, stage, durationMs);
    this.#emit({
      type: "failure",
      adapter: ref,
      error,
      stage,
      durationMs,
      elapsedMs: this.elapsed(),
    });
  }

  /** `ref` was not tried: it lacks capabilities the request needs. */
  skippedForCapability(ref: AdapterRef, missing: CapabilityName[]): void {
    this.skipped.push({ adapter: ref, reason: `missing ${missing.join(", ")}` });
    this.#emit({
      type: "skip",
      adapter: ref,
      reason: "capability",
      missing,
      elapsedMs: this.elapsed(),
    });
  }

  /** `ref` was not tried: its breaker is open. */
  skippedForOpenCircuit(ref: AdapterRef): void {
    this.skipped.push({ adapter: ref, reason: "circuit open" });
    this.#emit({ type: "skip", adapter: ref, reason: "circuit-open", elapsedMs: this.elapsed() });
  }

  /** The chain moves on from `ref` after `error` (`recovery`: how, after output was shown). */
  fellBack(
    ref: AdapterRef,
    error: unknown,
    stage: AttemptStage,
    recovery: "restart" | "continue" | undefined,
  ): void {
    this.#emit({
      type: "fallback",
      adapter: ref,
      error,
      stage,
      afterCommit: recovery !== undefined,
      elapsedMs: this.elapsed(),
      ...(recovery !== undefined ? { recovery } : {}),
    });
  }

  /** The caller cancelled; `ref` was running (if any). */
  aborted(ref: AdapterRef | undefined, partial: PartialOutput, usage: Usage | undefined): void {
    this.#emit({ type: "abort", adapter: ref, partial, usage, elapsedMs: this.elapsed() });
  }

  /**
   * The served `done`: the member's own (its provider and model name who answered), usage summed
   * over every attempt, and the chain's report under `orchestrator`. Emits `success`.
   */
  served(
    done: DoneChunk,
    ref: AdapterRef,
    durationMs: number,
    recovered: ChainReport["recovered"],
  ): ChainDoneChunk {
    const report: ChainReport = {
      servedBy: ref,
      attempts: this.attempts,
      failures: this.failures,
      servedUsage: done.usage,
      abandonedUsage: this.abandonedUsage,
      recovered,
    };
    // Object.assign, not a spread: V8 copies an adapter-built chunk through the spread's slow
    // path; both copy the same own enumerable properties.
    const out = Object.assign({}, done, { orchestrator: report }) as ChainDoneChunk;
    if (done.usage !== undefined || this.abandonedUsage !== undefined) {
      out.usage = addUsage(done.usage, this.abandonedUsage);
    }
    if (this.#onEvent !== undefined) {
      this.#emit({
        type: "success",
        adapter: ref,
        durationMs,
        elapsedMs: this.elapsed(),
        attempts: this.attempts,
        usage: out.usage,
      });
    }
    return out;
  }

  /** `AllAdaptersFailedError` for this request (`budgetMs` set when the budget ran out). */
  exhausted(
    chain: { provider: string; model: string },
    budgetMs: number | undefined,
    partial: PartialOutput | undefined,
  ): AllAdaptersFailedError {
    const tried = this.failures.length;
    const reason =
      budgetMs !== undefined
        ? `budget of ${budgetMs} ms exhausted`
        : tried === 0
          ? "no member can serve this request"
          : `${tried} attempt(s) failed`;
    return new AllAdaptersFailedError(`${chain.provider}: all adapters failed (${reason})`, {
      provider: chain.provider,
      model: chain.model,
      attempts: this.failures,
      skipped: this.skipped,
      partial,
      usage: this.abandonedUsage,
    });
  }

  #record(ref: AdapterRef, error: unknown, stage: AttemptStage, durationMs: number): void {
    this.failures.push({ adapter: ref, error, stage, durationMs });
    this.abandonedUsage = addUsage(this.abandonedUsage, usageOf(error));
  }

  #emit(event: OrchestratorEvent): void {
    emit(this.#onEvent, event);
  }
}
