// The chain events this package reads, as structural types: the shapes `@x/orchestrator` emits
// through its `onEvent` option (see its events.ts), without importing it. Only the fields read
// here are listed; `test/chain-events.test-d.ts` checks that the orchestrator's events fit them.

/** How chain events name a member (the orchestrator's `AdapterRef`). */
export interface ChainMemberRef {
  /** The member's `provider`. */
  readonly provider: string;
  /** The member's `model`. */
  readonly model: string;
  /** Position of the member in its chain (0-based). */
  readonly index: number;
}

/** An attempt on a member started (first try, hedge, or fallback target). */
export interface ChainAttemptEvent {
  readonly type: "attempt";
  readonly adapter: ChainMemberRef;
  /** 1-based number of the attempt within the request. */
  readonly attempt: number;
  /** Whether it was started as a hedge. */
  readonly hedged: boolean;
}

/** A member's try failed before its first chunk and is retried after `delayMs`. */
export interface ChainRetryEvent {
  readonly type: "retry";
  readonly adapter: ChainMemberRef;
  readonly error: unknown;
  readonly stage: string;
  /** 1-based number of the retry about to happen. */
  readonly retry: number;
  readonly delayMs: number;
}

/** The chain moves on from `adapter` to the next member. */
export interface ChainFallbackEvent {
  readonly type: "fallback";
  readonly adapter: ChainMemberRef;
  readonly error: unknown;
  readonly stage: string;
  /** Whether output of `adapter` had been shown to the consumer. */
  readonly afterCommit: boolean;
}

/** `adapter` was started as a hedge of `primary`. */
export interface ChainHedgeEvent {
  readonly type: "hedge";
  readonly adapter: ChainMemberRef;
  readonly primary: ChainMemberRef;
}

/** `adapter` was not tried (missing capability, open breaker). */
export interface ChainSkipEvent {
  readonly type: "skip";
  readonly adapter: ChainMemberRef;
  readonly reason: string;
  readonly missing?: readonly string[];
}

/** The breaker of `adapter` opened. */
export interface ChainBreakerOpenEvent {
  readonly type: "breaker-open";
  readonly adapter: ChainMemberRef;
  readonly error: unknown;
  readonly failures: number;
  readonly cooldownMs: number;
}

/** The breaker of `adapter` admits one trial request. */
export interface ChainBreakerHalfOpenEvent {
  readonly type: "breaker-half-open";
  readonly adapter: ChainMemberRef;
}

/** The breaker of `adapter` closed after a successful trial. */
export interface ChainBreakerCloseEvent {
  readonly type: "breaker-close";
  readonly adapter: ChainMemberRef;
}

/** The request was served by `adapter`. */
export interface ChainSuccessEvent {
  readonly type: "success";
  readonly adapter: ChainMemberRef;
  /** Attempts made in the request, the serving one included. */
  readonly attempts: number;
}

/** One attempt on `adapter` failed. */
export interface ChainFailureEvent {
  readonly type: "failure";
  readonly adapter: ChainMemberRef;
  readonly error: unknown;
  readonly stage: string;
}

/** Every chain event this package records. */
export type ChainEvent =
  | ChainAttemptEvent
  | ChainRetryEvent
  | ChainFallbackEvent
  | ChainHedgeEvent
  | ChainSkipEvent
  | ChainBreakerOpenEvent
  | ChainBreakerHalfOpenEvent
  | ChainBreakerCloseEvent
  | ChainSuccessEvent
  | ChainFailureEvent;

/**
 * What {@link ChainTracing.onEvent} accepts: any event with a `type`, so that event types a newer
 * orchestrator adds still type-check (they are passed on, not recorded).
 */
export interface AnyChainEvent {
  readonly type: string;
}
