// Replaced at build time with the package's version (tsup and vitest `define`).
declare const __X_OTEL_VERSION__: string | undefined;

/** The instrumentation scope name of every tracer and meter this package gets. */
export const SCOPE_NAME = "@x/otel";

/** The instrumentation scope version. */
export const SCOPE_VERSION: string =
  typeof __X_OTEL_VERSION__ === "string" ? __X_OTEL_VERSION__ : "0.0.0";
