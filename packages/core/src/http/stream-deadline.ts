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
 * and remembers which. Pass `signal` to the HTTP request, call `chunk()` for every content,
 * thinking or tool-call chunk (never for headers, keep-alive comments or empty frames), turn a
 * fired deadline into its error with `error()`, and always `dispose()` (clears every timer and
 * listener).
 *
 * - Until the first `chunk()`: `firstChunkMs` → `ModelLoadingTimeoutError`.
 * - From the first `chunk()`: `idleMs` since the last `chunk()` → `StreamTimeoutError` (`idle`).
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

  /** A content, thinking or tool-call chunk arrived: ends the first-chunk limit, restarts idle. */
  chunk(): void {
    if (this.#reason !== undefined) return;
    if (this.#first !== undefined) {
      clearTimeout(this.#first);
      this.#first = undefined;
    }
    if (this.#idle !== undefined) this.#idle.refresh();
    else this.#idle = this.#timer(this.#timeouts.idleMs, "idle");
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
    const timer = setTimeout(() => this.#fire(reason), ms);
    this.#timers.push(timer);
    return timer;
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
