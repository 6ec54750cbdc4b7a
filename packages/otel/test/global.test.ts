import { metrics, trace } from "@opentelemetry/api";
import { createMockAdapter, textSteps } from "@x/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { instrument } from "../src/index.js";
import { requestStore } from "../src/request-state.js";
import { createHarness, drain, histogramPoints } from "./harness.js";

afterEach(() => {
  trace.disable();
  metrics.disable();
});

describe("with no SDK registered", () => {
  it("passes every chunk through unchanged and enters no AsyncLocalStorage", async () => {
    const adapter = createMockAdapter({
      script: [...textSteps("a b c"), { type: "done", usage: { inputTokens: 1 } }],
    });
    const expected = await drain(adapter.stream([]));
    let storeSeen = false;
    const probe = createMockAdapter({
      script: () => {
        storeSeen ||= requestStore.getStore() !== undefined;
        return [...textSteps("a b c"), { type: "done", usage: { inputTokens: 1 } }];
      },
    });
    const chunks = await drain(instrument(probe).stream([]));
    expect(chunks).toEqual(expected);
    expect(storeSeen).toBe(false);
  });
});

describe("the global providers", () => {
  it("are followed when the application registers them after instrument()", async () => {
    const traced = instrument(
      createMockAdapter({ script: [...textSteps("hi"), { type: "done" }] }),
    );
    const harness = createHarness();
    try {
      trace.setGlobalTracerProvider(harness.tracerProvider);
      metrics.setGlobalMeterProvider(harness.meterProvider);
      await drain(traced.stream([]));
      const span = harness.span("chat mock-model");
      expect(span.instrumentationScope.name).toBe("@x/otel");
      const duration = (await harness.metrics()).get("gen_ai.client.operation.duration");
      expect(histogramPoints(duration)[0]?.value.count).toBe(1);
    } finally {
      await harness.shutdown();
    }
  });

  it("record metrics when only a MeterProvider is registered", async () => {
    const traced = instrument(
      createMockAdapter({ script: [...textSteps("hi"), { type: "done" }] }),
    );
    const harness = createHarness();
    try {
      metrics.setGlobalMeterProvider(harness.meterProvider);
      await drain(traced.stream([]));
      expect(harness.spans()).toEqual([]);
      const duration = (await harness.metrics()).get("gen_ai.client.operation.duration");
      expect(histogramPoints(duration)[0]?.value.count).toBe(1);
    } finally {
      await harness.shutdown();
    }
  });
});
