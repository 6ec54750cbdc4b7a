import {
  type AIAdapter,
  type Message,
  ProtocolError,
  type StreamChunk,
  type StreamOptions,
  type Timeouts,
} from "@x/core";
import { StreamDeadline } from "@x/core/http";
import type { CircuitBreaker, CircuitPermit } from "../policies/circuit-breaker.js";
import { closeQuietly, linkSignal, noop } from "../util/close-quietly.js";

/** What one try of a member needs. */
export interface AttemptInput {
  /** The member. */
  adapter: AIAdapter;
  /** What it is sent. */
  messages: Message[];
  /** The caller's options, passed on unchanged except for `signal`. */
  options: StreamOptions | undefined;
  /** This try's limits (core's `StreamDeadline` enforces them; a chain sets no `totalMs` here). */
  limits: Timeouts;
  /** Aborts the try from outside (the caller, the chain's budget, a lost hedge). */
  signal: AbortSignal | undefined;
  /** The member's breaker and the permit it granted this try, if it has one. */
  breaker?: CircuitBreaker;
  permit?: CircuitPermit;
}

/**
 * One try of one member: its stream, the deadline around it and its breaker permit.
 *
 * - {@link first} waits for the first chunk; `firstChunkMs` runs until then.
 * - {@link next} asks for each later chunk; `idleMs` runs until it arrives, so it measures the
 *   member's silence while the chain waits, never the time the consumer holds a chunk.
 * - {@link explain} turns an error after a fired limit into that limit's timeout error.
 * - The verdict is given once ({@link succeeded} / {@link failed}); {@link close} releases a
 *   permit that got none, aborts the member's request if it is still running and ends its
 *   iterator. Every path ends in `close()`.
 */
export class Attempt {
  /** When the try started (epoch ms). */
  readonly startedAt = Date.now();
  readonly adapter: AIAdapter;
  readonly #controller = new AbortController();
  readonly #unlink: () => void;
  readonly #deadline: StreamDeadline;
  readonly #iterator: AsyncIterator<StreamChunk>;
  readonly #breaker: CircuitBreaker | undefined;
  readonly #permit: CircuitPermit | undefined;
  /** It yielded `done`: closing it must not abort its request (the connection is reusable). */
  #answered = false;

  constructor(input: AttemptInput) {
    this.adapter = input.adapter;
    this.#breaker = input.breaker;
    this.#permit = input.permit;
    this.#unlink = input.signal ? linkSignal(input.signal, this.#controller) : noop;
    this.#deadline = new StreamDeadline(input.limits, this.#controller.signal);
    const options: StreamOptions = { ...input.options, signal: this.#deadline.signal };
    try {
      this.#iterator = input.adapter.stream(input.messages, options)[Symbol.asyncIterator]();
    } catch (error) {
      // stream() must not throw (the contract), but a member that does fails this try only.
      this.#iterator = failing(error);
    }
  }

  /** Milliseconds since the try started. */
  get durationMs(): number {
    return Date.now() - this.startedAt;
  }

  /** The first chunk. Throws what the member threw, or a truncation when it ended without one. */
  async first(): Promise<StreamChunk> {
    const result = await this.#iterator.next();
    if (result.done) throw this.truncated();
    this.#deadline.chunk();
    if (this.#permit !== undefined) this.#breaker?.firstChunk(this.#permit);
    return result.value;
  }

  /**
   * The next chunk after the first. `idleMs` counts from this call until the member's chunk
   * arrives, so it measures the member's silence, never the time the consumer then holds the
   * chunk (the clock stops when the chunk settles, whether or not anyone awaits it yet).
   */
  async next(): Promise<IteratorResult<StreamChunk>> {
    this.#deadline.resume();
    const result = await this.#iterator.next();
    this.#deadline.chunk();
    return result;
  }

  /** `error` as the chain reports it: after a fired limit, that limit's timeout error. */
  explain(error: unknown): unknown {
    const reason = this.#deadline.reason;
    if (reason === undefined || reason === "aborted") return error;
    return this.#deadline.error({
      provider: this.adapter.provider,
      model: this.adapter.model,
      cause: error,
    });
  }

  /** The member's stream ended without a `done` chunk: a truncation, never a success. */
  truncated(): ProtocolError {
    return new ProtocolError(`${this.adapter.provider}: stream ended without a done chunk`, {
      provider: this.adapter.provider,
      model: this.adapter.model,
      reason: "truncated",
    });
  }

  /** Breaker verdict: the member answered (its `done` chunk). */
  succeeded(): void {
    this.#answered = true;
    if (this.#permit !== undefined) this.#breaker?.success(this.#permit);
  }

  /** Breaker verdict: the member failed with `error` (a cancel or a caller's error only releases). */
  failed(error: unknown): void {
    if (this.#permit !== undefined) this.#breaker?.failure(this.#permit, error);
  }

  /**
   * Ends the try: a permit without a verdict is released (never counted), the member's request is
   * aborted unless it answered (a `next()` still pending then settles at once; whoever holds it
   * must handle its rejection), its iterator is ended, and every timer and listener of the
   * deadline is cleared. Idempotent; never rejects.
   */
  async close(): Promise<void> {
    if (this.#permit !== undefined) this.#breaker?.release(this.#permit);
    // Abort before disposing: the deadline passes the abort on to the member's signal.
    if (!this.#answered) this.#controller.abort("closed");
    this.#deadline.dispose();
    this.#unlink();
    await closeQuietly(this.#iterator);
  }
}

/** An iterator whose first `next()` rejects with `error`. */
function failing(error: unknown): AsyncIterator<StreamChunk> {
  return {
    next: () => Promise.reject(error),
    return: () => Promise.resolve({ done: true, value: undefined }),
  };
}
