import { createHttpError } from "../errors/create-http-error.js";
import type { HttpError } from "../errors/errors.js";
import type { HeadersLike } from "../errors/retry-after.js";
import { type BodyLike, MAX_ERROR_BODY_BYTES, readBody } from "./read-body.js";
import type { StreamDeadline } from "./stream-deadline.js";

/** A non-2xx answer as undici's `request()` returns it. */
export interface ErrorResponseLike {
  statusCode: number;
  headers?: HeadersLike;
  body: BodyLike;
}

/**
 * Reads a non-2xx answer's body (at most {@link MAX_ERROR_BODY_BYTES}) and builds the matching
 * `HttpError` subclass with {@link createHttpError}: the one way every adapter turns an HTTP
 * error into a typed error. The status is known, so a body cut off by a reset still makes the
 * `HttpError` (never "cannot reach the server"); when `deadline` fired meanwhile (the caller
 * aborted, a limit passed) its error is thrown instead.
 */
export async function readHttpError(
  response: ErrorResponseLike,
  context: { provider: string; model?: string; secrets?: readonly string[] },
  deadline?: StreamDeadline,
): Promise<HttpError> {
  let text = "";
  try {
    ({ text } = await readBody(response.body, MAX_ERROR_BODY_BYTES));
  } catch (cause) {
    if (deadline?.reason !== undefined) throw deadline.error({ ...context, cause });
  }
  return createHttpError({
    provider: context.provider,
    model: context.model,
    secrets: context.secrets,
    status: response.statusCode,
    headers: response.headers,
    body: text,
  });
}
