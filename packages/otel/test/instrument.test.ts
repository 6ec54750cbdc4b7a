import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  ParentBasedSampler,
  type Sampler,
  SamplingDecision,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import type { AIAdapter, StreamChunk } from "@x/core";
import { createMockAdapter, textSteps } from "@x/core/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { instrument } from "../src/index.js";
import { SECONDS_BUCKETS, TOKEN_BUCKETS } from "../src/semconv.js";
import {
  createHarness,
  drain,
  failureOf,
  type Harness,
  histogramPoints,
  parentIdOf,
  spanText,
} from "./harness.js";

let harness: Harness;
beforeEach(() => {
  harness = createHarness();
});
afterEach(async () => {
  await harness.shutdown();
});

const messages = [{ role: "user" as const, content: "Say hello" }];

/** A mock adapter that exposes a `baseUrl` with credentials, as a careless third party might. */
function mockWithBaseUrl(script: Parameters<typeof createMockAdapter>[0]["script"]): AIAdapter {
  const mock = createMockAdapter({ provider: "acme", model: "acme-1", script });
  return Object.assign(mock, {
    baseUrl: "https://user:hunter2pass@api.acme.test:8443/v1?api_key=sk-querykey1234567890",
  });
}

describe("instrument(): a plain stream", () => {
  it("records one CLIENT span `chat {model}` with the GenAI attributes", async () => {
    const adapter = mockWithBaseUrl([
      { type: "delay", ms: 50 },
      ...textSteps("Hello there"),
      { type: "done", model: "acme-1-0613", usage: { inputTokens: 11, outputTokens: 7 } },
    ]);
    const traced = instrument(adapter, { tracer: harness.tracer, meter: harness.meter });
    const chunks = await drain(
      traced.stream(messages, {
        maxTokens: 64,
        temperature: 0.2,
        topP: 0.9,
        stop: ["\n\n"],
        seed: 7,
        responseFormat: "json",
      }),
    );
    expect(chunks.map((c) => c.type)).toEqual(["content", "content", "done"]);

    const span = harness.span("chat acme-1");
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "acme",
      "gen_ai.request.model": "acme-1",
      "gen_ai.request.max_tokens": 64,
      "gen_ai.request.temperature": 0.2,
      "gen_ai.request.top_p": 0.9,
      "gen_ai.request.stop_sequences": ["\n\n"],
      "gen_ai.request.seed": 7,
      "gen_ai.request.stream": true,
      "gen_ai.output.type": "json",
      "gen_ai.response.model": "acme-1-0613",
      "gen_ai.response.finish_reasons": ["stop"],
      "gen_ai.usage.input_tokens": 11,
      "gen_ai.usage.output_tokens": 7,
      "server.address": "api.acme.test",
      "server.port": 8443,
      "x.outcome": "success",
    });
    expect(span.attributes["error.type"]).toBeUndefined();
    // Seconds, not milliseconds: the first chunk came after a 50 ms delay.
    const ttfc = span.attributes["gen_ai.response.time_to_first_chunk"] as number;
    expect(ttfc).toBeGreaterThanOrEqual(0.04);
    expect(ttfc).toBeLessThan(5);
    // The base URL's userinfo and query never reach a span.
    expect(spanText(span)).not.toMatch(/hunter2pass|user|sk-querykey|api_key/);
  });

  it("leaves out request parameters that are not set", async () => {
    const adapter = createMockAdapter({ script: [...textSteps("ok"), { type: "done" }] });
    await drain(instrument(adapter, { tracer: harness.tracer }).stream(messages));
    const attributes = harness.span("chat mock-model").attributes;
    for (const key of [
      "gen_ai.request.max_tokens",
      "gen_ai.request.temperature",
      "gen_ai.request.top_p",
      "gen_ai.request.stop_sequences",
      "gen_ai.request.seed",
      "gen_ai.output.type",
      "gen_ai.usage.input_tokens",
      "server.address",
    ]) {
      expect(attributes[key], key).toBeUndefined();
    }
  });

  it("maps the finish reason to the conventions' values", async () => {
    const adapter = createMockAdapter({
      script: [
        { type: "tool_calls", toolCalls: [{ id: "c1", name: "now", arguments: {} }] },
        { type: "done" },
      ],
    });
    await drain(instrument(adapter, { tracer: harness.tracer }).stream(messages));
    expect(harness.span("chat mock-model").attributes["gen_ai.response.finish_reasons"]).toEqual([
      "tool_call",
    ]);
  });

  it("records the GenAI client metrics with their names, units, buckets and attributes", async () => {
    const adapter = mockWithBaseUrl([
      ...textSteps("Hi"),
      { type: "done", model: "acme-1-0613", usage: { inputTokens: 11, outputTokens: 7 } },
    ]);
    const traced = instrument(adapter, { tracer: harness.tracer, meter: harness.meter });
    await drain(traced.stream(messages));
    await drain(traced.stream(messages));
    const metrics = await harness.metrics();

    const duration = metrics.get("gen_ai.client.operation.duration");
    expect(duration?.descriptor.unit).toBe("s");
    const [point, ...others] = histogramPoints(duration);
    expect(others).toEqual([]);
    expect(point?.value.count).toBe(2);
    expect(point?.value.buckets.boundaries).toEqual(SECONDS_BUCKETS);
    expect(point?.attributes).toEqual({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "acme",
      "gen_ai.request.model": "acme-1",
      "gen_ai.response.model": "acme-1-0613",
      "server.address": "api.acme.test",
      "server.port": 8443,
    });

    const firstChunk = metrics.get("gen_ai.client.operation.time_to_first_chunk");
    expect(firstChunk?.descriptor.unit).toBe("s");
    expect(histogramPoints(firstChunk)[0]?.value.count).toBe(2);

    const tokens = metrics.get("gen_ai.client.token.usage");
    expect(tokens?.descriptor.unit).toBe("{token}");
    const byType = new Map(
      histogramPoints(tokens).map((p) => [p.attributes["gen_ai.token.type"], p.value]),
    );
    expect(byType.get("input")?.sum).toBe(22);
    expect(byType.get("output")?.sum).toBe(14);
    expect(byType.get("input")?.buckets.boundaries).toEqual(TOKEN_BUCKETS);
  });

  it("records no metrics with `metrics: false`", async () => {
    const adapter = createMockAdapter({ script: [...textSteps("ok"), { type: "done" }] });
    const traced = instrument(adapter, {
      tracer: harness.tracer,
      meter: harness.meter,
      metrics: false,
    });
    await drain(traced.stream(messages));
    expect((await harness.metrics()).size).toBe(0);
    expect(harness.spans()).toHaveLength(1);
  });
});

