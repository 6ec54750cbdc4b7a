import type {
  AIAdapter,
  FinishReason,
  Message,
  StreamOptions,
  Timeouts,
  ToolCall,
  ToolChoice,
  ToolDefinition,
} from "@x/core";

/**
 * An abstract answer the suite asks a codec to put on the wire. Order on the wire: thinking
 * deltas, then text deltas, then tool calls, then either the in-stream `error` or the terminal
 * frame(s) with finish reason and usage.
 */
export interface Scenario {
  /** The model name the server reports. */
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
}

/** What the suite hands the adapter factory. */
export interface AdapterFactoryContext {
  /** Base URL of the suite's server (origin + `codec.basePath`). */
  baseUrl: string;
  /** The model name to use. */
  model: string;
  /** A secret API key: it must never appear in any error. */
  apiKey: string;
  /** Headers to send (carry the secret too, as `Authorization: Bearer ...`). */
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
  /** Builds a fresh adapter for the suite's server. */
  create: (context: AdapterFactoryContext) => AIAdapter;
  /** The protocol codec. */
  codec: ConformanceCodec;
  /** What to test. Unclaimed capabilities' cases are skipped with the reason. */
  capabilities?: ConformanceCapabilities;
  /** Case ids to skip, each with the reason shown in the report. */
  skip?: Record<string, string>;
  /** Live mode: env var names for a real server's URL and model. */
  live?: { urlEnv: string; modelEnv: string; apiKeyEnv?: string; timeouts?: Timeouts };
}
