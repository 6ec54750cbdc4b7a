// @x/core/http: the plumbing every adapter needs, ours and third parties'. An application
// needs none of it; the root export (`@x/core`) is the contract and the application helpers.

export type { FrameDecoderOptions, FrameErrorInfo } from "./decoders/line-splitter.js";
export { DEFAULT_MAX_FRAME_SIZE } from "./decoders/line-splitter.js";
export { decodeNdjson, NdjsonDecoder } from "./decoders/ndjson-decoder.js";
export type { SseDecoderOptions, SseEvent } from "./decoders/sse-decoder.js";
export { decodeSse, SseDecoder } from "./decoders/sse-decoder.js";
export type { CreateHttpErrorInput, ParsedErrorBody } from "./errors/create-http-error.js";
export { createHttpError, parseErrorBody } from "./errors/create-http-error.js";
export { brand, hasBrand } from "./errors/errors.js";
export { redact, secretsFromHeaders } from "./errors/redact.js";
export type { HeadersLike } from "./errors/retry-after.js";
export { getHeader, parseRetryAfter } from "./errors/retry-after.js";
export { StreamOutput } from "./helpers/stream-output.js";
export { TextAccumulator } from "./helpers/text-accumulator.js";
export { createToolCallId, parseToolArguments } from "./helpers/tool-arguments.js";
export type { CheckedStreamInput, StreamInputContext } from "./http/check-stream-input.js";
export { checkStreamInput, invalidRequest } from "./http/check-stream-input.js";
export type { ResolvedBaseUrl } from "./http/credentials.js";
export { buildHeaders, collectSecrets, resolveBaseUrl } from "./http/credentials.js";
export { measuredTokensPerSec } from "./http/measured-rate.js";
export type { FrameDecoder, StreamDispatcher, StreamPost } from "./http/post-stream.js";
export { postStream, readFrames } from "./http/post-stream.js";
export type { BodyLike, BodyText } from "./http/read-body.js";
export { MAX_ERROR_BODY_BYTES, MAX_SUCCESS_BODY_BYTES, readBody } from "./http/read-body.js";
export type { ErrorResponseLike } from "./http/read-http-error.js";
export { readHttpError } from "./http/read-http-error.js";
export type { DeadlineReason } from "./http/stream-deadline.js";
export { StreamDeadline } from "./http/stream-deadline.js";
export {
  isNoLimit,
  MAX_TIMER_MS,
  mergeTimeouts,
  timeLimitProblem,
  timeoutsProblem,
} from "./http/time-limit.js";