describe("instrument(): failures, aborts and early stops", () => {
  class VendorError extends Error {
    override name = "VendorError";
  }

  it("marks a failure: status ERROR, error.type, exception event; the error passes through", async () => {
    const thrown = new VendorError("upstream said no");
    const adapter = createMockAdapter({
      script: [...textSteps("partial"), { type: "error", error: thrown }],
    });
    const traced = instrument(adapter, { tracer: harness.tracer, meter: harness.meter });
    expect(await failureOf(traced.stream(messages))).toBe(thrown);

    const span = harness.span("chat mock-model");
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: "upstream said no" });
    expect(span.attributes).toMatchObject({
      "error.type": "VendorError",
      "x.outcome": "error",
      "gen_ai.response.finish_reasons": ["error"],
    });
    expect(span.events.map((e) => e.name)).toContain("exception");

    const [point] = histogramPoints(
      (await harness.metrics()).get("gen_ai.client.operation.duration"),
    );
    expect(point?.attributes["error.type"]).toBe("VendorError");
  });

  it("never lets an API key in an error message reach a span", async () => {
    const key = "sk-proj-abcdefghijklmnopqrstuvwxyz0123";
    const custom = "acme-secret-7f3a9c2e";
    const adapter = createMockAdapter({
      script: [
        {
          type: "error",
          error: new VendorError(
            `401 for ${key} (Authorization: Bearer ${key}), tenant key ${custom}`,
          ),
        },
      ],
    });
    const traced = instrument(adapter, { tracer: harness.tracer, secrets: [custom] });
    await failureOf(traced.stream(messages));
    const text = spanText(harness.span("chat mock-model"));
    expect(text).not.toContain(key);
    expect(text).not.toContain(custom);
    expect(text).not.toContain("abcdefghijklmnop");
    expect(text).toContain("[REDACTED]");
  });

  it("an abort by the caller is not an error: status unset, no error.type, no duration", async () => {
    const controller = new AbortController();
    const adapter = createMockAdapter({ script: [...textSteps("first"), { type: "hang" }] });
    const traced = instrument(adapter, { tracer: harness.tracer, meter: harness.meter });
    const stream = traced.stream(messages, { signal: controller.signal });
    let error: unknown;
    try {
      for await (const chunk of stream) {
        if (chunk.type === "content") controller.abort();
      }
    } catch (caught) {
      error = caught;
    }
    expect((error as { code?: string }).code).toBe("aborted");

    const span = harness.span("chat mock-model");
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.attributes["error.type"]).toBeUndefined();
    expect(span.attributes["x.outcome"]).toBe("aborted");
    expect(span.events.map((e) => e.name)).not.toContain("exception");

    const metrics = await harness.metrics();
    expect(histogramPoints(metrics.get("gen_ai.client.operation.duration"))).toEqual([]);
    expect(
      histogramPoints(metrics.get("gen_ai.client.operation.time_to_first_chunk")),
    ).toHaveLength(1);
  });

  it("a consumer that stops early ends the span as cancelled and closes the inner stream", async () => {
    const adapter = createMockAdapter({
      script: [...textSteps("one two three"), { type: "done" }],
    });
    const traced = instrument(adapter, { tracer: harness.tracer });
    for await (const chunk of traced.stream(messages)) {
      if (chunk.type === "content") break;
    }
    expect(adapter.openStreams).toBe(0);
    expect(adapter.calls[0]?.outcome).toBe("cancelled");
    const span = harness.span("chat mock-model");
    expect(span.attributes["x.outcome"]).toBe("cancelled");
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it("a consumer that stops right after `done` still records a success", async () => {
    const adapter = createMockAdapter({ script: [...textSteps("ok"), { type: "done" }] });
    const traced = instrument(adapter, { tracer: harness.tracer });
    for await (const chunk of traced.stream(messages)) {
      if (chunk.type === "done") break;
    }
    expect(harness.span("chat mock-model").attributes["x.outcome"]).toBe("success");
    expect(adapter.openStreams).toBe(0);
  });

  it("records nothing for a stream that is never iterated", async () => {
    const adapter = createMockAdapter({ script: [{ type: "done" }] });
    instrument(adapter, { tracer: harness.tracer }).stream(messages);
    expect(harness.spans()).toEqual([]);
  });
});

