import {
  AbortedError,
  type DoneChunk,
  getTakeBuffered,
  type Message,
  type ProtocolError,
  type StreamChunk,
  type StreamOptions,
} from "@x/core";
import { recoverAfterCommit } from "./after-commit.js";
import type { Attempt, Member } from "./attempt.js";
import { servedDone } from "./attempt-log.js";
import type { ChainReport, FallbackChainOptions } from "./chain-options.js";
import { hasCommitWindow, holdUntilCommit } from "./commit-buffer.js";
import { CircuitOpenError } from "./errors.js";
import { defaultShouldFallback } from "./fallback-policy.js";
import { raceFirstChunk } from "./hedge.js";
import { MemberQueue } from "./member-queue.js";
import { attachPartial } from "./partial.js";
import { RequestBudget } from "./request-budget.js";
import { chainAbortedError, translateError, truncatedError } from "./request-errors.js";
import { RequestRecord } from "./request-record.js";
import { stageOf } from "./stage.js";
import { VisibleOutput } from "./visible-output.js";

/** A chain's identity and wired members, shared by all its requests. */
export interface ChainSetup {
  provider: string;
  model: string;
  members: readonly Member[];
  options: FallbackChainOptions;
}

export type { ChainDoneChunk } from "./attempt-log.js";

const END: IteratorResult<StreamChunk> = { done: true, value: undefined };

/**
 * One request through a chain, as a hand-written async iterator. Once an attempt is committed,
 * `next()` forwards the member's own `next()` with one `.then` and returns the member's result
 * object unchanged (no per-chunk generator hop, timer or allocation beyond the text tracking the
 * partial output needs); everything else (racing, hedging, the commit window, fallback) runs on
 * the slow path. Per-request state lives here; breakers live in the members.
 *
 * Signals: an attempt gets its own AbortController only when the chain may abort that attempt by
 * itself (hedging, where losers are aborted; a `totalMs` budget, which aborts live attempts).
 * Otherwise the member is given the caller's signal unchanged (or none), and the chain ends it
 * only through `return()`.
 */
export class ChainRequest implements AsyncIterableIterator<StreamChunk> {
  readonly #setup: ChainSetup;
  readonly #options: FallbackChainOptions;
  readonly #original: Message[];
  readonly #callerSignal: AbortSignal | undefined;
  readonly #totalMs: number | undefined;
  readonly #record: RequestRecord;
  readonly #queue: MemberQueue;
  readonly #shown = new VisibleOutput();
  readonly #live = new Set<Attempt>();
  #phase: "idle" | "running" | "finished" = "idle";
  /** `return()` (or `throw()`) was called. */
  #returned = false;
  #messages: Message[];
  /** The `totalMs` budget, armed by the first `next()`. */
  #budget: RequestBudget | undefined;
  /** The committed attempt whose chunks are being yielded. */
  #current: Attempt | undefined;
  /** Set when `#current` can be forwarded on the fast path. */
  #forward: AsyncIterator<StreamChunk> | undefined;
  /** `#forward`'s `takeBuffered` (see `@x/core`), when it has one. */
  #take: (() => StreamChunk | undefined) | undefined;
  #held: StreamChunk[] | undefined;
  #heldIndex = 0;
  #reset: StreamChunk | undefined;
  /** The reason of the `reset` the next committed attempt is preceded by. */
  #pendingReason: string | undefined;
  #busy = false;
  /** The last `next()` handed out, for queueing calls made without waiting (set only then). */
  #tail: Promise<unknown> | undefined;
  #recovered: ChainReport["recovered"] = "none";

