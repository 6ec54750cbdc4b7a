import type { AIAdapter, Message, StreamChunk, StreamOptions } from "@x/core";
import { closeQuietly, linkSignal, noop } from "./abort.js";
import type { CircuitBreaker, CircuitPermit } from "./circuit-breaker.js";
import type { AdapterRef } from "./errors.js";
import { type RequestContext, withRequestContext } from "./request-context.js";

/** A settled `next()` of an attempt, tagged with the attempt (for racing several). */
export type AttemptStep =
  | { attempt: Attempt; result: IteratorResult<StreamChunk>; error?: undefined }
  | { attempt: Attempt; result?: undefined; error: unknown };

/** A wired chain member. */
export interface Member {
  /** The member wrapped in its stream policies (timeouts, retry). */
  adapter: AIAdapter;
  /** How events and errors name it. */
  ref: AdapterRef;
  /** The member as given (capabilities, health, models). */
  original: AIAdapter;
  /** Its breaker, shared by every request of this chain instance. */
  breaker: CircuitBreaker | undefined;
  /** Run `healthCheck()` (with this timeout) before a half-open trial. */
  trialCheckMs: number | undefined;
}

/**
 * One try of one member within a request: its iterator, the `next()` in flight while racing, and
 * its breaker verdict. With `ownSignal` it gets its own AbortController (linked to the caller's
 * signal) so the chain can abort it alone (a hedge loser, an expired budget); without, the member
 * is given the caller's signal itself (or none) and the chain ends it only through `return()`.
 */
export class Attempt {
  /** Set only when the attempt has its own signal (see the class comment). */
  readonly controller: AbortController | undefined;
  readonly startedAt = Date.now();
  readonly iterator: AsyncIterator<StreamChunk>;
  /** Whether it has produced a chunk. */
  produced = false;
  /** Whether a hedge timer was armed (or it is itself a hedge). */
  hedgeArmed = false;
  #pending: Promise<AttemptStep> | undefined;
  #pendingRaw: Promise<IteratorResult<StreamChunk>> | undefined;
  #permit: CircuitPermit | undefined;
  readonly #unlink: () => void;

  constructor(
    readonly member: Member,
    readonly number: number,
    adapter: AIAdapter,
    permit: CircuitPermit | undefined,
    messages: Message[],
    options: StreamOptions | undefined,
    ownSignal: boolean,
    context: RequestContext,
  ) {
    this.#permit = permit;
    const caller = options?.signal;
    let signal = caller;
    if (ownSignal) {
      const controller = new AbortController();
      this.controller = controller;
      this.#unlink = linkSignal(caller, controller);
      signal = controller.signal;
    } else {
      this.controller = undefined;
      this.#unlink = noop;
    }
    this.iterator = adapter
      .stream(messages, withRequestContext(options, signal, context))
      [Symbol.asyncIterator]();
  }

  /** The raw `next()` in flight, starting one if none. */
  nextRaw(): Promise<IteratorResult<StreamChunk>> {
    this.#pendingRaw ??= this.iterator.next();
    return this.#pendingRaw;
  }

  /** The in-flight `next()` as a tagged step that never rejects (for `Promise.race`). */
  step(): Promise<AttemptStep> {
    this.#pending ??= this.nextRaw().then(
      (result) => ({ attempt: this, result }),
      (error: unknown) => ({ attempt: this, error }),
    );
    return this.#pending;
  }

  /** Forget the settled `next()` (its outcome has been consumed). */
  consumed(): void {
    this.#pending = undefined;
    this.#pendingRaw = undefined;
  }

  /** Milliseconds since the attempt started. */
  get durationMs(): number {
    return Date.now() - this.startedAt;
  }

  /** Breaker verdict: served. */
  succeeded(): void {
    if (this.#permit !== undefined) this.member.breaker?.success(this.#permit);
    this.#permit = undefined;
  }

  /** Breaker verdict: failed with `error` (the breaker ignores aborts and caller errors). */
  failed(error: unknown): void {
    if (this.#permit !== undefined) this.member.breaker?.failure(this.#permit, error);
    this.#permit = undefined;
  }

  /**
   * Aborts the attempt if it has its own signal and ends its iterator (our adapters' `return()`
   * closes the socket at once, even with a `next()` pending). No verdict. Never rejects.
   * `nextPending`: a `next()` the attempt does not track (the chain's forwarded one) may be in
   * flight.
   */
  abandon(nextPending = false): Promise<void> {
    this.#release();
    this.#pendingRaw?.catch(noop);
    const controller = this.controller;
    if (controller !== undefined) {
      controller.abort("abandoned");
      return closeQuietly(this.iterator);
    }
    const closed = closeQuietly(this.iterator);
    // Without its own signal the attempt can only be ended through return(). A member that
    // ignores return() while a next() is pending (an async generator queues it until that next()
    // settles) may never settle: then do not wait for the close, so the caller never hangs.
    return nextPending || this.#pendingRaw !== undefined ? Promise.resolve() : closed;
  }

  /** Ends the iterator without aborting (it has finished or is suspended at a yield). */
  async close(): Promise<void> {
    this.#release();
    await closeQuietly(this.iterator);
  }

  #release(): void {
    if (this.#permit !== undefined) this.member.breaker?.release(this.#permit);
    this.#permit = undefined;
    this.#unlink();
  }
}
