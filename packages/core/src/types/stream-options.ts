import type { JsonSchema, ToolChoice, ToolDefinition } from "./tool-definition.js";

/**
 * Time limits for one stream, in milliseconds. An unset field means no limit.
 *
 * - `firstChunkMs`: from sending the request until response headers arrive (for Ollama this is
 *   model load + queue + prefill; it sends nothing before the first token). Exceeded →
 *   `ModelLoadingTimeoutError`.
 * - `idleMs`: the longest silence between two reads of the body. Exceeded → `StreamTimeoutError`.
 * - `totalMs`: the whole stream. Exceeded → `StreamTimeoutError`.
 */
export interface Timeouts {
  /** Limit until the first byte / response headers. */
  firstChunkMs?: number;
  /** Limit on silence between body reads once streaming. */
  idleMs?: number;
  /** Limit on the whole stream. */
  totalMs?: number;
}

/** Structured output: `"json"` for any JSON object, or a JSON schema the answer must match. */
export type ResponseFormat =
  | "json"
  | {
      type: "json_schema";
      /** The schema the answer must satisfy. */
      schema: JsonSchema;
      /** A name for the schema (OpenAI requires one; defaults to `"response"`). */
      name?: string;
      /** Ask the provider to enforce the schema strictly, where supported. */
      strict?: boolean;
    };

/** Reasoning control: on/off, or an effort level. */
export type ThinkOption = boolean | "low" | "medium" | "high";

/** Per-call options for {@link AIAdapter.stream}. Everything is optional. */
export interface StreamOptions {
  /** Tools the model may call. */
  tools?: ToolDefinition[];
  /** Whether and which tool the model must call. */
  toolChoice?: ToolChoice;
  /** Sampling temperature. */
  temperature?: number;
  /** Nucleus sampling. */
  topP?: number;
  /** Maximum tokens to generate. */
  maxTokens?: number;
  /** Stop sequences. */
  stop?: string[];
  /** Seed for reproducible sampling, where supported. */
  seed?: number;
  /** Enable, disable or grade reasoning, where supported. */
  think?: ThinkOption;
  /** Structured output. */
  responseFormat?: ResponseFormat;
  /** Cancels the stream; the stream then throws `AbortedError` and frees its socket. */
  signal?: AbortSignal;
  /** Time limits for this call (override the adapter's defaults field by field). */
  timeouts?: Timeouts;
  /**
   * Provider-specific fields passed through untouched (Ollama: merged into `options`; OpenAI:
   * merged into the request body).
   */
  providerOptions?: Record<string, unknown>;
}
