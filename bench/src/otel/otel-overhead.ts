/**
 * Per-request cost of @x/otel's `instrument()`, in µs, against the bare adapter in the same run:
 *
 *   phase 1: (a) a bare mock adapter vs (b) the same adapter instrumented, no SDK registered
 *            (the API's no-op tracer and meter).
 *   phase 2: (a) again vs (c) instrumented with a real BasicTracerProvider + SimpleSpanProcessor +
 *            InMemorySpanExporter and a MeterProvider with an in-memory metric reader.
 *
 * Phase 2 comes second because a recording request runs its steps in an AsyncLocalStorage, and
 * on Node 20 the first use of one turns on async hooks for the whole process: the bare adapter is
 * measured again after that, so each phase compares like with like and the difference between
 * the two bare rows shows that process-wide cost.
 *
 * Variants take turns in blocks (a b a b ...; the order alternates every round) and each row is
 * the median over rounds. Bounded: at most ROUNDS rounds and about BUDGET_MS per phase.
 *
 * Usage (from the repository root, after building @x/core and @x/otel):
 *   npx tsx bench/src/otel/otel-overhead.ts [--quick]
 */
import type { Meter, Tracer } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import type { AIAdapter, Message } from "@x/core";
import { createMockAdapter, textSteps } from "@x/core/testing";
import { instrument } from "@x/otel";
import { fmt, summarize } from "../report/stats.js";
import { loadSdkMetrics } from "./load-sdk-metrics.js";

const quick = process.argv.includes("--quick");
/** Requests per variant per round. */
const BLOCK = quick ? 100 : 400;
const ROUNDS = quick ? 8 : 60;
const BUDGET_MS = quick ? 2_000 : 10_000;
const WARMUP_REQUESTS = quick ? 300 : 2_000;

const messages: Message[] = [{ role: "user", content: "Tell me a short story." }];
const words =
  "Once upon a time a small model streamed twenty words to a patient client that counted every microsecond it spent.";

function mockAdapter(): AIAdapter {
  return createMockAdapter({
    provider: "mock",
    model: "mock-1",
    script: [...textSteps(words), { type: "done", usage: { inputTokens: 12, outputTokens: 20 } }],
  });
}

async function runRequest(adapter: AIAdapter): Promise<number> {
  let chunks = 0;
  for await (const _chunk of adapter.stream(messages, { maxTokens: 64, temperature: 0.7 }))
    chunks++;
  return chunks;
}

/** µs per request over `count` requests. */
async function block(adapter: AIAdapter, count: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < count; i++) await runRequest(adapter);
  return ((performance.now() - start) * 1000) / count;
}

interface Variant {
  label: string;
  adapter: AIAdapter;
  /** Called after every block (to keep in-memory exporters bounded). */
  afterBlock?: () => void;
}

/** Alternating blocks of each variant; returns µs/request samples per variant. */
async function compare(variants: Variant[]): Promise<number[][]> {
  for (const variant of variants) await block(variant.adapter, WARMUP_REQUESTS);
  const samples: number[][] = variants.map(() => []);
  const started = performance.now();
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const variant of order) {
      samples[variants.indexOf(variant)]!.push(await block(variant.adapter, BLOCK));
      variant.afterBlock?.();
    }
    if (performance.now() - started > BUDGET_MS) break;
  }
  return samples;
}

interface Row {
  label: string;
  samples: number[];
  baseline?: number[];
}

function median(values: number[]): number {
  return summarize(values).median;
}

function tableRow({ label, samples, baseline }: Row): string {
  const summary = summarize(samples);
  const mid = summary.median;
  const difference = baseline === undefined ? 0 : mid - median(baseline);
  const delta =
    baseline === undefined ? "—" : `${difference < 0 ? "−" : "+"}${fmt(Math.abs(difference), 1)}`;
  const ratio = baseline === undefined ? "—" : `${(mid / median(baseline)).toFixed(2)}×`;
  return `| ${label} | ${fmt(mid, 1)} | ${fmt(summary.min, 1)}–${fmt(summary.max, 1)} | ${delta} | ${ratio} | ${summary.count} |`;
}

const chunksPerRequest = await runRequest(mockAdapter());

// Phase 1: no SDK anywhere (nothing is registered globally in this process).
const bare = mockAdapter();
const [bareNoSdk, noSdk] = await compare([
  { label: "bare", adapter: bare },
  { label: "no SDK", adapter: instrument(mockAdapter()) },
]);

// Phase 2: a real SDK, passed explicitly (still nothing global).
const sdkMetrics = await loadSdkMetrics();
const spanExporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(spanExporter)],
});
const metricExporter = new sdkMetrics.InMemoryMetricExporter(
  sdkMetrics.AggregationTemporality.CUMULATIVE,
);
const reader = new sdkMetrics.PeriodicExportingMetricReader({
  exporter: metricExporter,
  // Collected once, at the end: no export runs during the measurement.
  exportIntervalMillis: 3_600_000,
});
const meterProvider = new sdkMetrics.MeterProvider({ readers: [reader] });
const tracer: Tracer = tracerProvider.getTracer("bench");
const meter: Meter = meterProvider.getMeter("bench");
let spansSeen = 0;
const [bareWithHooks, withSdk] = await compare([
  { label: "bare", adapter: bare },
  {
    label: "SDK",
    adapter: instrument(mockAdapter(), { tracer, meter }),
    afterBlock: () => {
      spansSeen += spanExporter.getFinishedSpans().length;
      spanExporter.reset();
    },
  },
]);
await reader.forceFlush();
const durationPoints = metricExporter
  .getMetrics()
  .flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics))
  .filter((m) => m.descriptor.name === "gen_ai.client.operation.duration")
  .flatMap((m) => m.dataPoints);
const histogramCount = (durationPoints.at(-1)?.value as { count?: number } | undefined)?.count;
await tracerProvider.shutdown();
await meterProvider.shutdown();

console.log(
  `\n### @x/otel overhead per request (${chunksPerRequest} chunks from createMockAdapter, Node ${process.version}${quick ? ", quick" : ""})\n`,
);
console.log("| variant | µs/request (median) | range over rounds | vs bare, µs | ratio | rounds |");
console.log("|---|---:|---:|---:|---:|---:|");
for (const row of [
  { label: "(a) bare mock adapter", samples: bareNoSdk! },
  { label: "(b) instrument(), no SDK registered", samples: noSdk!, baseline: bareNoSdk! },
  { label: "(a) bare, after AsyncLocalStorage hooks are on", samples: bareWithHooks! },
  {
    label: "(c) instrument(), SDK: span + in-memory exporter, 3 histograms",
    samples: withSdk!,
    baseline: bareWithHooks!,
  },
] satisfies Row[]) {
  console.log(tableRow(row));
}
console.log(
  `\nSanity: ${spansSeen} spans exported and ${histogramCount ?? 0} duration measurements recorded in (c) (warm-up included).`,
);
