import {
  AdapterError,
  type AdapterErrorOptions,
  createHttpError,
  type HttpError,
  type PartialOutput,
  type ResponseHeaders,
  type StreamDeadline,
} from "@x/core";
import type { Dispatcher } from "undici";
import { OllamaProtocolError, OllamaUnavailableError } from "./ollama-errors.js";

/** Who failed, for error construction. @internal */
export interface ErrorContext {
  provider: string;
  model: string;
  secrets: readonly string[];
}

/** Largest error body we read (Ollama's are a few hundred bytes). */
const MAX_ERROR_BODY = 64 * 1024;

/**
 * Turns whatever a request or body read threw into the adapter's typed error:
 * - already an `AdapterError` → unchanged;
 * - the deadline fired (caller abort, firstChunkMs, idleMs, totalMs) → the deadline's error;
 * - before response headers (refused, DNS, reset) → `OllamaUnavailableError`;
 * - after headers (socket reset mid-body) → `OllamaProtocolError` (`truncated`) with `partial`.
 * @internal
 */
export function mapOllamaError(
  cause: unknown,
  deadline: StreamDeadline | undefined,
  context: ErrorContext,
  afterHeaders: boolean,
  partial?: PartialOutput,
): AdapterError {
  if (AdapterError.isInstance(cause)) return cause;
  const options: AdapterErrorOptions = {
    provider: context.provider,
    model: context.model,
    secrets: context.secrets,
    cause,
    partial,
  };
  // The deadline explains itself; undici's abort error would only hide the caller's reason.
  if (deadline?.reason !== undefined) return deadline!.error({ ...options, cause: undefined });
  const detail = describe(cause);
  if (!afterHeaders) {
    return new OllamaUnavailableError(
      `${context.provider}: cannot reach the server (${detail})`,
      options,
    );
  }
  return new OllamaProtocolError(
    `${context.provider}: the connection failed before the done frame (${detail})`,
    { ...options, reason: "truncated" },
  );
}

function describe(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === "string" ? `${code}: ${cause.message}` : cause.message;
  }
  return String(cause);
}

/** The `HttpError` subclass for a non-2xx answer. @internal */
export function httpError(
  status: number,
  headers: ResponseHeaders,
  body: string,
  context: ErrorContext,
): HttpError {
  return createHttpError({
    provider: context.provider,
    model: context.model,
    status,
    headers,
    body,
    secrets: context.secrets,
  });
}

/** Reads a non-2xx body of a `request()` (capped) and builds the matching `HttpError`. @internal */
export async function readHttpError(
  response: Dispatcher.ResponseData,
  context: ErrorContext,
): Promise<HttpError> {
  const body = await readCapped(response.body, MAX_ERROR_BODY);
  return httpError(response.statusCode, response.headers, body, context);
}

/** Reads at most `limit` bytes of `body` as UTF-8, then destroys it. @internal */
export async function readCapped(
  body: Dispatcher.ResponseData["body"],
  limit: number,
): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  let size = 0;
  try {
    for await (const bytes of body as AsyncIterable<Uint8Array>) {
      const room = limit - size;
      const piece = bytes.byteLength > room ? bytes.subarray(0, room) : bytes;
      text += decoder.decode(piece, { stream: true });
      size += piece.byteLength;
      if (size >= limit) break;
    }
    text += decoder.decode();
  } finally {
    if (!body.destroyed) body.destroy();
  }
  return text;
}
