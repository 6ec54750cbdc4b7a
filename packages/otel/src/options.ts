import { type Meter, type Tracer, trace } from "@opentelemetry/api";
import { SCOPE_NAME, SCOPE_VERSION } from "./version.js";

/** Options for {@link instrument} (and {@link createChainTracing}). */
export interface InstrumentOptions {
  /**
   * The tracer to record with. Default: `trace.getTracer("@x/otel", version)`, which follows the
   * global TracerProvider even when the application registers it later; with none registered
   * every span is the API's no-op span.
   */
  tracer?: Tracer;
  /**
   * The meter to record metrics with. Default: the global MeterProvider's `@x/otel` meter, looked
   * up per request (the metrics API has no proxy, so a meter taken at startup would miss an SDK
   * registered afterwards).
   */
  meter?: Meter;
  /**
   * Record message content: `gen_ai.input.messages`, `gen_ai.output.messages` and
   * `gen_ai.tool.definitions` (JSON strings, redacted). Default `false`: content is personal data
   * and is never recorded unless the application opts in.
   */
  captureContent?: boolean;
  /**
   * Literal values to strip from everything recorded (error messages, reset reasons, captured
   * content), on top of the credential patterns `redact` from `@x/core/http` already removes.
   * Pass the API keys your adapters use when a third-party adapter might echo one.
   */
  secrets?: readonly string[];
  /**
   * Record the GenAI client metrics. Default `true`. Set `false` on one layer when both a chain
   * and its members are instrumented, so requests and tokens are not counted twice.
   */
  metrics?: boolean;
  /** Give `healthCheck()` and `listModels()` their own spans. Default `false` (they pass through). */
  traceHealthAndModels?: boolean;
}

/** {@link InstrumentOptions} with defaults applied. */
export interface Settings {
  readonly tracer: Tracer;
  readonly meter: Meter | undefined;
  readonly captureContent: boolean;
  readonly secrets: readonly string[];
  readonly metrics: boolean;
  readonly traceHealthAndModels: boolean;
}

/** Applies the defaults. */
export function settingsOf(options: InstrumentOptions): Settings {
  return {
    tracer: options.tracer ?? trace.getTracer(SCOPE_NAME, SCOPE_VERSION),
    meter: options.meter,
    captureContent: options.captureContent === true,
    secrets: [...(options.secrets ?? [])],
    metrics: options.metrics !== false,
    traceHealthAndModels: options.traceHealthAndModels === true,
  };
}
