export { type BackoffOptions, backoffDelay } from "./backoff.js";
export type {
  ChainMember,
  ChainMemberOptions,
  ChainReport,
  FallbackChainOptions,
  FallbackContext,
  MidStreamMode,
} from "./chain-options.js";
export type { ChainDoneChunk } from "./chain-request.js";
export {
  CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitPermit,
  type CircuitState,
  defaultIsFailure,
} from "./circuit-breaker.js";
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
  AttemptEvent,
  BreakerCloseEvent,
  BreakerHalfOpenEvent,
  BreakerOpenEvent,
  CapabilityName,
  EventListener,
  FailureEvent,
  FallbackEvent,
  HedgeEvent,
  OrchestratorEvent,
  RetryEvent,
  SkipEvent,
  SuccessEvent,
} from "./events.js";
export { defaultShouldFallback } from "./fallback-policy.js";
export type { ModelsOfAdapter } from "./list-models.js";
export { DEFAULT_CONTINUE_INSTRUCTION } from "./partial.js";
export { getChainReport } from "./report.js";
export {
  type CircuitBreakerAdapter,
  type CircuitBreakerPolicy,
  withCircuitBreaker,
} from "./with-circuit-breaker.js";
export { defaultShouldRetry, type RetryPolicy, withRetry } from "./with-retry.js";
export { type TimeoutPolicy, withTimeouts } from "./with-timeouts.js";
