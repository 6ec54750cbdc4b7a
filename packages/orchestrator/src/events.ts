import type { Usage } from "@x/core";
import type { AdapterRef, AttemptStage } from "./errors.js";

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
  /** How long it stays open. */
  cooldownMs: number;
}

/** The breaker of `adapter` admits one trial request. */
export interface BreakerHalfOpenEvent {
  type: "breaker-half-open";
  adapter: AdapterRef;
}

/** The breaker of `adapter` closed after a successful trial. */
export interface BreakerCloseEvent {
  type: "breaker-close";
  adapter: AdapterRef;
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

/** Everything `onEvent` receives. */
export type OrchestratorEvent =
  | AttemptEvent
  | RetryEvent
  | FallbackEvent
  | HedgeEvent
  | SkipEvent
  | BreakerOpenEvent
  | BreakerHalfOpenEvent
  | BreakerCloseEvent
  | SuccessEvent
  | FailureEvent;

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
