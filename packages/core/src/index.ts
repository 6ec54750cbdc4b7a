export type { FrameDecoderOptions, FrameErrorInfo } from "./decoders/line-splitter.js";
export { DEFAULT_MAX_FRAME_SIZE } from "./decoders/line-splitter.js";
export { decodeNdjson, NdjsonDecoder } from "./decoders/ndjson-decoder.js";
export type { SseDecoderOptions, SseEvent } from "./decoders/sse-decoder.js";
export { decodeSse, SseDecoder } from "./decoders/sse-decoder.js";
export type { CreateHttpErrorInput, ParsedErrorBody } from "./errors/create-http-error.js";
export { createHttpError, parseErrorBody } from "./errors/create-http-error.js";
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
  brand,
  ContextLengthError,
  HttpError,
  hasBrand,
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
export { redact, secretsFromHeaders } from "./errors/redact.js";
export type { HeadersLike } from "./errors/retry-after.js";
export { getHeader, parseRetryAfter } from "./errors/retry-after.js";
export type { CollectedResponse } from "./helpers/collect.js";
export { collect, textStream } from "./helpers/collect.js";
export type {
  DispatchControllerLike,
  DispatcherLike,
  ResponseHeaders,
} from "./helpers/response-source.js";
export { ResponseSource, readResponseText } from "./helpers/response-source.js";
export type { DeadlineReason } from "./helpers/stream-deadline.js";
export { mergeTimeouts, StreamDeadline } from "./helpers/stream-deadline.js";
export { TextAccumulator } from "./helpers/text-accumulator.js";
export type { ToSSEOptions } from "./helpers/to-readable-stream.js";
export { toReadableStream, toSSE } from "./helpers/to-readable-stream.js";
export { createToolCallId, parseToolArguments } from "./helpers/tool-arguments.js";
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
export type { BufferedIterator } from "./types/take-buffered.js";
export { getTakeBuffered, takeBuffered } from "./types/take-buffered.js";
export type { ToolCall } from "./types/tool-call.js";
export type { JsonSchema, ToolChoice, ToolDefinition } from "./types/tool-definition.js";
export type { Timings, Usage } from "./types/usage.js";
