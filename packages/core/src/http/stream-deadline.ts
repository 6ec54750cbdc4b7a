import {
  AbortedError,
  type AdapterError,
  type AdapterErrorOptions,
  ModelLoadingTimeoutError,
  StreamTimeoutError,
} from "../errors/errors.js";
import type { Timeouts } from "../types/stream-options.js";
import { isNoLimit } from "./time-limit.js";

/** Why a {@link StreamDeadline}'s signal fired. */
export type DeadlineReason = "aborted" | "first-chunk" | "idle" | "total";

/**
 * One `AbortSignal` that fires when the caller aborts or when one of a stream's limits passes,
 * and remembers which. Pass `signal` to the HTTP request; call `chunk()` when a content,
 * thinking or tool-call chunk arrives (never for headers, keep-alive comments or empty frames)
 * and `resume()` when the consumer asks for the next one (in an async generator: `chunk()`
 * before `yield`, `resume()` after it); turn a fired deadline into its error with `error()`, and
 * always `dispose()` (clears every timer and listener).
 *
 * - Until the first `chunk()`: `firstChunkMs` → `ModelLoadingTimeoutError`.
 * - After it: `idleMs` of waiting for the next chunk → `StreamTimeoutError` (`idle`). Only the
 *   time between `resume()` and the next `chunk()` counts, so a consumer that holds a chunk for
 *   a long time (a slow client downstream, a tool running) never looks like a stalled server.
 * - Throughout: `totalMs` → `StreamTimeoutError` (`total`).
 * - The caller's signal → `AbortedError` (its `reason` as the `cause`).
 *
 * Limits follow {@link isNoLimit}: undefined, `Infinity` or above 2³¹−1 ms set no timer.
 *
 * @example
 * const deadline = new StreamDeadline({ firstChunkMs: 30_000, idleMs: 10_000 }, options.signal);
 * try {
 *   const response = await request(url, { signal: deadline.signal });
 *   // ... deadline.chunk() on every chunk yielded
 * } catch (error) {
 *   throw deadline.reason ? deadline.error({ provider, model, cause: error }) : error;
 * } finally {
 *   deadline.dispose();
 * }
 */
export class StreamDeadline {
  readonly #controller = new AbortController();
  readonly #timeouts: Timeouts;
  readonly #callerSignal: AbortSignal | undefined;
  readonly #timers: ReturnType<typeof setTimeout>[] = [];
  #idle: ReturnType<typeof setTimeout> | undefined;
  #first: ReturnType<typeof setTimeout> | undefined;
  /** A first chunk arrived. */
  #started = false;
  /** While the consumer waits for the next chunk: since when (`performance.now()`, monotonic like the timers: a wall-clock change must not move the limit). */
  #waitingSince: number | undefined;
  #reason: DeadlineReason | undefined;
  readonly #onAbort = () => this.#fire("aborted");

  /**
   * @param timeouts The limits (validate them first with `timeoutsProblem`).
   * @param signal The caller's signal; one listener, removed by `dispose()`.
   */
  constructor(timeouts: Timeouts = {}, signal?: AbortSignal) {
    this.#timeouts = timeouts;
    this.#callerSignal = signal;
    if (signal?.aborted) {
      this.#fire("aborted");
      return;
    }
    signal?.addEventListener("abort", this.#onAbort, { once: true });
    this.#first = this.#timer(timeouts.firstChunkMs, "first-chunk");
    this.#timer(timeouts.totalMs, "total");
  }

  /** Fires on caller abort or on any limit. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Which limit fired, if any. */
  get reason(): DeadlineReason | undefined {
    return this.#reason;
  }

  /**
   * A content, thinking or tool-call chunk arrived (and goes to the consumer): ends the
   * first-chunk limit; the idle clock stops until {@link resume}.
   */
  chunk(): void {
    if (this.#reason !== undefined) return;
    this.#waitingSince = undefined;
    if (this.#started) return;
    this.#started = true;
    if (this.#first !== undefined) {
      clearTimeout(this.#first);
      this.#first = undefined;
    }
  }

  /**
   * The consumer asked for the next chunk: the idle clock runs from now. Cheap per chunk: the
   * idle timer is not re-armed each time; when it fires it checks how long the consumer has
   * actually been waiting and sleeps again for the rest.
   */
  resume(): void {
    if (this.#reason !== undefined || !this.#started) return;
    this.#waitingSince = performance.now();
    if (this.#idle === undefined) this.#idle = this.#timer(this.#timeouts.idleMs, "idle");
  }

  /**
   * The error that says why the signal fired (an `AbortedError` if it has not). The caller's
   * abort reason becomes the `cause` unless `options.cause` is given.
   */
  error(options: AdapterErrorOptions): AdapterError {
    const t = this.#timeouts;
    switch (this.#reason) {
      case "first-chunk":
        return new ModelLoadingTimeoutError(
          `${options.provider}: no first chunk within ${t.firstChunkMs} ms (firstChunkMs); the model may still be loading`,
          { ...options, timeoutMs: t.firstChunkMs ?? 0 },
        );
      case "idle":
        return new StreamTimeoutError(
          `${options.provider}: no chunk for more than ${t.idleMs} ms (idleMs)`,
          { ...options, timeoutMs: t.idleMs ?? 0, phase: "idle" },
        );
      case "total":
        return new StreamTimeoutError(
          `${options.provider}: stream exceeded ${t.totalMs} ms (totalMs)`,
          { ...options, timeoutMs: t.totalMs ?? 0, phase: "total" },
        );
      default:
        return new AbortedError(`${options.provider}: request aborted`, {
          ...options,
          cause: options.cause ?? this.#callerSignal?.reason,
        });
    }
  }

  /** Clears every timer and the caller-signal listener. Idempotent. */
  dispose(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.length = 0;
    this.#first = this.#idle = undefined;
    this.#callerSignal?.removeEventListener("abort", this.#onAbort);
  }

  #timer(ms: number | undefined, reason: DeadlineReason) {
    if (isNoLimit(ms)) return undefined;
    const timer = setTimeout(
      () => (reason === "idle" ? this.#idleTimer() : this.#fire(reason)),
      ms,
    );
    this.#timers.push(timer);
    return timer;
  }

  /** The idle timer rang: fire if the consumer has waited `idleMs`, else sleep for the rest. */
  #idleTimer(): void {
    const idleMs = this.#timeouts.idleMs ?? 0;
    const index = this.#timers.indexOf(this.#idle!);
    if (index >= 0) this.#timers.splice(index, 1);
    this.#idle = undefined;
    if (this.#waitingSince === undefined) return; // the consumer holds a chunk: resume() re-arms
    const waited = performance.now() - this.#waitingSince;
    // Timers may ring up to a millisecond early by the high-resolution clock.
    if (waited >= idleMs - 1) {
      this.#fire("idle");
      return;
    }
    this.#idle = this.#timer(idleMs - waited, "idle");
  }

  #fire(reason: DeadlineReason): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    this.dispose();
    // A limit aborts with a `TimeoutError` (as `AbortSignal.timeout()` does), so whatever the
    // request rejects with names the limit as its cause; the caller's abort keeps its reason.
    this.#controller.abort(
      reason === "aborted"
        ? this.#callerSignal?.reason
        : new DOMException(`${reason} limit reached`, "TimeoutError"),
    );
  }
}
