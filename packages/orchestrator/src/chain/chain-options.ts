import type { AIAdapter, Usage } from "@x/core";
import type { AdapterRef, AttemptFailure, AttemptStage } from "../errors.js";
import type { EventListener } from "../events.js";
import type { CircuitBreakerOptions } from "../policies/circuit-breaker.js";
import type { RetryPolicy } from "../policies/retry-policy.js";
import type { BreakerStore } from "../store/breaker-store.js";

/** What the chain does when a member fails after its output was committed (made visible). */
export type MidStreamMode = "error" | "restart" | "continue";

/** A breaker's settings as a chain or pool takes them (its `store` and ids are the chain's). */
export type MemberBreakerOptions = Omit<CircuitBreakerOptions, "onEvent" | "store" | "id">;

/** Per-member settings; each overrides the chain-wide one of the same name. */
export interface ChainMemberOptions {
  /** The member. */
  adapter: AIAdapter;
  /**
   * A stable name for the member: its key in the `store`, shared by every process that names it
   * the same. Default: `provider:model@baseUrl` (`provider:model` for an adapter without a
   * `baseUrl`, such as a nested chain), with `#2`, `#3` appended to repeats within one chain.
   */
  id?: string;
  /**
   * Time from starting a try to its first chunk. Default: 10 000 ms while another member could
   * take over, none for the last one (a cold local model may need much longer, and there is
   * nowhere else to go); the member's own limits always apply too.
   */
  firstChunkMs?: number;
  /** Longest wait for the next chunk once streaming. Default 10 000 ms. */
  idleMs?: number;
  /** Retries of this member before moving on (`false`: none). Default: the chain's. */
  retry?: RetryPolicy | false;
  /** This member's breaker settings (`false`: no breaker). Default: the chain's. */
  breaker?: MemberBreakerOptions | false;
}

/** A chain member: an adapter, or an adapter with per-member settings. */
export type ChainMember = AIAdapter | ChainMemberOptions;

/** What {@link FallbackChainOptions.shouldFallback} is told about a failure. */
export interface FallbackContext {
  /** The member that failed. */
  adapter: AdapterRef;
  /** Where in the attempt it failed. */
  stage: AttemptStage;
  /** Whether output of this attempt had already been yielded to the consumer. */
  committed: boolean;
  /** 1-based attempt number within the request. */
  attempt: number;
}

/** Options for `createFallbackChain`. Every default is in the README's table, with its reason. */
export interface FallbackChainOptions {
  /** The chain's `provider`. Default `"chain"`. */
  provider?: string;
  /** The chain's `model`. Default: the first member's. */
  model?: string;
  /**
   * `firstChunkMs` and `idleMs` apply to every member (each can override them); `totalMs` is one
   * budget for the whole request, shared by every attempt, retry and wait. Defaults: see
   * {@link ChainMemberOptions}; no `totalMs`.
   */
  timeouts?: { firstChunkMs?: number; idleMs?: number; totalMs?: number };
  /**
   * Retries of a member before moving on. Default `{ maxRetries: 1 }`: one more try of a 429
   * (after its `Retry-After`, up to 5 s), a 5xx or a connection reset (not a refused one), never of a
   * member that went silent. `false`: none.
   */
  retry?: RetryPolicy | false;
  /**
   * Circuit breaker per member. Default: rate mode (half the tries of the last 30 s failed, at
   * least 4 tries), health-check probing every 500 ms while open. `false`: none.
   */
  breaker?: MemberBreakerOptions | false;
  /**
   * Where the members' breakers share their openings and closes with other processes (or other
   * chains of this one), keyed by each member's `id`: `createRedisStore()` from `@x/redis`, or
   * `createMemoryStore()`. When one process opens a member's breaker, the others learn it when
   * they next re-read the member, at most every `store.refreshMs` (250 ms) while they use it and
   * in the background, and skip it from then on (20–290 ms across two processes in @x/redis's
   * test). Each process still counts failures
   * on its own, and never waits on the store: when it is unreachable, the breakers go on on local
   * state (`store-unavailable` event, retried with backoff). Default: none (state per chain).
   */
  store?: BreakerStore;
  /**
   * Hold an attempt's output back until it has produced `chars` characters (content + thinking)
   * or `ms` milliseconds have passed since its first chunk, whichever comes first; a failure in
   * that window moves on with nothing shown. Default `{ chars: 100, ms: 200 }` while another
   * member could take over; none for the last one (holding back would only delay).
   */
  commitAfter?: { chars?: number; ms?: number };
  /**
   * After commit: `"restart"` (default: a `reset` chunk, then the next member's whole answer),
   * `"continue"` (the next member continues the text, if it accepts an assistant prefill) or
   * `"error"` (throw, with the partial output on the error).
   */
  midStream?: MidStreamMode;
  /** The instruction sent with `midStream: "continue"`. */
  continueInstruction?: string;
  /**
   * If the current attempt has no first chunk after this long, start the next member too; the
   * first to yield wins and the other is aborted (not counted as a failure). Default: none.
   */
  hedgeAfterMs?: number;
  /**
   * Whether to move on after `error`. Default `defaultShouldFallback`. Never consulted for
   * `AbortedError` (a cancel never falls back).
   */
  shouldFallback?: (error: unknown, context: FallbackContext) => boolean;
  /** Receives every `OrchestratorEvent`. */
  onEvent?: EventListener;
}

/** What the chain's final `done` chunk carries under `orchestrator`. */
export interface ChainReport {
  /** The member that served the answer. */
  servedBy: AdapterRef;
  /** Attempts made in the request, the serving one included (retries excluded). */
  attempts: number;
  /** Every failed try, in order. */
  failures: AttemptFailure[];
  /** Usage of the serving attempt. */
  servedUsage: Usage | undefined;
  /** Usage reported by abandoned attempts (summed), when any reported it. */
  abandonedUsage: Usage | undefined;
  /** Whether earlier output was discarded with a `reset` chunk or continued. */
  recovered: "none" | "restart" | "continue";
}
