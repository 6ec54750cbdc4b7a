export type {
  ChainMember,
  ChainMemberOptions,
  ChainReport,
  FallbackChainOptions,
  FallbackContext,
  MemberBreakerOptions,
  MidStreamMode,
} from "./chain/chain-options.js";
export { DEFAULT_CONTINUE_INSTRUCTION } from "./chain/continuation.js";
export { CHAIN_DEFAULTS } from "./chain/member.js";
export type { ChainDoneChunk } from "./chain/request-log.js";
export { createFallbackChain, type FallbackChain } from "./create-fallback-chain.js";
export {
  type AdapterRef,
  AllAdaptersFailedError,
  type AllAdaptersFailedErrorOptions,
  type AttemptFailure,
  type AttemptStage,
  CircuitOpenError,
} from "./errors.js";
export type {
  AbortEvent,
  AttemptEvent,
  BreakerCloseEvent,
  BreakerHalfOpenEvent,
  BreakerOpenEvent,
  BreakerProbeEvent,
  CapabilityName,
  EventListener,
  FailureEvent,
  FallbackEvent,
  HedgeEvent,
  OrchestratorEvent,
  ReplicaServedEvent,
  RetryEvent,
  SkipEvent,
  StoreRecoveredEvent,
  StoreUnavailableEvent,
  SuccessEvent,
} from "./events.js";
export type { ModelsOfAdapter } from "./list-models.js";
export { type BackoffOptions, backoffDelay } from "./policies/backoff.js";
export {
  BREAKER_DEFAULTS,
  CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitPermit,
  type CircuitState,
  type HealthProbe,
} from "./policies/circuit-breaker.js";
export {
  defaultIsFailure,
  defaultShouldFallback,
  isCallerError,
} from "./policies/fallback-policy.js";
export { defaultShouldRetry, RETRY_DEFAULTS, type RetryPolicy } from "./policies/retry-policy.js";
export {
  type CircuitBreakerAdapter,
  type CircuitBreakerPolicy,
  withCircuitBreaker,
} from "./policies/with-circuit-breaker.js";
export { withRetry } from "./policies/with-retry.js";
export { type TimeoutPolicy, withTimeouts } from "./policies/with-timeouts.js";
export { createPool, type ReplicaPool } from "./pool/create-pool.js";
export {
  POOL_DEFAULTS,
  type PoolOptions,
  type PoolReplica,
  type PoolStrategy,
  type ReplicaStatus,
} from "./pool/pool-options.js";
export { getChainReport } from "./report.js";
export {
  type BreakerStore,
  type SharedBreakerState,
  STORE_DEFAULTS,
} from "./store/breaker-store.js";
export { defaultMemberId } from "./store/member-id.js";
export { createMemoryStore } from "./store/memory-store.js";
