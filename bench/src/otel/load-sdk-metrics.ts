// @opentelemetry/sdk-metrics is a dev dependency of @x/otel but not (yet) of the bench: load it
// from the bench when it can, else from packages/otel, without a type-level import that would
// fail the bench's typecheck. Only what the overhead bench uses is typed.
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import type { Meter } from "@opentelemetry/api";

/** The few @opentelemetry/sdk-metrics exports the bench uses. */
export interface SdkMetrics {
  MeterProvider: new (options: {
    readers: unknown[];
  }) => {
    getMeter(name: string): Meter;
    shutdown(): Promise<void>;
  };
  PeriodicExportingMetricReader: new (options: {
    exporter: unknown;
    exportIntervalMillis: number;
  }) => { forceFlush(): Promise<void> };
  InMemoryMetricExporter: new (
    temporality: number,
  ) => {
    getMetrics(): {
      scopeMetrics: {
        metrics: { descriptor: { name: string }; dataPoints: { value: unknown }[] }[];
      }[];
    }[];
  };
  AggregationTemporality: { CUMULATIVE: number };
}

export async function loadSdkMetrics(): Promise<SdkMetrics> {
  const name = "@opentelemetry/sdk-metrics";
  try {
    return (await import(name)) as SdkMetrics;
  } catch {
    const fromOtel = createRequire(new URL("../../../packages/otel/package.json", import.meta.url));
    const path = fromOtel.resolve(name);
    return (await import(pathToFileURL(path).href)) as SdkMetrics;
  }
}
