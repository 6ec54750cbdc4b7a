import { AdapterError } from "../errors/errors.js";
import type { StreamChunk } from "../types/stream-chunk.js";

/**
 * Wraps an async iterable in a web `ReadableStream` that pulls one item per read (back-pressure
 * preserved). Cancelling the stream returns the source iterator, which cancels the request.
 */
export function toReadableStream<T = StreamChunk>(source: AsyncIterable<T>): ReadableStream<T> {
  let iterator: AsyncIterator<T> | undefined;
  return new ReadableStream<T>(
    {
      async pull(controller) {
        iterator ??= source[Symbol.asyncIterator]();
        try {
          const next = await iterator.next();
          if (next.done) controller.close();
          else controller.enqueue(next.value);
        } catch (error) {
          controller.error(error);
        }
      },
      async cancel() {
        await iterator?.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}

/** Options for {@link toSSE}. */
export interface ToSSEOptions {
  /** Send a `: keep-alive` comment after this many idle milliseconds (default: never). */
  keepAliveMs?: number;
}

const encoder = new TextEncoder();

/**
 * Encodes a chunk stream as server-sent-event bytes for an HTTP response
 * (`Content-Type: text/event-stream`): one `data: <chunk JSON>` event per chunk, and on failure
 * one `event: error` whose data is the error's redacted `toJSON()`. Cancelling the returned
 * stream (the client went away) cancels the source.
 */
export function toSSE(
  stream: AsyncIterable<StreamChunk>,
  options: ToSSEOptions = {},
): ReadableStream<Uint8Array> {
  let iterator: AsyncIterator<StreamChunk> | undefined;
  let keepAlive: ReturnType<typeof setInterval> | undefined;
  const stop = () => {
    if (keepAlive) clearInterval(keepAlive);
    keepAlive = undefined;
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        if (options.keepAliveMs && options.keepAliveMs > 0) {
          keepAlive = setInterval(() => {
            try {
              controller.enqueue(encoder.encode(": keep-alive\n\n"));
            } catch {
              stop();
            }
          }, options.keepAliveMs);
          keepAlive.unref?.();
        }
      },
      async pull(controller) {
        iterator ??= stream[Symbol.asyncIterator]();
        try {
          const next = await iterator.next();
          if (next.done) {
            stop();
            controller.close();
            return;
          }
          controller.enqueue(encoder.encode(`data: ${JSON.stringify(next.value)}\n\n`));
        } catch (error) {
          stop();
          const payload = AdapterError.isInstance(error)
            ? error.toJSON()
            : { name: "Error", message: error instanceof Error ? error.message : String(error) };
          controller.enqueue(encoder.encode(`event: error\ndata: ${JSON.stringify(payload)}\n\n`));
          controller.close();
        }
      },
      async cancel() {
        stop();
        await iterator?.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}
