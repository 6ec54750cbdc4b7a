import {
  createNoopMeter,
  metrics,
  ProxyTracer,
  ProxyTracerProvider,
  trace,
} from "@opentelemetry/api";
import type { Settings } from "./options.js";
import { SCOPE_NAME, SCOPE_VERSION } from "./version.js";

/** The API's own no-op provider: what the global proxy delegates to until an SDK registers. */
const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate();
const NOOP_METER = createNoopMeter();

/**
 * Whether a request would record anything. False only when no tracing SDK is registered (and the
 * tracer is the global one) and metrics are off or have no SDK either: then an instrumented
 * adapter hands out the inner stream itself, and costs nothing per chunk.
 */
export function isObserved(settings: Settings): boolean {
  if (!(settings.tracer instanceof ProxyTracer)) return true;
  const provider = trace.getTracerProvider();
  if (
    !(provider instanceof ProxyTracerProvider) ||
    provider.getDelegate() !== NOOP_TRACER_PROVIDER
  ) {
    return true;
  }
  if (!settings.metrics) return false;
  const meter = settings.meter ?? metrics.getMeterProvider().getMeter(SCOPE_NAME, SCOPE_VERSION);
  return meter !== NOOP_METER;
}
