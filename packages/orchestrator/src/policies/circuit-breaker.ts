import type { HealthCheckOptions } from "@x/core";
import { type AdapterRef, CircuitOpenError } from "../errors.js";
import { type EventListener, emit } from "../events.js";
import type { BreakerStore } from "../store/breaker-store.js";
import { StoreSync } from "../store/store-sync.js";
import { raceTimer } from "../util/race-timer.js";
import {
  admit,
  type BreakerRule,
  type BreakerSettings,
  type BreakerState,
  type CircuitState,
  fail,
  firstChunk,
  initialState,
  type Permit,
  probed,
  refuses,
  release,
  succeed,
  type Transition,
  windowCounts,
} from "./breaker-state.js";
import { defaultIsFailure } from "./fallback-policy.js";

export type { CircuitState } from "./breaker-state.js";

/** Settings of a {@link CircuitBreaker}. Defaults are the chain's (see the README's table). */
export interface CircuitBreakerOptions {
  /**
   * `"rate"` (default): open when at least `failureRate` of the tries started in the last
   * `windowMs` failed, once `minimumRequests` were started. `"consecutive"`: open after
   * `failureThreshold` failures in a row (simple, but fast failures can outrun slow successes
   * under concurrency). Giving only `failureThreshold` selects `"consecutive"`.
   */
  mode?: "rate" | "consecutive";
  /** Consecutive mode: failures in a row that open it. Default 5. */
  failureThreshold?: number;
  /** Rate mode: the failing share (0–1) that opens it. Default 0.5. */
  failureRate?: number;
  /** Rate mode: tries started in the window before the rate can open it. Default 4. */
  minimumRequests?: number;
  /** Rate mode: the sliding window. Default 30 000 ms. */
  windowMs?: number;
  /**
   * How long it stays open before it probes again (a failed probe or trial re-opens it for as
   * long). Default 500 ms: a recovered member serves again within about a second.
   */
  cooldownMs?: number;
  /**
   * How an open breaker learns the member is back. `"health-check"` (default when the member
   * has one): the member's `healthCheck()` is called in the background after each cooldown while
   * requests keep being turned away; a healthy answer lets the next request through as the trial.
   * No caller's request is sent to a member that has not answered its health check. `"request"`:
   * after the cooldown the next caller's request is the trial.
   */
  probe?: "health-check" | "request";
  /** Time a health probe may take; a slower one counts as unhealthy. Default 2 000 ms. */
  probeTimeoutMs?: number;
  /**
   * Whether an error counts against the member. Default {@link defaultIsFailure}: everything but
   * cancels (and hedge losers), the caller's own errors, `ContextLengthError` and open breakers.
   */
  isFailure?: (error: unknown) => boolean;
  /**
   * Receives `breaker-open`, `breaker-probe`, `breaker-half-open` and `breaker-close`, and with a
   * `store`, `store-unavailable` and `store-recovered`.
   */
  onEvent?: EventListener;
  /**
   * Shares this breaker's openings and closes with every process using the same store under the
   * same `id` (see `@x/redis`). The breaker still decides on its own counts and never waits on
   * the store: it publishes when it opens or its trial closes it, and re-reads the shared state
   * (at most every `store.refreshMs`, default 250 ms, while it is asked for permits), so another
   * process's opening is followed here within that time. Default: none (state of its own).
   */
  store?: BreakerStore;
  /**
   * The member's key in the `store`. Default: the id a chain gives the member
   * (`provider:model@baseUrl`), also through `withCircuitBreaker`; a breaker built directly from
   * a ref uses `provider:model`.
   */
  id?: string;
}

/** What {@link CircuitBreaker.acquire} granted; hand it back exactly once to settle it. */
export interface CircuitPermit extends Permit {
  /** Whether a verdict (or a release) was given. Settling twice is a no-op. */
  settled: boolean;
}

/** The member's health check, as a breaker probes it. */
export type HealthProbe = (options: HealthCheckOptions) => Promise<boolean>;

/** The breaker defaults, in one place (also the chain's). */
export const BREAKER_DEFAULTS = {
  failureThreshold: 5,
  failureRate: 0.5,
  minimumRequests: 4,
  windowMs: 30_000,
  cooldownMs: 500,
  probeTimeoutMs: 2_000,
  /** A trial undecided for this long no longer blocks the next (no breaker stays half-open). */
  trialTimeoutMs: 30_000,
  /** Probing goes on while a request was turned away within this long. */
  probeDemandMs: 30_000,
} as const;

