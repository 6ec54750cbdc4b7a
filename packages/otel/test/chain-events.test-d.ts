import type {
  AttemptEvent,
  BreakerCloseEvent,
  BreakerHalfOpenEvent,
  BreakerOpenEvent,
  FailureEvent,
  FallbackChainOptions,
  FallbackEvent,
  HedgeEvent,
  OrchestratorEvent,
  RetryEvent,
  SkipEvent,
  SuccessEvent,
} from "@x/orchestrator";
import { describe, expectTypeOf, it } from "vitest";
import type {
  AnyChainEvent,
  ChainAttemptEvent,
  ChainBreakerCloseEvent,
  ChainBreakerHalfOpenEvent,
  ChainBreakerOpenEvent,
  ChainFailureEvent,
  ChainFallbackEvent,
  ChainHedgeEvent,
  ChainRetryEvent,
  ChainSkipEvent,
  ChainSuccessEvent,
  ChainTracing,
  InstrumentOptions,
} from "../src/index.js";

/** True only for `any`. */
type IsAny<T> = 0 extends 1 & T ? true : false;
/** `true` when some property of `T` (one level deep) is `any`. */
type HasAnyField<T> = true extends { [K in keyof T]-?: IsAny<T[K]> }[keyof T] ? true : false;

describe("the orchestrator's events fit the shapes @x/otel reads", () => {
  it("event by event", () => {
    expectTypeOf<AttemptEvent>().toExtend<ChainAttemptEvent>();
    expectTypeOf<RetryEvent>().toExtend<ChainRetryEvent>();
    expectTypeOf<FallbackEvent>().toExtend<ChainFallbackEvent>();
    expectTypeOf<HedgeEvent>().toExtend<ChainHedgeEvent>();
    expectTypeOf<SkipEvent>().toExtend<ChainSkipEvent>();
    expectTypeOf<BreakerOpenEvent>().toExtend<ChainBreakerOpenEvent>();
    expectTypeOf<BreakerHalfOpenEvent>().toExtend<ChainBreakerHalfOpenEvent>();
    expectTypeOf<BreakerCloseEvent>().toExtend<ChainBreakerCloseEvent>();
    expectTypeOf<SuccessEvent>().toExtend<ChainSuccessEvent>();
    expectTypeOf<FailureEvent>().toExtend<ChainFailureEvent>();
    expectTypeOf<OrchestratorEvent>().toExtend<AnyChainEvent>();
  });

  it("tracing.onEvent is accepted as a chain's onEvent", () => {
    expectTypeOf<ChainTracing["onEvent"]>().toExtend<
      NonNullable<FallbackChainOptions["onEvent"]>
    >();
  });

  it("no `any` in the public option and tracing types", () => {
    expectTypeOf<HasAnyField<InstrumentOptions>>().toEqualTypeOf<false>();
    expectTypeOf<HasAnyField<ChainTracing>>().toEqualTypeOf<false>();
  });
});
