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
 * One try of one member within a request: its own AbortController (linked to the caller's
 * signal), its iterator, the `next()` in flight while racing, and its breaker verdict.
 */
export class Attempt {
  readonly controller = new AbortController();
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
    caller: AbortSignal | undefined,
    context: RequestContext,
  ) {
    this.#permit = permit;
    this.#unlink = linkSignal(caller, this.controller);
    this.iterator = adapter
      .stream(messages, withRequestContext(options, this.controller.signal, context))
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

  /** Aborts the attempt (its socket closes) and ends its iterator. No verdict. Never rejects. */
  async abandon(): Promise<void> {
    this.#release();
    this.controller.abort("abandoned");
    this.#pendingRaw?.catch(noop);
    await closeQuietly(this.iterator);
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
