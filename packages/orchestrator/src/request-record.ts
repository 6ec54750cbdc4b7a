import type { PartialOutput, Usage } from "@x/core";
import { AttemptLog } from "./attempt-log.js";
import type { AdapterRef, AttemptStage } from "./errors.js";
import { type CapabilityName, type EventListener, emit, type OrchestratorEvent } from "./events.js";
import { attachPartial } from "./partial.js";
import type { RequestContext } from "./request-context.js";

/**
 * What one request reports: failed and skipped members (an {@link AttemptLog}, created by the
 * first one, so a request served first time has none) and the chain's events, with the time
 * since the request started. Events are not even built when the chain has no listener.
 */
export class RequestRecord {
  /** When the request started (epoch ms); 0 when neither events nor a deadline need it. */
  readonly startedAt: number;
  readonly #onEvent: EventListener | undefined;
  #log: AttemptLog | undefined;

  /** `timed`: the request has a deadline computed from its start. */
  constructor(onEvent: EventListener | undefined, timed: boolean) {
    this.#onEvent = onEvent;
    this.startedAt = timed || onEvent !== undefined ? Date.now() : 0;
  }

  /** Whether events are listened to. */
  get listening(): boolean {
    return this.#onEvent !== undefined;
  }

  /** The log, if any failure or skip was recorded. */
  get log(): AttemptLog | undefined {
    return this.#log;
  }

  /** The log, created on first use. */
  logged(): AttemptLog {
    this.#log ??= new AttemptLog();
    return this.#log;
  }

  /**
   * The error for "no member could serve". For a one-member chain that failed once, that
   * attempt's error itself (so a one-member chain is transparent, as the conformance suite
   * checks); otherwise `AllAdaptersFailedError` (`budgetMs` set when the budget ran out).
   * `partial`: what the consumer was shown, if anything.
   */
  exhausted(
    chain: { provider: string; model: string; members: readonly unknown[] },
    budgetMs: number | undefined,
    partial: PartialOutput | undefined,
  ): unknown {
    const log = this.logged();
    if (chain.members.length === 1 && log.failures.length === 1) {
      const only = log.failures[0]!.error;
      return partial !== undefined ? attachPartial(only, partial) : only;
    }
    return log.exhausted({ provider: chain.provider, model: chain.model }, budgetMs, partial);
  }

  /** Milliseconds since the request started. */
  elapsed(): number {
    return Date.now() - this.startedAt;
  }

  /** Sends `event` to the listener (a throwing listener is ignored). */
  emit(event: OrchestratorEvent): void {
    emit(this.#onEvent, event);
  }

  /** A member skipped because it lacks capabilities the request needs. */
  skippedForCapability(ref: AdapterRef, missing: CapabilityName[]): void {
    this.logged().skip(ref, `missing ${missing.join(", ")}`);
    if (this.listening) {
      this.emit({
        type: "skip",
        adapter: ref,
        reason: "capability",
        missing,
        elapsedMs: this.elapsed(),
      });
    }
  }

  /**
   * A member skipped because its breaker is open (`error`: the `CircuitOpenError`, found when
   * acquiring a permit or, from a nested breaker, after `durationMs` at `stage`).
   */
  skippedForOpenCircuit(
    ref: AdapterRef,
    error: unknown,
    stage: AttemptStage = "connect",
    durationMs = 0,
  ): void {
    this.logged().fail(ref, error, stage, durationMs);
    if (this.listening) {
      this.emit({ type: "skip", adapter: ref, reason: "circuit-open", elapsedMs: this.elapsed() });
    }
  }

  /** An attempt started (as a hedge of `primary` if given). */
  started(ref: AdapterRef, attempt: number, primary: AdapterRef | undefined): void {
    if (!this.listening) return;
    const elapsedMs = this.elapsed();
    if (primary) this.emit({ type: "hedge", adapter: ref, primary, elapsedMs });
    this.emit({ type: "attempt", adapter: ref, attempt, hedged: primary !== undefined, elapsedMs });
  }

  /** An attempt failed: recorded, and a `failure` event. */
  failed(ref: AdapterRef, error: unknown, stage: AttemptStage, durationMs: number): void {
    this.logged().fail(ref, error, stage, durationMs);
    if (this.listening) {
      this.emit({
        type: "failure",
        adapter: ref,
        error,
        stage,
        durationMs,
        elapsedMs: this.elapsed(),
      });
    }
  }

  /** The request was served by `ref`. */
  succeeded(ref: AdapterRef, durationMs: number, attempts: number, usage: Usage | undefined): void {
    if (this.listening) {
      this.emit({
        type: "success",
        adapter: ref,
        durationMs,
        elapsedMs: this.elapsed(),
        attempts,
        usage,
      });
    }
  }

  /**
   * The context handed to `ref`'s policies for one attempt: their `retry` events are recorded
   * as failures of `ref` and re-emitted naming it; `deadline` is the request's budget, if any.
   */
  contextFor(ref: AdapterRef, deadline: number | undefined): RequestContext {
    return {
      deadline,
      onEvent: (event) => {
        if (event.type !== "retry") return;
        this.logged().fail(ref, event.error, event.stage, event.durationMs);
        this.emit({ ...event, adapter: ref });
      },
    };
  }

  /** The chain moves on from `ref` after `error`. */
  fellBack(ref: AdapterRef, error: unknown, stage: AttemptStage, afterCommit: boolean): void {
    if (this.listening) {
      this.emit({
        type: "fallback",
        adapter: ref,
        error,
        stage,
        afterCommit,
        elapsedMs: this.elapsed(),
      });
    }
  }
}
