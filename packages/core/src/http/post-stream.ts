import type { BodyLike } from "./read-body.js";
import { type ErrorResponseLike, readHttpError } from "./read-http-error.js";
import type { StreamDeadline } from "./stream-deadline.js";

/** What {@link postStream} asks of a dispatcher: undici's `Agent` (or any `Dispatcher`) fits. */
export interface StreamDispatcher<R extends ErrorResponseLike> {
  request(options: {
    origin: string;
    path: string;
    method: "POST";
    headers: Record<string, string>;
    body: string;
    signal: AbortSignal;
    headersTimeout: number;
    bodyTimeout: number;
  }): Promise<R>;
}

/** One streaming request: a serialised body POSTed with the stream's signal. */
export interface StreamPost<R extends ErrorResponseLike> {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** The adapter's keep-alive undici `Agent`. */
  dispatcher: StreamDispatcher<R>;
  /** Aborts the request: the `StreamDeadline`'s signal. */
  signal: AbortSignal;
}

/**
 * POSTs a streaming request through the adapter's undici dispatcher and returns the response of
 * a 2xx answer (the caller reads its `body`). Any other status becomes its `HttpError` through
 * {@link readHttpError} (body read up to 64 KiB; a fired `deadline` throws its own error
 * instead). undici's own 300 s header and body timeouts are off: the deadline owns every time
 * limit (a cold model load, a server that sends headers only after prompt processing). A failure
 * before headers (refused, reset, aborted) rejects with undici's error, for the adapter to map.
 */
export async function postStream<R extends ErrorResponseLike>(
  post: StreamPost<R>,
  context: { provider: string; model?: string; secrets?: readonly string[] },
  deadline?: StreamDeadline,
): Promise<R> {
  const url = new URL(post.url);
  const response = await post.dispatcher.request({
    origin: url.origin,
    path: `${url.pathname}${url.search}`,
    method: "POST",
    headers: post.headers,
    body: post.body,
    signal: post.signal,
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  if (response.statusCode >= 200 && response.statusCode <= 299) return response;
  throw await readHttpError(response, context, deadline);
}

/** A decoder of bytes into frames: `NdjsonDecoder` (lines) or `SseDecoder` (events). */
export interface FrameDecoder<T> {
  push(bytes: Uint8Array): T[];
  end(): T[];
}

/**
 * The frames of a response body, one array per network read (so a caller can decode a whole
 * read before it yields its chunks), then those the body ended with (a last line without a
 * newline, an event without a final blank line). It reads only as fast as the caller pulls.
 */
export async function* readFrames<T>(
  body: BodyLike,
  decoder: FrameDecoder<T>,
): AsyncGenerator<T[], void, undefined> {
  for await (const bytes of body) yield decoder.push(bytes);
  yield decoder.end();
}
