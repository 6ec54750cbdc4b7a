// @x/core: the adapter contract and what an application uses with any adapter. The plumbing
// for writing an adapter is in `@x/core/http`; test helpers are in `@x/core/testing`.

export type {
  AdapterErrorCode,
  AdapterErrorOptions,
  HttpErrorOptions,
  PartialOutput,
  ProtocolErrorReason,
} from "./errors/errors.js";
export {
  AbortedError,
  AdapterError,
  AuthenticationError,
  ContextLengthError,
  HttpError,
  InvalidRequestError,
  ModelLoadingTimeoutError,
  ModelNotFoundError,
  ProtocolError,
  ProviderError,
  RateLimitError,
  ServerError,
  StreamTimeoutError,
  UnavailableError,
} from "./errors/errors.js";
export type { CollectedResponse, TextStreamOptions } from "./helpers/collect.js";
export { collect, RESTART_MARK, textStream } from "./helpers/collect.js";
export type { ToSSEOptions } from "./helpers/to-readable-stream.js";
export { sseErrorEvent, toReadableStream, toSSE } from "./helpers/to-readable-stream.js";
export type {
  AIAdapter,
  HealthCheckOptions,
  ListModelsOptions,
} from "./types/ai-adapter.js";
export type { Capabilities } from "./types/capabilities.js";
export type { FinishReason } from "./types/finish-reason.js";
export type { Message, Role } from "./types/message.js";
export type {
  ContentChunk,
  DoneChunk,
  IncompleteToolCall,
  ResetChunk,
  StreamChunk,
  ThinkingChunk,
  ToolCallsChunk,
} from "./types/stream-chunk.js";
export type {
  ResponseFormat,
  StreamOptions,
  ThinkOption,
  Timeouts,
} from "./types/stream-options.js";
export type { ToolCall } from "./types/tool-call.js";
export type { JsonSchema, ToolChoice, ToolDefinition } from "./types/tool-definition.js";
export type { Timings, Usage } from "./types/usage.js";
