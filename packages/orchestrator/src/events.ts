import type { PartialOutput, Usage } from "@x/core";
import type { AdapterRef, AttemptStage } from "./errors.js";
import type { PoolStrategy } from "./pool/pool-options.js";

/** A capability a request can need. */
export type CapabilityName = "tools" | "images" | "jsonSchema" | "thinking";

/** An attempt on a member started (first try, hedge, or fallback target). */
export interface AttemptEvent {
  type: "attempt";
  adapter: AdapterRef;
  /** 1-based number of this attempt within the request (retries inside a member excluded). */
  attempt: number;
  /** True when this attempt was started as a hedge. */
  hedged: boolean;
  /** Milliseconds since the request started. */
  elapsedMs: number;
}

/** A member's try failed before its first chunk and will be retried after `delayMs`. */
export interface RetryEvent {
  type: "retry";
  adapter: AdapterRef;
  error: unknown;
  stage: AttemptStage;
  /** 1-based number of the retry about to happen. */
  retry: number;
  /** The backoff before it. */
  delayMs: number;
  /** How long the failed try ran. */
  durationMs: number;
  /**
   * `"prefill-rejected"`: the member refused the assistant prefill of `midStream: "continue"`
   * and is asked again without it (no wait, not counted as a retry).
   */
  reason?: "prefill-rejected";
}

/** The chain gives up on `adapter` for this request and moves to the next member. */
export interface FallbackEvent {
  type: "fallback";
  adapter: AdapterRef;
  error: unknown;
  stage: AttemptStage;
  /** True when output from `adapter` had already been yielded to the consumer. */
  afterCommit: boolean;
  elapsedMs: number;
  /** After commit: how the next member's answer relates to the shown one. */
  recovery?: "restart" | "continue";
}

/** `adapter` was started as a hedge because `primary` had no first chunk after `hedgeAfterMs`. */
export interface HedgeEvent {
  type: "hedge";
  adapter: AdapterRef;
  primary: AdapterRef;
  elapsedMs: number;
}

/** `adapter` was not tried: it lacks a capability the request needs, or its breaker is open. */
export interface SkipEvent {
  type: "skip";
  adapter: AdapterRef;
  reason: "capability" | "circuit-open";
  /** The missing capabilities (reason `capability`). */
  missing?: CapabilityName[];
  elapsedMs: number;
}

/** The breaker of `adapter` opened (or re-opened after a failed trial). */
export interface BreakerOpenEvent {
  type: "breaker-open";
  adapter: AdapterRef;
  /** The failure that tripped it. */
  error: unknown;
  /** Consecutive failures counted. */
  failures: number;
  /** How long it stays open before the next probe or trial. */
  cooldownMs: number;
  /** The rule that opened it. */
  mode?: "rate" | "consecutive";
  /** Rate mode: tries started and failed in the window when it opened. */
  window?: { started: number; failed: number };
  /**
   * `"store"`: another process opened it (read from the chain's `store`); `error` is then
   * undefined and `cooldownMs` is what was left of that process's cooldown. Absent: opened here.
   */
  source?: "store";
}

/** An open breaker asked the member's `healthCheck()` whether it is back. */
export interface BreakerProbeEvent {
  type: "breaker-probe";
  adapter: AdapterRef;
  /** Its answer (a throw or a timeout is `false`). */
  healthy: boolean;
  durationMs: number;
}

/** The breaker of `adapter` admits one trial request (after its cooldown, or a healthy probe). */
export interface BreakerHalfOpenEvent {
  type: "breaker-half-open";
  adapter: AdapterRef;
}

/** The breaker of `adapter` closed: its trial produced a first chunk. */
export interface BreakerCloseEvent {
  type: "breaker-close";
  adapter: AdapterRef;
  /** `"store"`: another process's trial closed it (read from the chain's `store`). */
  source?: "store";
}

