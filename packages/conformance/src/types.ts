import type { AIAdapter } from "@x/core";
import type {
  AdapterFactoryContext,
  ConformanceCapabilities,
  ConformanceCodec,
  ConformanceOptions,
} from "./codec.js";
import type { LoopbackServer } from "./server/loopback-server.js";

/**
 * What a case may need. Capability names match {@link ConformanceCapabilities}; besides them,
 * what the codec can express (`invalidToolArguments`: `encodeInvalidToolArguments`;
 * `cutToolCall`: `encodeCutToolCall`; `keepAlive`: `keepAliveFrames`; `toolChoice`: a non-empty
 * `toolChoices`; `finishReasons`: `finishReasons` beyond stop and length; `timings`: a non-empty
 * `timings`) and `live` (a real server is configured through `options.live`).
 */
export type CaseNeed =
  | keyof ConformanceCapabilities
  | "invalidToolArguments"
  | "cutToolCall"
  | "keepAlive"
  | "toolChoice"
  | "finishReasons"
  | "timings"
  | "live";

/** Everything a case gets to work with. A fresh server and a fresh context per case. */
export interface CaseContext {
  /** The suite options the case runs under. */
  readonly options: ConformanceOptions;
  /** The protocol codec. */
  readonly codec: ConformanceCodec;
  /** The loopback server for this case (closed after the case). */
  readonly server: LoopbackServer;
  /** The case runs against a real server (live mode), not the loopback server. */
  readonly live: boolean;
  /** The model name the scenarios use. */
  readonly model: string;
  /** The secret API key the adapter was given; it must never appear in an error. */
  readonly apiKey: string;
  /**
   * Every credential the adapter was given (the API key, the custom header's value): none may
   * appear in any error or chunk.
   */
  readonly secrets: readonly string[];
  /**
   * Builds an adapter aimed at the case's server (or at `baseUrl` when given, e.g. a refused
   * port). Every adapter built here is closed after the case.
   */
  adapter(overrides?: Partial<AdapterFactoryContext>): AIAdapter;
}

/** One conformance check: a stable dotted id, a title, what it needs, and its body. */
export interface ConformanceCase {
  /** Stable id, e.g. `stream.text-order`. Use it in `skip` and in bug reports. */
  readonly id: string;
  /** One line saying what the case proves. */
  readonly title: string;
  /** Capabilities the case needs; it is skipped, with the reason, when one is not claimed. */
  readonly needs: readonly CaseNeed[];
  /** Runs the check; throws (an `AssertionError`) when the adapter breaks the contract. */
  run(ctx: CaseContext): Promise<void>;
}

/** A case together with the decision whether it runs. */
export interface PlannedCase {
  /** The case. */
  readonly case: ConformanceCase;
  /** Why it is skipped, or `undefined` when it runs. */
  readonly skipReason: string | undefined;
}

/** The outcome of one case run through the runner-neutral core. */
export interface CaseResult {
  /** The case id. */
  id: string;
  /** The case title. */
  title: string;
  /** What happened. A skipped case never counts as passed. */
  status: "passed" | "failed" | "skipped";
  /** Skip reason, or the failure message. */
  reason?: string;
  /** The thrown error, when failed. */
  error?: unknown;
  /** Wall time of the case, in milliseconds. */
  durationMs: number;
}
