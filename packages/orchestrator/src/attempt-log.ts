import type { DoneChunk, PartialOutput, Usage } from "@x/core";
import type { ChainReport } from "./chain-options.js";
import {
  type AdapterRef,
  AllAdaptersFailedError,
  type AttemptFailure,
  type AttemptStage,
} from "./errors.js";
import { addUsage, usageOf } from "./usage.js";

/** The `done` chunk a chain yields: the served member's, with summed usage and a report. */
export type ChainDoneChunk = DoneChunk & { orchestrator: ChainReport };

/**
 * The served member's `done`, with usage summed over all attempts (`log`: the request's record,
 * if any failure or skip was recorded) and the chain's report. Built in one object literal; the
 * usage is copied only when there is some.
 */
export function servedDone(
  done: DoneChunk,
  log: AttemptLog | undefined,
  servedBy: AdapterRef,
  attempts: number,
  recovered: ChainReport["recovered"],
): ChainDoneChunk {
  const servedUsage = done.usage;
  const abandonedUsage = log?.abandonedUsage;
  const report: ChainReport = {
    servedBy,
    attempts,
    failures: log !== undefined ? log.failures : [],
    servedUsage,
    abandonedUsage,
    recovered,
  };
  // Object.assign, not `{ ...done, orchestrator }`: V8 copies an adapter-built chunk through the
  // spread's slow path (~2 µs per request); both copy the same own enumerable properties.
  const out = Object.assign({}, done) as ChainDoneChunk;
  out.orchestrator = report;
  if (servedUsage !== undefined || abandonedUsage !== undefined) {
    out.usage = addUsage(servedUsage, abandonedUsage);
  }
  return out;
}

/** The per-request record of failed and skipped members, and abandoned attempts' usage. */
export class AttemptLog {
  /** Every failed attempt (retries and open breakers included), in order. */
  readonly failures: AttemptFailure[] = [];
  /** Members skipped for a missing capability. */
  readonly skipped: { adapter: AdapterRef; reason: string }[] = [];
  /** Usage reported by abandoned attempts, summed. */
  abandonedUsage: Usage | undefined;

  /** Records a failed attempt (and any usage its error reports). */
  fail(adapter: AdapterRef, error: unknown, stage: AttemptStage, durationMs: number): void {
    this.failures.push({ adapter, error, stage, durationMs });
    this.abandonedUsage = addUsage(this.abandonedUsage, usageOf(error));
  }

  /** Records a member skipped without an attempt. */
  skip(adapter: AdapterRef, reason: string): void {
    this.skipped.push({ adapter, reason });
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
}