/**
 * The chain's `store` failed or did not answer within its `timeoutMs` for this member (once per
 * outage). The member's breaker goes on on this process's own state; the store is asked again
 * after `retryInMs` (backing off up to 5 s).
 */
export interface StoreUnavailableEvent {
  type: "store-unavailable";
  adapter: AdapterRef;
  /** The member's key in the store. */
  id: string;
  /** The call that failed. */
  operation: "get" | "open" | "close";
  error: unknown;
  retryInMs: number;
}

/** The chain's `store` answered again for this member after `store-unavailable`. */
export interface StoreRecoveredEvent {
  type: "store-recovered";
  adapter: AdapterRef;
  /** The member's key in the store. */
  id: string;
  /** How long it was unavailable. */
  downMs: number;
}

/**
 * A pool's request was served by the replica `adapter` (after `success`): which host, how the
 * strategy ranked it for this request, and what the pool knew of it when the request began.
 */
export interface ReplicaServedEvent {
  type: "replica-served";
  adapter: AdapterRef;
  /** The replica's id (its provider, model and base URL unless named). */
  id: string;
  /** The pool's strategy. */
  strategy: PoolStrategy;
  /** 1 when the strategy's first choice served; more when earlier choices failed or were skipped. */
  rank: number;
  /** Its open streams when the request began. */
  inFlight: number;
  /** Its recent time to first chunk (EWMA), when known. */
  firstChunkMs: number | undefined;
  /** Whether the model was loaded on it (Ollama's `/api/ps`); undefined when unknown. */
  loaded: boolean | undefined;
}

/** The request was served by `adapter`. */
export interface SuccessEvent {
  type: "success";
  adapter: AdapterRef;
  /** Duration of the serving attempt. */
  durationMs: number;
  /** Milliseconds since the request started. */
  elapsedMs: number;
  /** Attempts made in this request, the serving one included. */
  attempts: number;
  /** Usage summed over all attempts. */
  usage: Usage | undefined;
}

/** One attempt on `adapter` failed (the chain then falls back, throws, or gives up). */
export interface FailureEvent {
  type: "failure";
  adapter: AdapterRef;
  error: unknown;
  stage: AttemptStage;
  durationMs: number;
  elapsedMs: number;
}

/**
 * The caller cancelled the request (its signal fired). Not a failure: no breaker counts it and
 * no member is tried after it. Carries what the consumer had been shown and the usage known.
 */
export interface AbortEvent {
  type: "abort";
  /** The member that was running, if any. */
  adapter: AdapterRef | undefined;
  /** What the consumer had been shown (since the last `reset`). */
  partial: PartialOutput;
  /** Usage known so far (reported by attempts that ended before the cancel). */
  usage: Usage | undefined;
  elapsedMs: number;
}

/** Everything `onEvent` receives. */
export type OrchestratorEvent =
  | AttemptEvent
  | RetryEvent
  | FallbackEvent
  | HedgeEvent
  | SkipEvent
  | BreakerOpenEvent
  | BreakerProbeEvent
  | BreakerHalfOpenEvent
  | BreakerCloseEvent
  | SuccessEvent
  | FailureEvent
  | AbortEvent
  | StoreUnavailableEvent
  | StoreRecoveredEvent
  | ReplicaServedEvent;

/** Receives {@link OrchestratorEvent}s. Exceptions it throws are swallowed. */
export type EventListener = (event: OrchestratorEvent) => void;

/** Calls `listener` without letting its exceptions break the stream. */
export function emit(listener: EventListener | undefined, event: OrchestratorEvent): void {
  if (!listener) return;
  try {
    listener(event);
  } catch {
    // A broken listener must never break or reroute the stream it observes.
  }
}

/** A short {@link AdapterRef} for an adapter used on its own (index 0). */
export function refOf(adapter: { provider: string; model: string }, index = 0): AdapterRef {
  return { provider: adapter.provider, model: adapter.model, index };
}
