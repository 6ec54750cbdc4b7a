import {
  AbortedError,
  AdapterError,
  type AdapterErrorOptions,
  createHttpError,
  type HttpError,
  type StreamDeadline,
} from "@x/core";
import type { Dispatcher } from "undici";
import { OpenAIProtocolError, OpenAIUnavailableError } from "./openai-errors.js";

/** Most of an error body worth reading: the rest is dropped, never buffered. */
const MAX_ERROR_BODY = 64 * 1024;

/**
 * Maps a failure of undici `request()` (before response headers): a fired deadline or caller
 * abort becomes its own error, so does `cancelled` (the iterator's `return()` / `throw()` while
 * waiting), anything else means the server could not be reached. `deadline` is undefined when
 * the stream has neither a caller signal nor a time limit.
 */
export function mapRequestError(
  cause: unknown,
  deadline: StreamDeadline | undefined,
  options: AdapterErrorOptions,
  target: string,
  cancelled = false,
): AdapterError {
  if (AdapterError.isInstance(cause)) return cause;
  if (deadline?.reason !== undefined) return deadline.error({ ...options, cause });
  if (cancelled) return abortedError(cause, options);
  const detail = cause instanceof Error ? describe(cause) : String(cause);
  return new OpenAIUnavailableError(`${options.provider}: cannot reach ${target}: ${detail}`, {
    ...options,
    cause,
  });
}

/**
 * Maps a failure while reading a 200 body: a fired deadline or abort (or `cancelled`, as above)
 * becomes its own error; a socket that closes or resets mid-stream is a truncated stream
 * (`OpenAIProtocolError`).
 */
export function mapBodyError(
  cause: unknown,
  deadline: StreamDeadline | undefined,
  options: AdapterErrorOptions,
  cancelled = false,
): AdapterError {
  if (deadline?.reason !== undefined) return deadline.error({ ...options, cause });
  if (cancelled) return abortedError(cause, options);
  if (AdapterError.isInstance(cause)) return cause;
  const detail = cause instanceof Error ? describe(cause) : String(cause);
  return new OpenAIProtocolError(`${options.provider}: stream broke off mid-answer: ${detail}`, {
    ...options,
    cause,
    reason: "truncated",
  });
}

/** What `StreamDeadline.error()` returns for an abort: the same error for our own cancel. */
function abortedError(cause: unknown, options: AdapterErrorOptions): AbortedError {
  return new AbortedError(`${options.provider}: request aborted`, { ...options, cause });
}

function describe(error: Error): string {
  const code = (error as { code?: unknown }).code;
  const inner = (error as { cause?: unknown }).cause;
  const innerCode =
    inner instanceof Error ? ((inner as { code?: unknown }).code ?? inner.message) : undefined;
  const parts = [error.message];
  if (typeof code === "string") parts.push(code);
  if (typeof innerCode === "string" && innerCode !== code) parts.push(innerCode);
  return parts.join(" ");
}

/**
 * Reads at most `limit` bytes (default {@link MAX_ERROR_BODY}) of a body as UTF-8 text, then
 * discards the rest.
 */
export async function readErrorBody(
  body: Dispatcher.ResponseData["body"],
  limit: number = MAX_ERROR_BODY,
): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  let size = 0;
  try {
    for await (const bytes of body as AsyncIterable<Uint8Array>) {
      size += bytes.byteLength;
      text += decoder.decode(bytes, { stream: true });
      if (size >= limit) break;
    }
    text += decoder.decode();
  } finally {
    if (!body.destroyed) body.destroy();
  }
  return text;
}

/**
 * The error for a non-2xx answer: `createHttpError` classifies statuses and bodies (including
 * the billing 429s `insufficient_quota` / `credit_balance_exhausted`, which are not retryable).
 */
export function mapHttpError(
  status: number,
  headers: Dispatcher.ResponseData["headers"],
  body: string,
  options: AdapterErrorOptions,
): HttpError {
  return createHttpError({
    provider: options.provider,
    model: options.model,
    status,
    headers,
    body,
    secrets: options.secrets,
  });
}
