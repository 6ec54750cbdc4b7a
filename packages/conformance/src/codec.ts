import type {
  AIAdapter,
  FinishReason,
  IncompleteToolCall,
  Message,
  StreamOptions,
  Timeouts,
  Timings,
  ToolCall,
  ToolChoice,
  ToolDefinition,
} from "@x/core";

/** The server-side durations a protocol can report (`Timings` without the client-measured field). */
export type ServerTimings = Omit<Timings, "firstTokenMs">;

/**
 * An abstract answer the suite asks a codec to put on the wire. Order on the wire: thinking
 * deltas, then text deltas, then tool calls, then either the in-stream `error` or the terminal
 * frame(s) with finish reason and usage.
 */
export interface Scenario {
  /**
   * The model name the server reports. The suite makes it differ from the configured one
   * (`SERVED_MODEL` vs `SUITE_MODEL`), as real servers do (`gpt-4o` → `gpt-4o-2024-08-06`).
   */
  model: string;
  /** Thinking deltas, in order. */
  thinking?: string[];
  /** Content deltas, in order. */
  text?: string[];
  /** Complete tool calls the model makes (the codec may fragment them as its protocol does). */
  toolCalls?: ToolCall[];
  /**
   * Put the tool calls in the terminal frame instead of intermediate frames, where the protocol
   * allows it (Ollama's native path; OpenAI leftovers on the finish chunk).
   */
  toolCallsInFinalFrame?: boolean;
  /** Why generation ended. Default: `tool_calls` when there are tool calls, else `stop`. */
  finishReason?: FinishReason;
  /** Token counts to report, when the protocol carries them. */
  usage?: { inputTokens: number; outputTokens: number };
  /** An error object sent inside the 200 stream after the deltas, instead of the terminal frame. */
  error?: { message: string; code?: string };
  /**
   * Server durations in milliseconds, for codecs that declare {@link ConformanceCodec.timings}:
   * encode them in the protocol's own units (Ollama: nanoseconds).
   */
  timings?: ServerTimings;
}

/** A streamed 200 answer, frame by frame, exactly as written on the wire. */
export interface EncodedStream {
  /** HTTP status (normally 200). */
  status: number;
  /** Response headers (content-type at least). */
  headers: Record<string, string>;
  /** Each frame with its terminator (`...\n` for NDJSON, `data: ...\n\n` for SSE). */
  frames: string[];
  /**
   * How many trailing frames form the terminal part (Ollama: the `done` frame; OpenAI: the
   * finish chunk, usage chunk and `[DONE]`). Dropping them must make the adapter throw a
   * truncation `ProtocolError`.
   */
  terminalFrames: number;
}

/** A complete (non-streamed) HTTP answer. */
export interface HttpAnswer {
  /** HTTP status. */
  status: number;
  /** Response headers. */
  headers: Record<string, string>;
  /** The body, exactly as sent. */
  body: string;
}

/** A non-2xx answer the suite asks a codec to encode. */
export interface HttpErrorSpec {
  /** HTTP status. */
  status: number;
  /** The error message the body should carry. */
  message: string;
  /** A provider error code/type the body should carry (e.g. `insufficient_quota`). */
  code?: string;
  /** Sent as a `Retry-After` header in seconds. */
  retryAfterSeconds?: number;
}

/** A sampling option `request.options` can check on the wire (see {@link ConformanceCodec.samplingOptions}). */
export type SamplingOption = "temperature" | "topP" | "maxTokens" | "stop" | "seed";

/** The request the adapter sent, decoded back into provider-neutral terms. */
export interface DecodedRequest {
  /** The model field. */
  model: string;
  /** Whether streaming was requested. */
  stream: boolean;
  /** The messages, translated back to the universal shape. */
  messages: Message[];
  /** Tool definitions, when sent. */
  tools?: ToolDefinition[];
  /** Tool choice, when sent and expressible in this protocol. */
  toolChoice?: ToolChoice;
  /** Sampling and output options found on the wire. */
  options: Pick<
    StreamOptions,
    "temperature" | "topP" | "maxTokens" | "stop" | "seed" | "think" | "responseFormat"
  >;
  /** Top-level or nested fields from `providerOptions` the codec found (for pass-through checks). */
  extra: Record<string, unknown>;
}

/**
 * The protocol-specific half of the suite: turns {@link Scenario}s into HTTP answers and decodes
 * requests. Everything transport-related (servers, faults, timing) belongs to the suite.
 */
