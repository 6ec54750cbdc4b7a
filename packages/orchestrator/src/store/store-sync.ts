import type { AdapterRef } from "../errors.js";
import { type EventListener, emit, type StoreUnavailableEvent } from "../events.js";
import { backoffCeiling } from "../policies/backoff.js";
import {
  type BreakerState,
  closeFromStore,
  openFromStore,
  type Transition,
} from "../policies/breaker-state.js";
import { noop } from "../util/close-quietly.js";
import { raceTimer, TIMED_OUT } from "../util/race-timer.js";
import { type BreakerStore, type SharedBreakerState, STORE_DEFAULTS } from "./breaker-store.js";

/** A store call that failed, timed out, or was not made (the store is backed off). */
const FAILED: unique symbol = Symbol("failed");

/** What the store is asked. */
type StoreOperation = StoreUnavailableEvent["operation"];

/**
 * One breaker's link to a shared {@link BreakerStore}. The breaker keeps deciding on its own
 * state (no request ever waits on the store); this link publishes the breaker's openings and
 * closes, and merges what other processes published: a newer opening opens the breaker here, the
 * close of the opening it follows closes it. Every call is bounded by the store's `timeoutMs`; a
 * failed call reports a `store-unavailable` event once per outage and leaves the store alone for
 * a backoff (500 ms doubling to 5 s), the next successful one a `store-recovered` event.
 */
export class StoreSync {
  readonly #store: BreakerStore;
  readonly #id: string;
  readonly #ref: AdapterRef;
  readonly #onEvent: EventListener | undefined;
  readonly #timeoutMs: number;
  readonly #refreshMs: number;
  /** The highest generation taken into account. */
  #known = 0;
  /**
   * The generation the breaker's open (or half-open) state belongs to; undefined while closed,
   * or while an opening made here is not recorded in the store yet.
   */
  #episode: number | undefined;
  #nextReadAt = 0;
  #reading = false;
  /** Outage: when it began (0: none), failed calls in a row, no call before `#retryAt`. */
  #downSince = 0;
  #failures = 0;
  #retryAt = 0;
  readonly #calls = new Set<AbortController>();
  #stopped = false;

  constructor(input: {
    store: BreakerStore;
    id: string;
    ref: AdapterRef;
    onEvent: EventListener | undefined;
  }) {
    this.#store = input.store;
    this.#id = input.id;
    this.#ref = input.ref;
    this.#onEvent = input.onEvent;
    this.#timeoutMs = input.store.timeoutMs ?? STORE_DEFAULTS.timeoutMs;
    this.#refreshMs = input.store.refreshMs ?? STORE_DEFAULTS.refreshMs;
  }

  /** Whether a read is due: `refreshMs` since the last one, none running, the store not backed off. */
  due(now: number): boolean {
    return !this.#stopped && !this.#reading && now >= this.#nextReadAt && now >= this.#retryAt;
  }

  /**
   * Reads the member's shared state and merges it into `s` (the breaker's state). Resolves to
   * the transition to announce; never rejects (a failed read changes nothing). An opening of this
   * breaker the store has not recorded (it was down) is recorded now.
   */
  async pull(s: BreakerState): Promise<Transition> {
    this.#reading = true;
    this.#nextReadAt = Date.now() + this.#refreshMs;
    const shared = await this.#call("get", (signal) => this.#store.getBreaker(this.#id, signal));
    this.#reading = false;
    if (shared === FAILED || this.#stopped) return undefined;
    const transition = shared === undefined ? undefined : this.#merge(s, shared, Date.now());
    if (this.#episode === undefined && s.state === "open") this.opened(s);
    return transition;
  }

  /** The breaker opened here (its own failures): record the opening, learn its generation. */
  opened(s: BreakerState): void {
    const cooldownMs = Math.max(1, s.openUntil - Date.now());
    void this.#call("open", (signal) => this.#store.openBreaker(this.#id, cooldownMs, signal)).then(
      (shared) => {
        if (shared === FAILED || this.#stopped) return;
        this.#known = Math.max(this.#known, shared.generation);
        this.#episode = shared.generation;
        if (s.state === "closed") this.closed(); // its trial closed it while the call ran
      },
    );
  }

  /** The breaker closed here (its trial answered): record the close of the opening it followed. */
  closed(): void {
    const episode = this.#episode;
    this.#episode = undefined;
    if (episode === undefined) return;
    void this.#call("close", (signal) => this.#store.closeBreaker(this.#id, episode, signal));
  }

  /** Stops: calls in flight are aborted, none is made again. */
  stop(): void {
    this.#stopped = true;
    for (const controller of this.#calls) controller.abort();
    this.#calls.clear();
  }

  #merge(s: BreakerState, shared: SharedBreakerState, now: number): Transition {
    if (shared.state === "open") {
      if (shared.generation <= this.#known) return undefined; // seen (or closed here) already
      this.#known = shared.generation;
      this.#episode = shared.generation;
      return openFromStore(s, now + Math.max(0, shared.remainingMs));
    }
    this.#known = Math.max(this.#known, shared.generation);
    if (this.#episode === undefined || shared.generation < this.#episode) return undefined;
    this.#episode = undefined;
    return closeFromStore(s);
  }

  /** One bounded call; FAILED when it failed, timed out, or the store is backed off. */
  async #call<T>(
    operation: StoreOperation,
    run: (signal: AbortSignal) => Promise<T>,
  ): Promise<T | typeof FAILED> {
    if (this.#stopped || Date.now() < this.#retryAt) return FAILED;
    const controller = new AbortController();
    this.#calls.add(controller);
    try {
      const pending = Promise.resolve().then(() => run(controller.signal));
      pending.catch(noop); // after a timeout its outcome is nobody's
      const result = await raceTimer(pending, this.#timeoutMs);
      if (result === TIMED_OUT) {
        throw new DOMException(`store call timed out after ${this.#timeoutMs} ms`, "TimeoutError");
      }
      this.#up();
      return result;
    } catch (error) {
      if (!this.#stopped) this.#down(operation, error);
      return FAILED;
    } finally {
      controller.abort();
      this.#calls.delete(controller);
    }
  }

  #down(operation: StoreOperation, error: unknown): void {
    const now = Date.now();
    this.#failures++;
    const delay = backoffCeiling(this.#failures, {
      baseDelayMs: STORE_DEFAULTS.backoffMs,
      maxDelayMs: STORE_DEFAULTS.maxBackoffMs,
    });
    this.#retryAt = now + delay;
    if (this.#downSince !== 0) return;
    this.#downSince = now;
    emit(this.#onEvent, {
      type: "store-unavailable",
      adapter: this.#ref,
      id: this.#id,
      operation,
      error,
      retryInMs: delay,
    });
  }

  #up(): void {
    this.#failures = 0;
    this.#retryAt = 0;
    if (this.#downSince === 0) return;
    const downMs = Date.now() - this.#downSince;
    this.#downSince = 0;
    emit(this.#onEvent, { type: "store-recovered", adapter: this.#ref, id: this.#id, downMs });
  }
}
