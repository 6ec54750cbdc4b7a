import type { JsonSchema, ToolChoice, ToolDefinition } from "./tool-definition.js";

/**
 * Time limits for one stream, in milliseconds. Unset, `Infinity` or above 2³¹−1 ms means no
 * limit; `0`, negative and `NaN` are invalid (`InvalidRequestError` from the first `next()`).
 *
 * - `firstChunkMs`: from sending the request until the first content, thinking or tool-call
 *   chunk (model load + queue + prefill). Response headers, keep-alive comments and empty frames
 *   do not count: OpenAI-compatible servers send headers at once. Exceeded →
 *   `ModelLoadingTimeoutError`.
 * - `idleMs`: the longest silence between two such chunks, from the first one on. Keep-alives do
 *   not reset it. Exceeded → `StreamTimeoutError`.
 * - `totalMs`: the whole stream. Exceeded → `StreamTimeoutError`.
 */
export interface Timeouts {
  /** Limit until the first content, thinking or tool-call chunk (headers do not count). */
  firstChunkMs?: number;
  /** Limit on silence between content, thinking or tool-call chunks once they flow. */
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