  constructor(setup: ChainSetup, messages: Message[], options: StreamOptions | undefined) {
    this.#setup = setup;
    const chainOptions = setup.options;
    this.#options = chainOptions;
    this.#original = messages;
    this.#messages = messages;
    this.#callerSignal = options?.signal;
    const totalMs = chainOptions.timeouts?.totalMs;
    this.#totalMs = totalMs !== undefined && Number.isFinite(totalMs) ? totalMs : undefined;
    this.#record = new RequestRecord(chainOptions.onEvent, this.#totalMs !== undefined);
    // Own signals only when the chain may abort one attempt by itself (see the class comment).
    const own = chainOptions.hedgeAfterMs !== undefined || this.#totalMs !== undefined;
    this.#queue = new MemberQueue(setup.members, this.#record, messages, options, own);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<StreamChunk>> {
    if (this.#busy) {
      // After return() the pending next() may never settle (a member that ignores return()
      // without a signal of ours): do not queue behind it.
      if (this.#returned) return Promise.resolve(END);
      // Calls made without waiting are served in order, as an async generator would.
      const queued = (this.#tail ?? Promise.resolve()).then(
        () => this.next(),
        () => this.next(),
      );
      this.#tail = queued;
      return queued;
    }
    const forward = this.#forward;
    if (forward !== undefined) {
      // A chunk the member has already decoded: no promise of the member's and no `.then`.
      const chunk = this.#take?.call(forward);
      if (chunk !== undefined && chunk.type !== "done") {
        this.#shown.track(chunk);
        return Promise.resolve({ done: false, value: chunk });
      }
      this.#busy = true;
      const result =
        chunk !== undefined
          ? this.#complete(chunk)
          : forward.next().then(this.#onResult, this.#onError);
      this.#tail = result;
      return result;
    }
    this.#busy = true;
    const result = this.#slow();
    this.#tail = result;
    return result;
  }

  async return(): Promise<IteratorResult<StreamChunk>> {
    this.#phase = "finished";
    this.#returned = true;
    this.#forward = undefined;
    await this.#shutdown();
    return END;
  }

  async throw(error?: unknown): Promise<IteratorResult<StreamChunk>> {
    await this.return();
    throw error;
  }

  /** Fast path: a committed attempt's chunk. Returns the member's own result object. */
  readonly #onResult = (
    result: IteratorResult<StreamChunk>,
  ): IteratorResult<StreamChunk> | Promise<IteratorResult<StreamChunk>> => {
    const current = this.#current;
    if (current === undefined) return this.#ended(); // return() was called meanwhile
    if (result.done) return this.#failAfterCommit(this.truncated(current));
    const chunk = result.value;
    if (chunk.type === "done") return this.#complete(chunk);
    this.#shown.track(chunk);
    this.#busy = false;
    return result;
  };

  readonly #onError = (error: unknown): Promise<IteratorResult<StreamChunk>> =>
    this.#failAfterCommit(error);

  async #slow(): Promise<IteratorResult<StreamChunk>> {
    try {
      return await this.#advance();
    } catch (error) {
      await this.#shutdown();
      throw error;
    } finally {
      this.#busy = false;
    }
  }