describe("instrument(): resets, nesting and pass-through", () => {
  /** An adapter that yields a reset (as a chain with `midStream: "restart"` does). */
  const restarting: AIAdapter = {
    provider: "custom",
    model: "custom-1",
    capabilities: { tools: false, thinking: false, images: false, jsonSchema: false, usage: true },
    async *stream(): AsyncGenerator<StreamChunk> {
      yield { type: "content", content: "Bonj" };
      yield {
        type: "reset",
        reason: "primary failed with key sk-abcdefghijklmnopqrstu",
        provider: "b",
      };
      yield { type: "content", content: "Hello" };
      yield { type: "done", finishReason: "stop", model: "b-1", provider: "b" };
    },
    healthCheck: async () => true,
    listModels: async () => ["custom-1"],
  };

  it("turns a reset chunk into a span event with a redacted reason", async () => {
    await drain(instrument(restarting, { tracer: harness.tracer }).stream(messages));
    const span = harness.span("chat custom-1");
    const reset = span.events.find((e) => e.name === "x.reset");
    expect(reset?.attributes).toEqual({
      "x.reset.reason": "primary failed with key [REDACTED]",
      "gen_ai.provider.name": "b",
    });
    // The provider that served is the one the done chunk names.
    expect(span.attributes["gen_ai.provider.name"]).toBe("b");
  });

  it("parents an instrumented adapter's span under the instrumented adapter that calls it", async () => {
    const inner = instrument(
      createMockAdapter({ script: [...textSteps("hi"), { type: "done" }] }),
      {
        tracer: harness.tracer,
      },
    );
    const wrapper: AIAdapter = {
      ...restarting,
      model: "wrapper",
      stream: (m, o) => inner.stream(m, o),
    };
    await drain(instrument(wrapper, { tracer: harness.tracer }).stream(messages));
    const outer = harness.span("chat wrapper");
    const nested = harness.span("chat mock-model");
    expect(parentIdOf(nested)).toBe(outer.spanContext().spanId);
    expect(nested.spanContext().traceId).toBe(outer.spanContext().traceId);
  });

  it("a sampled-out span keeps what runs inside it out of the trace too", async () => {
    const exporter = new InMemorySpanExporter();
    const dropWrapper: Sampler = {
      shouldSample: (_context, _traceId, name) => ({
        decision:
          name === "chat wrapper"
            ? SamplingDecision.NOT_RECORD
            : SamplingDecision.RECORD_AND_SAMPLED,
      }),
    };
    const provider = new BasicTracerProvider({
      sampler: new ParentBasedSampler({ root: dropWrapper }),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const tracer = provider.getTracer("sampling");
    const inner = instrument(
      createMockAdapter({ script: [...textSteps("hi"), { type: "done" }] }),
      {
        tracer,
      },
    );
    const wrapper: AIAdapter = {
      ...restarting,
      model: "wrapper",
      stream: (m, o) => inner.stream(m, o),
    };
    await drain(instrument(wrapper, { tracer }).stream(messages));
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual([]);
    await provider.shutdown();
  });

  it("passes healthCheck, listModels and close through, and traces them on request", async () => {
    let closed = 0;
    const adapter: AIAdapter = {
      ...createMockAdapter({ script: [{ type: "done" }], models: ["a", "b"] }),
      close: async () => {
        closed++;
      },
    };
    const plain = instrument(adapter, { tracer: harness.tracer });
    expect(await plain.healthCheck()).toBe(true);
    expect(await plain.listModels()).toEqual(["a", "b"]);
    await plain.close?.();
    expect(closed).toBe(1);
    expect(harness.spans()).toEqual([]);

    const traced = instrument(adapter, { tracer: harness.tracer, traceHealthAndModels: true });
    expect(await traced.healthCheck()).toBe(true);
    expect(await traced.listModels()).toEqual(["a", "b"]);
    const health = harness.span("health_check mock");
    expect(health.attributes["x.health.ok"]).toBe(true);
    expect(health.attributes["gen_ai.operation.name"]).toBeUndefined();
    expect(harness.span("list_models mock").status.code).toBe(SpanStatusCode.UNSET);
  });
});
