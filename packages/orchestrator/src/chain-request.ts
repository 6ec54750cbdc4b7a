import {
  AbortedError,
  type DoneChunk,
  type Message,
  type ProtocolError,
  type StreamChunk,
  type StreamOptions,
} from "@x/core";
import { Attempt, type Member } from "./attempt.js";
import { AttemptLog, servedDone } from "./attempt-log.js";
import { missingCapabilities, requiredCapabilities } from "./capabilities.js";
import type { ChainReport, FallbackChainOptions } from "./chain-options.js";
import { hasCommitWindow, holdUntilCommit } from "./commit-buffer.js";
import { CircuitOpenError } from "./errors.js";
import { type CapabilityName, emit, type OrchestratorEvent } from "./events.js";
import { defaultShouldFallback } from "./fallback-policy.js";
import { raceFirstChunk } from "./hedge.js";
import { attachPartial, continuationMessages, DEFAULT_CONTINUE_INSTRUCTION } from "./partial.js";
import type { RequestContext } from "./request-context.js";
import { chainAbortedError, translateError, truncatedError } from "./request-errors.js";
import { stageOf } from "./stage.js";
import { trialGate } from "./trial-gate.js";
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
 */
export class ChainRequest implements AsyncIterableIterator<StreamChunk> {
  readonly #setup: ChainSetup;
  readonly #options: FallbackChainOptions;
  readonly #original: Message[];
  readonly #streamOptions: StreamOptions | undefined;
  readonly #callerSignal: AbortSignal | undefined;
  readonly #startedAt = Date.now();
  readonly #needs: readonly CapabilityName[];
  /** Failures and skips; created by the first one (a request served first time has none). */
  #log: AttemptLog | undefined;
  readonly #shown = new VisibleOutput();
  readonly #live = new Set<Attempt>();
  #phase: "idle" | "running" | "finished" = "idle";
  #messages: Message[];
  #deadline: number | undefined;
  #budgetTimer: ReturnType<typeof setTimeout> | undefined;
  #budgetExpired = false;
  #cursor = 0;
  #attempts = 0;
  /** The committed attempt whose chunks are being yielded. */
  #current: Attempt | undefined;
  /** Set when `#current` can be forwarded on the fast path. */
  #forward: AsyncIterator<StreamChunk> | undefined;
  #held: StreamChunk[] | undefined;
  #heldIndex = 0;
  #reset: StreamChunk | undefined;
  #busy = false;
  /** The last `next()` handed out, for queueing calls made without waiting (set only then). */
  #tail: Promise<unknown> | undefined;
  #recovered: ChainReport["recovered"] = "none";

  constructor(setup: ChainSetup, messages: Message[], options: StreamOptions | undefined) {
    this.#setup = setup;
    this.#options = setup.options;
    this.#original = messages;
    this.#messages = messages;
    this.#streamOptions = options;
    this.#callerSignal = options?.signal;
    this.#needs = requiredCapabilities(messages, options);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<StreamChunk>> {
    if (this.#busy) {
      // Calls made without waiting are served in order, as an async generator would.
      const queued = (this.#tail ?? Promise.resolve()).then(
        () => this.next(),
        () => this.next(),
      );
      this.#tail = queued;
      return queued;
    }
    this.#busy = true;
    const forward = this.#forward;
    const result =
      forward !== undefined ? forward.next().then(this.#onResult, this.#onError) : this.#slow();
    this.#tail = result;
    return result;
  }

  async return(): Promise<IteratorResult<StreamChunk>> {
    this.#phase = "finished";
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
    if (result.done) return this.#failAfterCommit(this.#truncated(current));
    const chunk = result.value;
    switch (chunk.type) {
      case "content":
        this.#shown.content.add(chunk.content);
        break;
      case "done":
        return this.#complete(chunk);
      default:
        this.#shown.track(chunk);
    }
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
        const pending = attempt.nextRaw();
        let result: IteratorResult<StreamChunk>;
        try {
          result = await pending;
        } catch (error) {
          attempt.consumed();
          this.drop(attempt);
          this.failedBeforeCommit(attempt, error); // falls back (or throws)
          continue;
        }
        attempt.consumed();
        if (result.done) {
          this.drop(attempt);
          this.failedBeforeCommit(attempt, this.truncated(attempt));
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
        ? await holdUntilCommit(winner, first, commit, (a) => truncatedError(a.member.ref))
        : { held: [first] };
      if (window.held === undefined) {
        this.drop(winner);
        this.failedBeforeCommit(winner, window.error); // fell back invisibly (or throws)
        continue;
      }
      if (this.#pendingReason !== undefined) {
        this.#reset = {
          type: "reset",
          reason: this.#pendingReason,
          provider: winner.member.ref.provider,
        };
        this.#pendingReason = undefined;
        this.#shown.clear();
      }
      this.#current = winner;
      this.#held = window.held;
      this.#heldIndex = 0;
      this.#shown.shown = true;
    }
  }