  async #advance(): Promise<IteratorResult<StreamChunk>> {
    if (this.#phase === "finished") return END;
    if (this.#phase === "idle") this.#begin();
    for (;;) {
      if (this.#reset !== undefined) {
        const reset = this.#reset;
        this.#reset = undefined;
        return { done: false, value: reset };
      }
      const attempt = this.#current;
      if (attempt !== undefined && this.#held !== undefined) {
        if (this.#heldIndex < this.#held.length) {
          const chunk = this.#held[this.#heldIndex++]!;
          if (chunk.type === "done") return this.#complete(chunk);
          this.#shown.track(chunk);
          return { done: false, value: chunk };
        }
        // Everything held has been yielded: from now on forward (a `next()` may be in flight).
        this.#held = undefined;
        this.#forward = attempt.iterator;
        this.#take = getTakeBuffered(attempt.iterator);
        return attempt.nextRaw().then((result) => {
          attempt.consumed();
          return this.#onResult(result);
        }, this.#onError);
      }
      const hedgeAfterMs = this.#options.hedgeAfterMs;
      let winner: Attempt;
      let first: StreamChunk;
      if (hedgeAfterMs === undefined) {
        // raceFirstChunk without hedging, inline: one attempt at a time, awaiting the member's
        // own `next()` (no tagged step, racer list, timer or extra async frame per request).
        const attempt = this.start();
        if (attempt === undefined) throw this.exhausted();
        let result: IteratorResult<StreamChunk> | undefined;
        let failure: unknown;
        try {
          result = await attempt.nextRaw();
        } catch (error) {
          failure = error;
        }
        attempt.consumed();
        if (this.#returned) return this.#closedMeanwhile(attempt);
        if (result === undefined || result.done) {
          this.drop(attempt);
          // Falls back (or throws).
          this.failedBeforeCommit(
            attempt,
            result === undefined ? failure : this.truncated(attempt),
          );
          continue;
        }
        attempt.produced = true;
        winner = attempt;
        first = result.value;
      } else {
        ({ attempt: winner, first } = await raceFirstChunk(this, hedgeAfterMs));
      }
      const commit = this.#options.commitAfter;
      const window = hasCommitWindow(first, commit)
        ? await holdUntilCommit(winner, first, commit, (a) => this.truncated(a))
        : { held: [first] };
      if (this.#returned) return this.#closedMeanwhile(winner);
      if (window.held === undefined) {
        this.drop(winner);
        this.failedBeforeCommit(winner, window.error); // fell back invisibly (or throws)
        continue;
      }
      if (this.#pendingReason !== undefined) {
        const provider = winner.member.ref.provider;
        this.#reset = { type: "reset", reason: this.#pendingReason, provider };
        this.#pendingReason = undefined;
        this.#shown.clear();
      }
      this.#current = winner;
      this.#held = window.held;
      this.#heldIndex = 0;
      this.#shown.shown = true;
    }
  }

  #begin(): void {
    this.#phase = "running";
    if (this.#callerSignal?.aborted) throw this.#abortedError();
    const totalMs = this.#totalMs;
    if (totalMs !== undefined) {
      this.#budget = new RequestBudget(totalMs, this.#record.startedAt, this.#live);
    }
  }

  // ---- RaceHost -------------------------------------------------------------------------

  /** Starts the next eligible member, or returns undefined when none is left. */
  start(primary?: Attempt): Attempt | undefined {
    const attempt = this.#queue.start(this, this.#messages, this.#budget?.deadline, primary);
    if (attempt !== undefined) this.#live.add(attempt);
    return attempt;
  }

  /** Whether the request may start nothing more (cancelled, out of budget, or closed). */
  stopped(): boolean {
    return this.#callerSignal?.aborted === true || this.#budgetExpired() || this.#returned;
  }

  hasCandidate(): boolean {
    return this.#queue.hasNext();
  }

  drop(attempt: Attempt): void {
    this.#live.delete(attempt);
  }

  /** A failure before commit: record it, then fall back (return) or throw. */
  failedBeforeCommit(attempt: Attempt, rawError: unknown): void {
    const error = this.#translate(attempt, rawError);
    attempt.failed(error);
    // Not awaited: its `next()` has settled, but nothing here should wait on a member.
    void attempt.close();
    if (AbortedError.isInstance(error)) throw error;
    const ref = attempt.member.ref;
    const stage = stageOf(error, attempt.produced);
    if (CircuitOpenError.isInstance(error)) {
      this.#record.skippedForOpenCircuit(ref, error, stage, attempt.durationMs);
      return;
    }
    this.#record.failed(ref, error, stage, attempt.durationMs);
    if (this.#budgetExpired()) throw this.exhausted();
    const fallback = (this.#options.shouldFallback ?? defaultShouldFallback)(error, {
      adapter: ref,
      stage,
      committed: false,
      attempt: attempt.number,
    });
    if (!fallback) throw this.#shown.shown ? attachPartial(error, this.#shown.partial()) : error;
    this.#record.fellBack(ref, error, stage, false);
  }

  /** The error for "no member could serve" (see {@link RequestRecord.exhausted}). */
  exhausted(): unknown {
    if (this.#callerSignal?.aborted) return this.#abortedError();
    const budgetMs = this.#budgetExpired() ? this.#totalMs : undefined;
    return this.#record.exhausted(this.#setup, budgetMs, this.#shown.partialIfShown());
  }

  truncated(attempt: Attempt): ProtocolError {
    return truncatedError(attempt.member.ref);
  }

  // ---- after commit ---------------------------------------------------------------------

  /** A failure after commit: restart, continue, or throw (with the visible partial). */
  async #failAfterCommit(rawError: unknown): Promise<IteratorResult<StreamChunk>> {
    const attempt = this.#current;
    if (attempt === undefined) return this.#ended(); // return() was called meanwhile
    try {
      this.#forward = undefined;
      this.#current = undefined;
      this.drop(attempt);
      const error = this.#translate(attempt, rawError);
      attempt.failed(error);
      void attempt.close(); // its `next()` has settled (see failedBeforeCommit)
      if (AbortedError.isInstance(error)) throw attachPartial(error, this.#shown.partial());
      const ref = attempt.member.ref;
      this.#record.failed(ref, error, "mid-stream", attempt.durationMs);
      const recovery = this.#budgetExpired()
        ? undefined
        : recoverAfterCommit(
            error,
            ref,
            attempt.number,
            this.#shown,
            this.#original,
            this.#options,
          );
      if (recovery === undefined) throw attachPartial(error, this.#shown.partial());
      this.#record.fellBack(ref, error, "mid-stream", true);
      if (recovery.mode === "restart") this.#pendingReason = recovery.reason;
      this.#recovered = recovery.mode;
      this.#messages = recovery.messages;
      return await this.#advance();
    } catch (error) {
      await this.#shutdown();
      throw error;
    } finally {
      this.#busy = false;
    }
  }

  /** return() came while `attempt` was starting: its outcome is dropped, nothing more is yielded. */
  #closedMeanwhile(attempt: Attempt): IteratorResult<StreamChunk> {
    this.drop(attempt);
    void attempt.abandon();
    return END;
  }

  #ended(): IteratorResult<StreamChunk> {
    this.#busy = false;
    return END;
  }

  /** The served `done`: release everything first (a consumer may never call next() again). */
  async #complete(done: DoneChunk): Promise<IteratorResult<StreamChunk>> {
    const attempt = this.#current!;
    this.#forward = undefined;
    this.#current = undefined;
    this.#phase = "finished";
    attempt.succeeded();
    const log = this.#record.log;
    const out = servedDone(done, log, attempt.member.ref, this.#queue.started, this.#recovered);
    this.#record.succeeded(attempt.member.ref, attempt.durationMs, this.#queue.started, out.usage);
    this.drop(attempt);
    // Safe to await: it just yielded `done`, so no `next()` of it is pending.
    await attempt.close();
    // Usually nothing is left to abort: skip the extra await then.
    if (this.#live.size > 0 || this.#budget?.armed) await this.#shutdown();
    this.#busy = false;
    return { done: false, value: out };
  }

  /** Clears the budget timer and abandons every attempt still open (sockets close). Idempotent. */
  async #shutdown(): Promise<void> {
    this.#phase = "finished";
    this.#budget?.clear();
    const live = [...this.#live];
    this.#live.clear();
    if (this.#current !== undefined && !live.includes(this.#current)) live.push(this.#current);
    this.#current = undefined;
    this.#forward = undefined;
    // While a `next()` of ours is in flight, an attempt without its own signal may have a
    // `next()` pending that the member never settles: abandon() then does not wait for its close
    // (with its own signal the attempt is aborted and waited for, as before).
    const nextPending = this.#busy;
    await Promise.all(live.map((a) => a.abandon(nextPending)));
  }

  #translate(attempt: Attempt, error: unknown): unknown {
    return translateError(error, attempt.member.ref, {
      chain: this.#setup,
      callerAborted: this.#callerSignal?.aborted === true,
      budgetMs: this.#budgetExpired() ? this.#totalMs : undefined,
      partial: this.#shown.partialIfShown(),
    });
  }

  #budgetExpired(): boolean {
    return this.#budget?.expired === true;
  }

  #abortedError(): AbortedError {
    return chainAbortedError(this.#setup, this.#callerSignal?.reason, this.#shown.partialIfShown());
  }
}
