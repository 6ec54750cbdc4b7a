import {
  type Attributes,
  type Histogram,
  type Meter,
  type MeterProvider,
  metrics,
} from "@opentelemetry/api";
import {
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
  SECONDS_BUCKETS,
  TOKEN_BUCKETS,
} from "./semconv.js";
import { SCOPE_NAME, SCOPE_VERSION } from "./version.js";

/** The three GenAI client histograms. */
export interface GenAiInstruments {
  duration: Histogram<Attributes>;
  timeToFirstChunk: Histogram<Attributes>;
  tokenUsage: Histogram<Attributes>;
}

const byMeter = new WeakMap<Meter, GenAiInstruments>();

/** The instruments of `meter`, created once per meter. */
export function instrumentsOf(meter: Meter): GenAiInstruments {
  let instruments = byMeter.get(meter);
  if (instruments === undefined) {
    instruments = {
      duration: meter.createHistogram(METRIC_GEN_AI_CLIENT_OPERATION_DURATION, {
        description: "GenAI operation duration.",
        unit: "s",
        advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
      }),
      timeToFirstChunk: meter.createHistogram(METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK, {
        description:
          "Time to receive the first chunk, from when the client issues the request to when the first chunk is received in the response stream.",
        unit: "s",
        advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
      }),
      tokenUsage: meter.createHistogram(METRIC_GEN_AI_CLIENT_TOKEN_USAGE, {
        description: "Number of input and output tokens used.",
        unit: "{token}",
        advice: { explicitBucketBoundaries: TOKEN_BUCKETS },
      }),
    };
    byMeter.set(meter, instruments);
  }
  return instruments;
}

let globalProvider: MeterProvider | undefined;
let globalInstruments: GenAiInstruments | undefined;

/**
 * The instruments of the global MeterProvider's `@x/otel` meter. Looked up per request, not once:
 * the metrics API has no proxy, so a meter taken before the application registers its SDK would
 * stay a no-op forever.
 */
export function globalInstrumentsNow(): GenAiInstruments {
  const provider = metrics.getMeterProvider();
  if (provider !== globalProvider || globalInstruments === undefined) {
    globalProvider = provider;
    globalInstruments = instrumentsOf(provider.getMeter(SCOPE_NAME, SCOPE_VERSION));
  }
  return globalInstruments;
}
