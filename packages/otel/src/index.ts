// @x/otel: OpenTelemetry GenAI spans and metrics for any @x/core adapter, fallback chain or pool.

export type {
  AnyChainEvent,
  ChainAttemptEvent,
  ChainBreakerCloseEvent,
  ChainBreakerHalfOpenEvent,
  ChainBreakerOpenEvent,
  ChainEvent,
  ChainFailureEvent,
  ChainFallbackEvent,
  ChainHedgeEvent,
  ChainMemberRef,
  ChainRetryEvent,
  ChainSkipEvent,
  ChainSuccessEvent,
} from "./chain-events.js";
export { type ChainTracing, createChainTracing } from "./chain-tracing.js";
export { instrument } from "./instrument.js";
export type { InstrumentOptions } from "./options.js";