export interface ConformanceCodec {
  /** Protocol name for messages, e.g. `"ollama-ndjson"`. */
  name: string;
  /** Request paths the adapter must use, relative to the server root (e.g. `/api/chat`, `/v1/chat/completions`). */
  paths: { chat: string; health: string; models: string };
  /** Path prefix to append to the server origin to form the adapter's `baseUrl` (e.g. `""` or `"/v1"`). */
  basePath: string;
  /** Encodes a streamed answer. */
  encodeStream(scenario: Scenario): EncodedStream;
  /** Encodes a non-2xx answer. */
  encodeHttpError(error: HttpErrorSpec): HttpAnswer;
  /** Encodes the model list answer. */
  encodeModels(names: string[]): HttpAnswer;
  /** Encodes a healthy health-check answer. */
  encodeHealth(): HttpAnswer;
  /** One frame that is not valid in this protocol (e.g. a line that is not JSON). */
  malformedFrame(): string;
  /** One syntactically valid frame whose text is at least `size` characters long. */
  oversizeFrame(size: number, model: string): string;
  /**
   * A stream whose tool call carries arguments that are not valid JSON, when the protocol can
   * express that (OpenAI's string arguments). Omit it when it cannot; the case is then skipped.
   */
  encodeInvalidToolArguments?(model: string): EncodedStream;
  /** Decodes the request body the adapter sent to `paths.chat`. */
  decodeRequest(body: string): DecodedRequest;
  /**
   * Finish reasons this protocol can put on the terminal frame of a text answer; the adapter must
   * report each one back as `done.finishReason` (`stream.finish-reasons`). Default
   * `["stop", "length"]`.
   */
  finishReasons?: readonly FinishReason[];
  /**
   * Tool choices the request can carry and {@link decodeRequest} decodes into `toolChoice`
   * (`request.tool-choice`). Default: none, and the case is skipped.
   */
  toolChoices?: readonly ToolChoice[];
  /**
   * The `Timings` fields the protocol reports from the server, encoded from
   * {@link Scenario.timings}; the adapter must report them on `done.timings`, and with
   * `generationMs`, `done.tokensPerSec` must be `outputTokens / (generationMs / 1000)`.
   * Default: none, and the adapter must measure `tokensPerSec` itself (checked against the clock).
   */
  timings?: readonly (keyof ServerTimings)[];
  /**
   * Frames that carry no chunk and that real servers send while a model is slow: keep-alive
   * comments (SSE `: ping`), empty deltas. They must yield nothing and count for neither
   * `firstChunkMs` nor `idleMs`. Omit it when the protocol has none; the keep-alive cases are
   * then skipped.
   */
  keepAliveFrames?(model: string): string[];
  /**
   * The sampling options the request can carry and {@link decodeRequest} decodes
   * (`request.options` checks these). Default: all five. Leave out what the protocol has no field
   * for (Anthropic: `seed`); the adapter then leaves it off the wire, since `StreamOptions.seed`
   * is "where supported".
   */
  samplingOptions?: readonly SamplingOption[];
  /**
   * The headers that carry the API key in this protocol, e.g. `{ "x-api-key": apiKey }`.
   * Default `{ authorization: "Bearer <apiKey>" }`. The factory's `headers` carry these (so live
   * mode sends the key the way the real server expects it), and `request.headers` checks them.
   */
  authHeaders?(apiKey: string): Record<string, string>;
  /**
   * A stream that ends because of the token limit in the middle of a tool call: the text and
   * complete tool calls of `scenario`, then `cut` with its argument text as far as it got
   * (`cut.argumentsText` is not valid JSON), then the terminal frame(s) with finish reason
   * `length`. Omit it when the protocol cannot express it (whole tool calls only); the case is
   * then skipped.
   */
  encodeCutToolCall?(scenario: Scenario, cut: IncompleteToolCall): EncodedStream;
}

/** What the suite hands the adapter factory. */
export interface AdapterFactoryContext {
  /** Base URL of the suite's server (origin + `codec.basePath`). */
  baseUrl: string;
  /** The model name to use. */
  model: string;
  /** A secret API key: it must never appear in any error. */
  apiKey: string;
  /**
   * Headers to send: the API key as the codec's {@link ConformanceCodec.authHeaders} put it
   * (default `authorization: Bearer <apiKey>`) and a custom credential header
   * (`x-conformance-token`); pass them to the adapter. Neither may appear in any error.
   */
  headers: Record<string, string>;
}

/** Capabilities the suite may test; an adapter claims them and the suite holds it to the claim. */
export interface ConformanceCapabilities {
  /** Tool calls (definitions sent, calls parsed). */
  toolCalls?: boolean;
  /** Thinking deltas and the `think` option. */
  thinking?: boolean;
  /** Usage on `done`. */
  usage?: boolean;
  /** Images on user messages. */
  images?: boolean;
  /** JSON-schema response format. */
  jsonSchema?: boolean;
  /** `tokensPerSec` on `done`. */
  tokensPerSec?: boolean;
  /** `listModels()`. Default true. */
  listModels?: boolean;
}

/** Options for `runConformance`. */
export interface ConformanceOptions {
  /** Suite name shown in the runner. */
  name: string;
  /**
   * Builds a fresh adapter for the suite's server. Any `AIAdapter` works: a plain adapter, or a
   * wrapper around one (a fallback chain, a retry or timeout policy) whose outcome must still be
   * the contract's.
   */
  create: (context: AdapterFactoryContext) => AIAdapter;
  /** The protocol codec. */
  codec: ConformanceCodec;
  /** What to test. Unclaimed capabilities' cases are skipped with the reason. */
  capabilities?: ConformanceCapabilities;
  /** Case ids to skip, each with the reason shown in the report. */
  skip?: Record<string, string>;
  /**
   * The most requests one call may send when every answer is a retryable failure: `1` (default)
   * for an adapter, which never retries on its own; a wrapper with retries (a fallback chain,
   * `withRetry`) sets its attempt limit. Successes and non-retryable failures always allow one.
   */
  maxAttempts?: number;
  /** Live mode: env var names for a real server's URL and model. */
  live?: { urlEnv: string; modelEnv: string; apiKeyEnv?: string; timeouts?: Timeouts };
}