  #pendingReason: string | undefined;

  #begin(): void {
    this.#phase = "running";
    if (this.#callerSignal?.aborted) throw this.#abortedError();
    const totalMs = this.#options.timeouts?.totalMs;
    if (totalMs !== undefined && Number.isFinite(totalMs)) {
      this.#deadline = this.#startedAt + totalMs;
      this.#budgetTimer = setTimeout(() => {
        this.#budgetExpired = true;
        for (const attempt of this.#live) attempt.controller.abort("budget");
      }, totalMs);
    }
  }

  // ---- RaceHost -------------------------------------------------------------------------

  /** Starts the next eligible member, or returns undefined when none is left. */
  start(primary?: Attempt): Attempt | undefined {
    const members = this.#setup.members;
    while (this.#cursor < members.length) {
      if (this.#callerSignal?.aborted || this.#budgetExpired) return undefined;
      const member = members[this.#cursor++]!;
      const missing =
        this.#needs.length === 0
          ? undefined
          : missingCapabilities(member.original.capabilities, this.#needs);
      if (missing !== undefined && missing.length > 0) {
        this.#record().skip(member.ref, `missing ${missing.join(", ")}`);
        this.#emit({
          type: "skip",
          adapter: member.ref,
          reason: "capability",
          missing,
          elapsedMs: this.#elapsed(),
        });
        continue;
      }
      let permit: ReturnType<NonNullable<Member["breaker"]>["acquire"]> | undefined;
      try {
        permit = member.breaker?.acquire();
      } catch (error) {
        // Never wait on an open breaker: note it and move on at once.
        this.#record().fail(member.ref, error, "connect", 0);
        this.#emit({
          type: "skip",
          adapter: member.ref,
          reason: "circuit-open",
          elapsedMs: this.#elapsed(),
        });
        continue;
      }
      const adapter =
        permit === "trial" && member.trialCheckMs !== undefined
          ? trialGate(member.original, member.adapter, member.trialCheckMs)
          : member.adapter;
      const number = ++this.#attempts;
      const attempt = new Attempt(
        member,
        number,
        adapter,
        permit,
        this.#messages,
        this.#streamOptions,
        this.#callerSignal,
        this.#contextFor(member),
      );
      this.#live.add(attempt);
      if (this.#options.onEvent === undefined) return attempt; // no listener: build no events
      if (primary) {
        this.#emit({
          type: "hedge",
          adapter: member.ref,
          primary: primary.member.ref,
          elapsedMs: this.#elapsed(),
        });
      }
      this.#emit({
        type: "attempt",
        adapter: member.ref,
        attempt: number,
        hedged: primary !== undefined,
        elapsedMs: this.#elapsed(),
      });
      return attempt;
    }
    return undefined;
  }

  hasCandidate(): boolean {
    return this.#cursor < this.#setup.members.length;
  }

  drop(attempt: Attempt): void {
    this.#live.delete(attempt);
  }

  /** A failure before commit: record it, then fall back (return) or throw. */
  failedBeforeCommit(attempt: Attempt, rawError: unknown): void {
    const error = this.#translate(attempt, rawError);
    attempt.failed(error);
    void attempt.close();
    if (AbortedError.isInstance(error)) throw error;
    const ref = attempt.member.ref;
    const stage = stageOf(error, attempt.produced);
    this.#record().fail(ref, error, stage, attempt.durationMs);
    if (CircuitOpenError.isInstance(error)) {
      this.#emit({
        type: "skip",
        adapter: ref,
        reason: "circuit-open",
        elapsedMs: this.#elapsed(),
      });
      return;
    }
    this.#emit({
      type: "failure",
      adapter: ref,
      error,
      stage,
      durationMs: attempt.durationMs,
      elapsedMs: this.#elapsed(),
    });
    if (this.#budgetExpired) throw this.exhausted();
    const fallback = (this.#options.shouldFallback ?? defaultShouldFallback)(error, {
      adapter: ref,
      stage,
      committed: false,
      attempt: attempt.number,
    });
    if (!fallback) throw this.#shown.shown ? attachPartial(error, this.#shown.partial()) : error;
    this.#emit({
      type: "fallback",
      adapter: ref,
      error,
      stage,
      afterCommit: false,
      elapsedMs: this.#elapsed(),
    });
  }

  /**
   * The error for "no member could serve". For a one-member chain that failed once, that
   * attempt's error itself (so a one-member chain is transparent, as the conformance suite
   * checks); otherwise `AllAdaptersFailedError`.
   */
  exhausted(): unknown {
    if (this.#callerSignal?.aborted) return this.#abortedError();
    const log = this.#record();
    if (this.#setup.members.length === 1 && log.failures.length === 1) {
      const only = log.failures[0]!.error;
      return this.#shown.shown ? attachPartial(only, this.#shown.partial()) : only;
    }
    return log.exhausted(
      { provider: this.#setup.provider, model: this.#setup.model },
      this.#budgetExpired ? this.#options.timeouts?.totalMs : undefined,
      this.#shown.partialIfShown(),
    );
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
      void attempt.close();
      if (AbortedError.isInstance(error)) throw attachPartial(error, this.#shown.partial());
      const ref = attempt.member.ref;
      this.#record().fail(ref, error, "mid-stream", attempt.durationMs);
      this.#emit({
        type: "failure",
        adapter: ref,
        error,
        stage: "mid-stream",
        durationMs: attempt.durationMs,
        elapsedMs: this.#elapsed(),
      });
      let mode = this.#options.midStream ?? "error";
      // Tool calls already yielded may have been executed: never restart or re-request them.
      if (this.#shown.toolCalls.length > 0) mode = "error";
      if (mode === "continue" && this.#shown.content.isEmpty) mode = "restart";
      const fallback =
        mode !== "error" &&
        !this.#budgetExpired &&
        (this.#options.shouldFallback ?? defaultShouldFallback)(error, {
          adapter: ref,
          stage: "mid-stream",
          committed: true,
          attempt: attempt.number,
        });
      if (!fallback) throw attachPartial(error, this.#shown.partial());
      this.#emit({
        type: "fallback",
        adapter: ref,
        error,
        stage: "mid-stream",
        afterCommit: true,
        elapsedMs: this.#elapsed(),
      });
      if (mode === "restart") {
        this.#pendingReason = error instanceof Error ? error.message : String(error);
        this.#recovered = "restart";
        this.#messages = this.#original;
      } else {
        this.#recovered = "continue";
        this.#messages = continuationMessages(
          this.#original,
          this.#shown.content.toString(),
          this.#options.continueInstruction ?? DEFAULT_CONTINUE_INSTRUCTION,
        );
      }
      return await this.#advance();
    } catch (error) {
      await this.#shutdown();
      throw error;
    } finally {
      this.#busy = false;
    }
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
    const out = servedDone(done, this.#log, attempt.member.ref, this.#attempts, this.#recovered);
    if (this.#options.onEvent !== undefined) {
      this.#emit({
        type: "success",
        adapter: attempt.member.ref,
        durationMs: attempt.durationMs,
        elapsedMs: this.#elapsed(),
        attempts: this.#attempts,
        usage: out.usage,
      });
    }
    this.drop(attempt);
    await attempt.close();
    // Usually nothing is left to abort: skip the extra await then.
    if (this.#live.size > 0 || this.#budgetTimer !== undefined) await this.#shutdown();
    else this.#phase = "finished";
    this.#busy = false;
    return { done: false, value: out };
  }

  /** Clears the budget timer and aborts every attempt still open (sockets close). Idempotent. */
  async #shutdown(): Promise<void> {
    this.#phase = "finished";
    if (this.#budgetTimer !== undefined) clearTimeout(this.#budgetTimer);
    this.#budgetTimer = undefined;
    const live = [...this.#live];
    this.#live.clear();
    if (this.#current !== undefined && !live.includes(this.#current)) live.push(this.#current);
    this.#current = undefined;
    this.#forward = undefined;
    await Promise.all(live.map((a) => a.abandon()));
  }

  #contextFor(member: Member): RequestContext {
    return {
      deadline: this.#deadline,
      onEvent: (event) => {
        if (event.type !== "retry") return;
        this.#record().fail(member.ref, event.error, event.stage, event.durationMs);
        this.#emit({ ...event, adapter: member.ref });
      },
    };
  }

  /** The request's record of failures and skips, created on first use. */
  #record(): AttemptLog {
    this.#log ??= new AttemptLog();
    return this.#log;
  }

  #translate(attempt: Attempt, error: unknown): unknown {
    return translateError(error, attempt.member.ref, {
      chain: this.#setup,
      callerAborted: this.#callerSignal?.aborted === true,
      budgetMs: this.#budgetExpired ? (this.#options.timeouts?.totalMs ?? 0) : undefined,
      partial: this.#shown.partialIfShown(),
    });
  }

  #truncated(attempt: Attempt): ProtocolError {
    return truncatedError(attempt.member.ref);
  }

  #abortedError(): AbortedError {
    return chainAbortedError(this.#setup, this.#callerSignal?.reason, this.#shown.partialIfShown());
  }

  #elapsed(): number {
    return Date.now() - this.#startedAt;
  }

  #emit(event: OrchestratorEvent): void {
    emit(this.#options.onEvent, event);
  }
}
