import { AbortedError, ContextLengthError, InvalidRequestError } from "@x/core";
import { type AdapterRef, CircuitOpenError } from "./errors.js";
import { type EventListener, emit } from "./events.js";

/** Settings of a {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker. Default 5. */
  failureThreshold?: number;
  /** How long it stays open before admitting one trial request. Default 30 000 ms. */
  cooldownMs?: number;
  /**
   * Before the half-open trial request, call `healthCheck()` (with this timeout); if it answers
   * `false` the breaker re-opens for another cooldown without sending the request. Default off.
   */
  healthCheckBeforeTrial?: boolean | { timeoutMs: number };
  /**
   * Whether an error counts as a failure of the adapter. Default: everything except
   * `AbortedError` (a cancel or a hedge loser), `InvalidRequestError` and `ContextLengthError`
   * (the request's fault) and `CircuitOpenError`. Truncated and stalled streams count.
   */
  isFailure?: (error: unknown) => boolean;
  /** Receives `breaker-open`, `breaker-half-open` and `breaker-close`. */
  onEvent?: EventListener;
}

/** The breaker's state. */
export type CircuitState = "closed" | "open" | "half-open";

/** What {@link CircuitBreaker.acquire} granted. */
export type CircuitPermit = "normal" | "trial";

/** The default {@link CircuitBreakerOptions.isFailure}. */
export function defaultIsFailure(error: unknown): boolean {
  return !(
    AbortedError.isInstance(error) ||
    InvalidRequestError.isInstance(error) ||
    ContextLengthError.isInstance(error) ||
    CircuitOpenError.isInstance(error)
  );
}

/**
 * A consecutive-failure circuit breaker for one adapter: closed → (threshold failures) → open →
 * (cooldown) → half-open with exactly one trial in flight → closed on success, open again (for a
 * fresh cooldown, counted from the failure) otherwise. Callers are never queued: while open, or
 * while the trial is in flight, {@link acquire} throws `CircuitOpenError` at once. No global
 * state: each instance is independent.
 */
export class CircuitBreaker {
  readonly #ref: AdapterRef;
  readonly #threshold: number;
  readonly #cooldownMs: number;
  readonly #isFailure: (error: unknown) => boolean;
  readonly #onEvent: EventListener | undefined;
  #state: CircuitState = "closed";
  #failures = 0;
  #openUntil = 0;
  #trialInFlight = false;
  #openError: CircuitOpenError | undefined;

  constructor(ref: AdapterRef, options: CircuitBreakerOptions = {}) {
    this.#ref = ref;
    this.#threshold = Math.max(1, options.failureThreshold ?? 5);
    this.#cooldownMs = options.cooldownMs ?? 30_000;
    this.#isFailure = options.isFailure ?? defaultIsFailure;
    this.#onEvent = options.onEvent;
  }

  /** The current state (an open breaker whose cooldown has passed still reads `open` until used). */
  get state(): CircuitState {
    return this.#state;
  }

  /** Consecutive failures counted so far. */
  get failures(): number {
    return this.#failures;
  }

  /** Admits a request or throws `CircuitOpenError` without waiting. */
  acquire(): CircuitPermit {
    if (this.#state === "closed") return "normal";
    if (this.#state === "open") {
      if (Date.now() < this.#openUntil) throw this.#rejection();
      this.#state = "half-open";
      emit(this.#onEvent, { type: "breaker-half-open", adapter: this.#ref });
    }
    if (this.#trialInFlight) throw this.#rejection();
    this.#trialInFlight = true;
    return "trial";
  }

  /** The request finished with a `done` chunk. */
  success(permit: CircuitPermit): void {
    this.#failures = 0;
    if (permit === "trial") {
      this.#trialInFlight = false;
      if (this.#state !== "closed") {
        this.#state = "closed";
        emit(this.#onEvent, { type: "breaker-close", adapter: this.#ref });
      }
    }
  }

  /** The request failed with `error` (ignored when it is not a failure, e.g. an abort). */
  failure(permit: CircuitPermit, error: unknown): void {
    if (!this.#isFailure(error)) {
      this.release(permit);
      return;
    }
    this.#failures++;
    if (permit === "trial") {
      this.#trialInFlight = false;
      this.#open(error);
    } else if (this.#state === "closed" && this.#failures >= this.#threshold) {
      this.#open(error);
    }
  }

  /** The request ended with no verdict (cancelled, or an error that is not a failure). */
  release(permit: CircuitPermit): void {
    if (permit === "trial") this.#trialInFlight = false;
  }

  #open(error: unknown): void {
    this.#state = "open";
    // Re-opening always counts the cooldown from now (LiteLLM#40130 kept the first deadline).
    this.#openUntil = Date.now() + this.#cooldownMs;
    emit(this.#onEvent, {
      type: "breaker-open",
      adapter: this.#ref,
      error,
      failures: this.#failures,
      cooldownMs: this.#cooldownMs,
    });
  }

  #rejection(): CircuitOpenError {
    // One error per open period: rejected requests are on the fast path (a stack capture costs
    // ~10 µs), and they all carry the same facts.
    if (this.#state === "open") {
      if (this.#openError?.retryAt !== this.#openUntil) {
        this.#openError = new CircuitOpenError(`${this.#ref.provider}: circuit breaker open`, {
          provider: this.#ref.provider,
          model: this.#ref.model,
          retryAt: this.#openUntil,
        });
      }
      return this.#openError;
    }
    const retryAt = Date.now();
    return new CircuitOpenError(`${this.#ref.provider}: circuit breaker open`, {
      provider: this.#ref.provider,
      model: this.#ref.model,
      retryAt,
    });
  }
}
