import {
  AbortedError,
  type AdapterError,
  type AdapterErrorOptions,
  ModelLoadingTimeoutError,
  StreamTimeoutError,
} from "../errors/errors.js";
import type { Timeouts } from "../types/stream-options.js";

/** Why a {@link StreamDeadline}'s signal fired. */
export type DeadlineReason = "aborted" | "first-chunk" | "idle" | "total";

/**
 * One `AbortSignal` that fires when the caller aborts or when any of a stream's time limits
 * passes, and that remembers which. Adapters pass `signal` to their HTTP request (or give an
 * `onFire` callback instead, which spares the `AbortSignal`: creating one costs several µs per
 * request in Node 20), call `started()` when response headers arrive and `activity()` on every
 * body read, turn a fired deadline into the right error with `error()`, and always call
 * `dispose()` (it clears every timer and listener).
 *
 * - Before `started()`: `firstChunkMs` → `ModelLoadingTimeoutError`.
 * - After `started()`: `idleMs` since the last `activity()` → `StreamTimeoutError` (`idle`).
 * - Throughout: `totalMs` → `StreamTimeoutError` (`total`).
 * - The caller's signal → `AbortedError`.
 *
 * @example
 * const deadline = new StreamDeadline({ firstChunkMs: 30_000 }, options.signal, () => cancel());
 */
export class StreamDeadline {
  /** Created on first use of `signal`. */
  #controller: AbortController | undefined;
  readonly #timeouts: Timeouts;
  readonly #callerSignal: AbortSignal | undefined;
  readonly #onFire: ((reason: DeadlineReason) => void) | undefined;
  #first: ReturnType<typeof setTimeout> | undefined;
  #idle: ReturnType<typeof setTimeout> | undefined;
  #total: ReturnType<typeof setTimeout> | undefined;
  #reason: DeadlineReason | undefined;
  readonly #onAbort = () => this.#fire("aborted");

  /**
   * @param timeouts The limits; an absent, negative or non-finite limit means none.
   * @param signal The caller's signal (one listener, removed by `dispose()`).
   * @param onFire Called once, synchronously, when the deadline fires (also when `signal` is
   *   already aborted: then from within the constructor).
   */
  constructor(
    timeouts: Timeouts = {},
    signal?: AbortSignal,
    onFire?: (reason: DeadlineReason) => void,
  ) {
    this.#timeouts = timeouts;
    this.#callerSignal = signal;
    this.#onFire = onFire;
    if (signal?.aborted) {
      this.#fire("aborted");
      return;
    }
    signal?.addEventListener("abort", this.#onAbort, { once: true });
    if (isLimit(timeouts.firstChunkMs)) {
      this.#first = setTimeout(() => this.#fire("first-chunk"), timeouts.firstChunkMs);
    }
    if (isLimit(timeouts.totalMs)) {
      this.#total = setTimeout(() => this.#fire("total"), timeouts.totalMs);
    }
  }

  /**
   * Whether a deadline for `timeouts` and `signal` could ever fire: a caller signal or at least
   * one usable limit. When not, an adapter can skip creating one (and its listener and timers).
   */
  static isNeeded(timeouts: Timeouts, signal: AbortSignal | undefined): boolean {
    return (
      signal !== undefined ||
      isLimit(timeouts.firstChunkMs) ||
      isLimit(timeouts.idleMs) ||
      isLimit(timeouts.totalMs)
    );
  }

  /** Fires on caller abort or on any limit (created on first access). */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#reason !== undefined) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** Which limit fired, if any. */
  get reason(): DeadlineReason | undefined {
    return this.#reason;
  }

  /** Response headers arrived: stops the first-chunk limit and starts the idle limit. */
  started(): void {
    if (this.#first) clearTimeout(this.#first);
    this.#first = undefined;
    if (this.#reason === undefined && isLimit(this.#timeouts.idleMs) && !this.#idle) {
      this.#idle = setTimeout(() => this.#fire("idle"), this.#timeouts.idleMs);
    }
  }

  /** Bytes arrived: restarts the idle limit. Cheap enough to call on every read. */
  activity(): void {
    this.#idle?.refresh();
  }

  /** Throws the matching error if the signal has fired. */
  throwIfFired(options: AdapterErrorOptions): void {
    if (this.#reason !== undefined) throw this.error(options);
  }

  /** The error that describes why the signal fired (an `AbortedError` if it has not). */
  error(options: AdapterErrorOptions): AdapterError {
    const t = this.#timeouts;
    switch (this.#reason) {
      case "first-chunk":
        return new ModelLoadingTimeoutError(
          `${options.provider}: no response within ${t.firstChunkMs} ms (firstChunkMs); the model may still be loading`,
          { ...options, timeoutMs: t.firstChunkMs ?? 0 },
        );
      case "idle":
        return new StreamTimeoutError(
          `${options.provider}: stream idle for more than ${t.idleMs} ms (idleMs)`,
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

  /** Clears every timer and listener. Idempotent. */
  dispose(): void {
    if (this.#first) clearTimeout(this.#first);
    if (this.#idle) clearTimeout(this.#idle);
    if (this.#total) clearTimeout(this.#total);
    this.#first = this.#idle = this.#total = undefined;
    this.#callerSignal?.removeEventListener("abort", this.#onAbort);
  }

  #fire(reason: DeadlineReason): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    this.dispose();
    this.#controller?.abort(reason);
    this.#onFire?.(reason);
  }
}

/** Longest delay `setTimeout` honours; Node fires longer ones after 1 ms (with a warning). */
const MAX_TIMER_MS = 2_147_483_647;

/** A usable limit: a finite, non-negative number a timer can hold. Anything longer means none. */
function isLimit(ms: number | undefined): ms is number {
  return typeof ms === "number" && ms >= 0 && ms <= MAX_TIMER_MS;
}

/** Merges default and per-call timeouts, field by field (per-call wins). */
export function mergeTimeouts(
  defaults: Timeouts | undefined,
  call: Timeouts | undefined,
): Timeouts {
  return { ...defaults, ...stripUndefined(call) };
}

function stripUndefined(value: Timeouts | undefined): Timeouts {
  const out: Timeouts = {};
  if (!value) return out;
  if (value.firstChunkMs !== undefined) out.firstChunkMs = value.firstChunkMs;
  if (value.idleMs !== undefined) out.idleMs = value.idleMs;
  if (value.totalMs !== undefined) out.totalMs = value.totalMs;
  return out;
}
