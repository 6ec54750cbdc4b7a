/**
 * What breakers in many processes share through a store: for each member, whether it is open
 * (every process skips it and probes it) or closed, and which opening that is. The counting that
 * decides to open stays in each process (see the README's "Shared state").
 */

/** One member's breaker as the store holds it. */
export interface SharedBreakerState {
  /**
   * How many times the member's breaker went from closed to open, anywhere. A close names the
   * generation it ends, so a late close never undoes a newer opening.
   */
  generation: number;
  /** `open`: every process skips the member until a trial succeeds; `closed`: it serves. */
  state: "open" | "closed";
  /**
   * While open: milliseconds left of the cooldown when the store answered (0 or less: it
   * ended, a probe or trial decides now). Relative, so the processes' clocks need not agree.
   */
  remainingMs: number;
}

/**
 * Where breakers of many processes (or many chains of one process) share their verdicts.
 * `@x/redis` implements it on Redis; {@link createMemoryStore} in memory. Each method must be
 * atomic with respect to the others for the same id, and should honour `signal` (the
 * orchestrator stops waiting after `timeoutMs` either way).
 */
export interface BreakerStore {
  /** The member's shared state, or undefined when none was recorded. */
  getBreaker(id: string, signal: AbortSignal): Promise<SharedBreakerState | undefined>;
  /**
   * The member's breaker opened in some process for `cooldownMs`. From closed (or no record): a
   * new generation. Already open: the same generation, the cooldown ending at the later of the
   * two. Resolves to the state after the change.
   */
  openBreaker(id: string, cooldownMs: number, signal: AbortSignal): Promise<SharedBreakerState>;
  /**
   * A trial of opening `generation` succeeded: closed, unless the member was opened again since
   * (a newer generation is left alone). Resolves to the state after the change.
   */
  closeBreaker(
    id: string,
    generation: number,
    signal: AbortSignal,
  ): Promise<SharedBreakerState | undefined>;
  /** How long the orchestrator waits for one call before it counts the store as unavailable. */
  readonly timeoutMs?: number;
  /** How stale a process's view of a member may get while requests use it. */
  readonly refreshMs?: number;
  /** Releases the store's connections (only those it opened itself). */
  close?(): Promise<void>;
}

/** Defaults for a {@link BreakerStore} that does not set its own. */
export const STORE_DEFAULTS = {
  /** A store call slower than this counts as a failure (the chain goes on on local state). */
  timeoutMs: 250,
  /** A member in use re-reads its shared state at most this often (propagation bound). */
  refreshMs: 250,
  /** After a failed call the store is left alone for this long, doubling up to `maxBackoffMs`. */
  backoffMs: 500,
  maxBackoffMs: 5_000,
} as const;
