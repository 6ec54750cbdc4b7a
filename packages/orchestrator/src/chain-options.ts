import type { AIAdapter, Usage } from "@x/core";
import type { CircuitBreakerOptions } from "./circuit-breaker.js";
import type { AdapterRef, AttemptFailure, AttemptStage } from "./errors.js";
import type { EventListener } from "./events.js";
import type { RetryPolicy } from "./with-retry.js";

/** What the chain does when a member fails after its output was committed (made visible). */
export type MidStreamMode = "error" | "restart" | "continue";

/** Per-member settings; each overrides the chain-wide one of the same name. */
export interface ChainMemberOptions {
  /** The member. */
  adapter: AIAdapter;
  /** Time from starting the attempt to its first chunk. A cold local model needs more. */
  firstChunkMs?: number;
  /** Longest wait for the next chunk once streaming. */
  idleMs?: number;
  /** Retries of this member before falling back (`false`: none). */
  retry?: RetryPolicy | false;
  /** This member's breaker settings (`false`: no breaker). */
  breaker?: Omit<CircuitBreakerOptions, "onEvent"> | false;
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

/** Options for {@link createFallbackChain}. */
export interface FallbackChainOptions {
  /** The chain's `provider`. Default `"chain"`. */
  provider?: string;
  /** The chain's `model`. Default: the first member's. */
  model?: string;
  /**
   * `firstChunkMs` and `idleMs` apply to every member (each can override them); `totalMs` is one
   * budget for the whole request, shared by every attempt, retry and backoff.
   */
  timeouts?: { firstChunkMs?: number; idleMs?: number; totalMs?: number };
  /** Retries per member before falling back. Default `false` (fall back at once). */
  retry?: RetryPolicy | false;
  /** Circuit breaker per member. Default `{ failureThreshold: 5, cooldownMs: 30_000 }`; `false` = none. */
  breaker?: Omit<CircuitBreakerOptions, "onEvent"> | false;
  /**
   * Hold an attempt's output back until it has produced `chars` characters (content + thinking)
   * or `ms` milliseconds have passed since its first chunk, whichever comes first; a failure in
   * that window falls back invisibly. Default: commit at the first chunk.
   */
  commitAfter?: { chars?: number; ms?: number };
  /** After commit: `"error"` (default) throws with `partial`; `"restart"`; `"continue"`. */
  midStream?: MidStreamMode;
  /** The instruction sent with `midStream: "continue"`. */
  continueInstruction?: string;
  /**
   * If the current attempt has no first chunk after this long, start the next member too; the
   * first to yield wins and the other is aborted (not counted as a failure).
   */
  hedgeAfterMs?: number;
  /**
   * Whether to fall back after `error`. Default {@link defaultShouldFallback}. Never consulted
   * for `AbortedError` (a cancel never falls back).
   */
  shouldFallback?: (error: unknown, context: FallbackContext) => boolean;
  /** Receives every {@link OrchestratorEvent}. */
  onEvent?: EventListener;
}

/** What the chain's final `done` chunk carries under `orchestrator`. */
export interface ChainReport {
  /** The member that served the answer. */
  servedBy: AdapterRef;
  /** Attempts made in the request, the serving one included. */
  attempts: number;
  /** Every failed attempt, in order. */
  failures: AttemptFailure[];
  /** Usage of the serving attempt. */
  servedUsage: Usage | undefined;
  /** Usage reported by abandoned attempts (summed), when any reported it. */
  abandonedUsage: Usage | undefined;
  /** Whether earlier output was discarded with a `reset` chunk or continued. */
  recovered: "none" | "restart" | "continue";
}
