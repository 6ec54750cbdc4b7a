import type { Attributes, Meter, Tracer } from "@opentelemetry/api";
import {
  type DataPoint,
  type Histogram,
  MeterProvider,
  type MetricData,
  MetricReader,
} from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import type { StreamChunk } from "@x/core";

/** A reader the test collects from on demand: no timer. */
class CollectingReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

/** A tracer and a meter backed by the real SDKs, recording in memory. */
export interface Harness {
  tracer: Tracer;
  meter: Meter;
  tracerProvider: BasicTracerProvider;
  meterProvider: MeterProvider;
  /** Finished spans, in end order. */
  spans(): ReadableSpan[];
  /** The one finished span named `name` (throws when there are none or several). */
  span(name: string): ReadableSpan;
  /** Every metric collected so far, by name. */
  metrics(): Promise<Map<string, MetricData>>;
  shutdown(): Promise<void>;
}

export function createHarness(): Harness {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const reader = new CollectingReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    tracer: tracerProvider.getTracer("test"),
    meter: meterProvider.getMeter("test"),
    tracerProvider,
    meterProvider,
    spans: () => exporter.getFinishedSpans(),
    span(name) {
      const found = exporter.getFinishedSpans().filter((s) => s.name === name);
      if (found.length !== 1) throw new Error(`expected one span "${name}", found ${found.length}`);
      return found[0]!;
    },
    async metrics() {
      const { resourceMetrics } = await reader.collect();
      const out = new Map<string, MetricData>();
      for (const scope of resourceMetrics.scopeMetrics) {
        for (const metric of scope.metrics) out.set(metric.descriptor.name, metric);
      }
      return out;
    },
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

/** Reads `stream` to its end. */
export async function drain(stream: AsyncIterable<StreamChunk>): Promise<StreamChunk[]> {
  const out: StreamChunk[] = [];
  for await (const chunk of stream) out.push(chunk);
  return out;
}

/** Reads `stream` and returns what it threw. */
export async function failureOf(stream: AsyncIterable<StreamChunk>): Promise<unknown> {
  try {
    await drain(stream);
  } catch (error) {
    return error;
  }
  throw new Error("the stream did not fail");
}

/** The histogram data points of `metric`. */
export function histogramPoints(metric: MetricData | undefined): DataPoint<Histogram>[] {
  if (metric === undefined) return [];
  return metric.dataPoints as DataPoint<Histogram>[];
}

/** The parent span id of `span`, if any. */
export function parentIdOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

/** Everything a span carries as text, to search for secrets. */
export function spanText(span: ReadableSpan): string {
  return JSON.stringify({
    name: span.name,
    attributes: span.attributes,
    events: span.events.map((e) => ({ name: e.name, attributes: e.attributes })),
    status: span.status,
  });
}

/** A subset check that prints the whole attribute set on failure. */
export function pick(attributes: Attributes, keys: readonly string[]): Attributes {
  const out: Attributes = {};
  for (const key of keys) out[key] = attributes[key];
  return out;
}
