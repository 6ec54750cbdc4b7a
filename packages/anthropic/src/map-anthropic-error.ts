import {
  AdapterError,
  type AdapterErrorOptions,
  ContextLengthError,
  type HttpError,
  InvalidRequestError,
  type PartialOutput,
} from "@x/core";
import { createHttpError, MAX_ERROR_BODY_BYTES, readBody, type StreamDeadline } from "@x/core/http";
import type { Dispatcher } from "undici";
import { AnthropicProtocolError, AnthropicUnavailableError } from "./anthropic-errors.js";

/** Who failed, and what no error may show. @internal */
export interface ErrorContext {
  provider: string;
  /** The configured model (errors name the model the request was for). */
  model: string;
  /** The API key, header values and baseUrl credentials (see `collectSecrets`). */
  secrets: readonly string[];
}

/**
 * Turns whatever a request or a body read threw into the adapter's typed error:
 * - already an `AdapterError` → unchanged;
 * - the deadline fired (caller abort, firstChunkMs, idleMs, totalMs) → the deadline's error,
 *   with undici's error as its `cause`;
 * - before response headers (refused, DNS, reset) → `AnthropicUnavailableError`;
 * - after headers (socket reset mid-body) → `AnthropicProtocolError` (`truncated`).
 * @internal
 */
export function mapAnthropicError(
  cause: unknown,
  deadline: StreamDeadline | undefined,
  context: ErrorContext,
  afterHeaders: boolean,
  partial?: PartialOutput,
): AdapterError {
  if (AdapterError.isInstance(cause)) return cause;
  const options: AdapterErrorOptions = { ...context, cause, partial };
  if (deadline?.reason !== undefined) return deadline.error(options);
  const detail = describe(cause);
  if (!afterHeaders) {
    return new AnthropicUnavailableError(
      `${context.provider}: cannot reach the server (${detail})`,
      options,
    );
  }
  return new AnthropicProtocolError(
    `${context.provider}: the connection failed before message_stop (${detail})`,
    { ...options, reason: "truncated" },
  );
}

/** The error's code and message; never the URL (it may hold credentials). */
function describe(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === "string" ? `${code}: ${cause.message}` : cause.message;
  }
  return String(cause);
}

/**
 * Anthropic's 400 when the prompt fits but prompt + `max_tokens` do not ("input length and
 * `max_tokens` exceed context limit: 188240 + 21333 > 200000"): a context-length error too.
 */
const CONTEXT_LIMIT = /exceed context limit/i;

/**
 * Reads a non-2xx answer's body (at most 64 KiB) and builds the matching `HttpError`:
 * `createHttpError` maps the status (429 with `retry-after`, 529 `overloaded_error` as a
 * retryable `ServerError`) and reads Anthropic's `{"type":"error","error":{"type","message"}}`.
 * @internal
 */
export async function readHttpError(
  response: Dispatcher.ResponseData,
  context: ErrorContext,
): Promise<HttpError> {
  const { text } = await readBody(response.body, MAX_ERROR_BODY_BYTES);
  const error = createHttpError({
    ...context,
    status: response.statusCode,
    headers: response.headers,
    body: text,
  });
  if (
    InvalidRequestError.isInstance(error) &&
    error.status === 400 &&
    CONTEXT_LIMIT.test(error.message)
  ) {
    return new ContextLengthError(error.message, {
      ...context,
      status: error.status,
      body: text,
      providerCode: error.providerCode,
    });
  }
  return error;
}

/** The caller's input cannot be sent. Status 0: no HTTP exchange happened. @internal */
export function invalidRequest(
  message: string,
  context: ErrorContext,
  cause?: unknown,
): InvalidRequestError {
  return new InvalidRequestError(`${context.provider}: ${message}`, {
    ...context,
    status: 0,
    cause,
  });
}