/**
 * A circuit breaker for one member (see {@link CircuitBreakerOptions}): closed → open (by the
 * rule) → after the cooldown either a health probe or the next request decides → half-open with
 * exactly one trial → closed when the trial produces its first chunk, open again (a fresh
 * cooldown) when it fails. Callers are never queued: while open, {@link acquire} throws
 * `CircuitOpenError` at once. Every permit must be settled (`firstChunk` is not a settlement):
 * `success`, `failure` or `release`. No global state; {@link close} stops probing.
 */
export class CircuitBreaker {
  readonly #ref: AdapterRef;
  readonly #settings: BreakerSettings;
  readonly #isFailure: (error: unknown) => boolean;
  readonly #onEvent: EventListener | undefined;
  readonly #probe: HealthProbe | undefined;
  readonly #probeTimeoutMs: number;
  readonly #state: BreakerState = initialState();
  #probeTimer: ReturnType<typeof setTimeout> | undefined;
  #probeInFlight: AbortController | undefined;
  #lastDemandAt = 0;
  #closed = false;
  readonly #sync: StoreSync | undefined;

  /** `healthCheck`: the member's, used for probing unless `options.probe` is `"request"`. */
  constructor(ref: AdapterRef, options: CircuitBreakerOptions = {}, healthCheck?: HealthProbe) {
    this.#ref = ref;
    this.#settings = {
      rule: ruleOf(options),
      cooldownMs: options.cooldownMs ?? BREAKER_DEFAULTS.cooldownMs,
      trialTimeoutMs: BREAKER_DEFAULTS.trialTimeoutMs,
    };
    this.#isFailure = options.isFailure ?? defaultIsFailure;
    this.#onEvent = options.onEvent;
    this.#probe = options.probe === "request" ? undefined : healthCheck;
    this.#probeTimeoutMs = options.probeTimeoutMs ?? BREAKER_DEFAULTS.probeTimeoutMs;
    this.#sync =
      options.store === undefined
        ? undefined
        : new StoreSync({
            store: options.store,
            id: options.id ?? `${ref.provider}:${ref.model}`,
            ref,
            onEvent: options.onEvent,
          });
  }

  /** The current state (an open breaker whose cooldown has passed reads `open` until used). */
  get state(): CircuitState {
    return this.#state.state;
  }

  /** Failures in a row counted so far. */
  get failures(): number {
    return this.#state.consecutiveFailures;
  }

  /** Whether {@link acquire} would refuse now. Changes nothing. */
  get refusing(): boolean {
    return refuses(this.#state, this.#settings, Date.now(), this.#probe !== undefined);
  }

  /** Admits a try, or throws `CircuitOpenError` without waiting. */
  acquire(): CircuitPermit {
    const now = Date.now();
    this.#pull(now);
    const granted = admit(this.#state, this.#settings, now, this.#probe !== undefined);
    if (granted === undefined) {
      this.#lastDemandAt = now;
      this.#scheduleProbe();
      throw new CircuitOpenError(`${this.#ref.provider}: circuit breaker open`, {
        provider: this.#ref.provider,
        model: this.#ref.model,
        retryAt: this.#state.state === "open" ? this.#state.openUntil : now,
      });
    }
    this.#announce(granted.transition, undefined);
    return { ...granted.permit, settled: false };
  }

  /** The try produced its first chunk (not a settlement: the stream may still fail). */
  firstChunk(permit: CircuitPermit): void {
    if (!permit.settled) this.#announce(firstChunk(this.#state, permit), undefined);
  }

  /** The try ended with its `done` chunk. */
  success(permit: CircuitPermit): void {
    if (permit.settled) return;
    permit.settled = true;
    this.#announce(succeed(this.#state, permit), undefined);
  }

  /** The try failed with `error`; an error that is not a failure (a cancel) only releases it. */
  failure(permit: CircuitPermit, error: unknown): void {
    if (permit.settled) return;
    if (!this.#isFailure(error)) {
      this.release(permit);
      return;
    }
    permit.settled = true;
    this.#announce(fail(this.#state, this.#settings, permit, Date.now()), error);
  }

  /** The try ended with no verdict (cancelled, a hedge loser, the caller's own error). */
  release(permit: CircuitPermit): void {
    if (permit.settled) return;
    permit.settled = true;
    release(this.#state, this.#settings, permit);
  }

  /** Stops probing (the chain is closed). A probe in flight is aborted. */
  close(): void {
    this.#closed = true;
    this.#sync?.stop();
    clearTimeout(this.#probeTimer);
    this.#probeTimer = undefined;
    this.#probeInFlight?.abort();
  }

  /** Starts a read of the shared state when one is due (never waited for). */
  #pull(now: number): void {
    const sync = this.#sync;
    if (sync === undefined || !sync.due(now)) return;
    void sync.pull(this.#state).then((transition) => {
      if (!this.#closed) this.#announce(transition, undefined, "store");
    });
  }

  /** Events for a transition; one made here is also published to the store, if any. */
  #announce(transition: Transition, error: unknown, source: "here" | "store" = "here"): void {
    if (transition === undefined) return;
    const adapter = this.#ref;
    const fromStore = source === "store" ? { source } : {};
    const now = Date.now();
    if (transition === "opened") {
      const rule = this.#settings.rule;
      const { started, failed } = windowCounts(this.#state, this.#settings, now);
      emit(this.#onEvent, {
        type: "breaker-open",
        adapter,
        error,
        failures: this.#state.consecutiveFailures,
        cooldownMs:
          source === "store" ? Math.max(0, this.#state.openUntil - now) : this.#settings.cooldownMs,
        mode: rule.mode,
        ...(rule.mode === "rate" ? { window: { started, failed } } : {}),
        ...fromStore,
      });
      if (source === "here") this.#sync?.opened(this.#state);
      this.#lastDemandAt = now;
      this.#scheduleProbe();
    } else if (transition === "half-opened") {
      emit(this.#onEvent, { type: "breaker-half-open", adapter });
    } else {
      emit(this.#onEvent, { type: "breaker-close", adapter, ...fromStore });
      if (source === "here") this.#sync?.closed();
    }
  }

  /** Arms the next health probe for the end of the cooldown (unless one is pending or running). */
  #scheduleProbe(): void {
    if (this.#probe === undefined || this.#closed) return;
    if (this.#probeTimer !== undefined || this.#probeInFlight !== undefined) return;
    if (this.#state.state !== "open") return;
    const wait = Math.max(0, this.#state.openUntil - Date.now());
    this.#probeTimer = setTimeout(() => void this.#runProbe(), wait);
    // Chain state, not a request's: it must never keep a process alive.
    this.#probeTimer.unref?.();
  }

  async #runProbe(): Promise<void> {
    this.#probeTimer = undefined;
    const started = Date.now();
    // Nobody asked for the member lately: stop; the next refused request starts probing again.
    if (
      this.#state.state !== "open" ||
      started - this.#lastDemandAt > BREAKER_DEFAULTS.probeDemandMs
    ) {
      return;
    }
    const controller = new AbortController();
    this.#probeInFlight = controller;
    let healthy = false;
    try {
      const answer = await raceTimer(
        Promise.resolve(
          this.#probe!({ timeoutMs: this.#probeTimeoutMs, signal: controller.signal }),
        ),
        // The health check has its own timeout; this one covers a member that ignores it.
        this.#probeTimeoutMs + 100,
      );
      healthy = answer === true;
    } catch {
      healthy = false;
    } finally {
      this.#probeInFlight = undefined;
      controller.abort();
    }
    if (this.#closed) return;
    const now = Date.now();
    emit(this.#onEvent, {
      type: "breaker-probe",
      adapter: this.#ref,
      healthy,
      durationMs: now - started,
    });
    this.#announce(probed(this.#state, this.#settings, healthy, now), undefined);
    this.#scheduleProbe();
  }
}

function ruleOf(options: CircuitBreakerOptions): BreakerRule {
  const mode =
    options.mode ??
    (options.failureThreshold !== undefined &&
    options.failureRate === undefined &&
    options.minimumRequests === undefined &&
    options.windowMs === undefined
      ? "consecutive"
      : "rate");
  if (mode === "consecutive") {
    return {
      mode,
      failureThreshold: Math.max(1, options.failureThreshold ?? BREAKER_DEFAULTS.failureThreshold),
    };
  }
  return {
    mode,
    failureRate: options.failureRate ?? BREAKER_DEFAULTS.failureRate,
    minimumRequests: Math.max(1, options.minimumRequests ?? BREAKER_DEFAULTS.minimumRequests),
    windowMs: options.windowMs ?? BREAKER_DEFAULTS.windowMs,
  };
}
