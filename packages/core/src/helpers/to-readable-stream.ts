import { AdapterError } from "../errors/errors.js";
import { redact } from "../errors/redact.js";
import type { StreamChunk } from "../types/stream-chunk.js";

/**
 * Wraps an async iterable in a web `ReadableStream` that pulls one item per read (back-pressure
 * preserved: nothing is read from the source before the consumer asks). Cancelling the stream
 * returns the source iterator, which cancels the request.
 */
export function toReadableStream<T = StreamChunk>(source: AsyncIterable<T>): ReadableStream<T> {
  let iterator: AsyncIterator<T> | undefined;
  return new ReadableStream<T>(
    {
      async pull(controller) {
        iterator ??= source[Symbol.asyncIterator]();
        let next: IteratorResult<T>;
        try {
          next = await iterator.next();
        } catch (error) {
          controller.error(error);
          return;
        }
        // After a cancel, close() and enqueue() throw; the consumer has gone, so ignore it.
        try {
          if (next.done) controller.close();
          else controller.enqueue(next.value);
        } catch {}
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
  /**
   * Send a `: keep-alive` comment whenever the stream has been silent for this many milliseconds,
   * so proxies do not close a connection while a model thinks (default: never).
   */
  keepAliveMs?: number;
}

const encoder = new TextEncoder();
const KEEP_ALIVE = encoder.encode(": keep-alive\n\n");

/**
 * Encodes a chunk stream as server-sent-event bytes for an HTTP response
 * (`Content-Type: text/event-stream`): one `data: <chunk JSON>` event per chunk, and on failure
 * one `event: error` whose data is the error's redacted `toJSON()` (for a foreign error:
 * `{ name, message }`, redacted). Cancelling the returned stream (the client went away) cancels
 * the source and clears the keep-alive timer.
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
        const ms = options.keepAliveMs;
        if (ms !== undefined && ms > 0 && ms <= 2_147_483_647) {
          keepAlive = setInterval(() => {
            try {
              controller.enqueue(KEEP_ALIVE);
            } catch {
              stop();
            }
          }, ms);
          keepAlive.unref?.();
        }
      },
      async pull(controller) {
        iterator ??= stream[Symbol.asyncIterator]();
        let bytes: Uint8Array;
        let last = false;
        try {
          const next = await iterator.next();
          if (next.done) {
            stop();
            try {
              controller.close();
            } catch {}
            return;
          }
          bytes = encoder.encode(`data: ${JSON.stringify(next.value)}\n\n`);
        } catch (error) {
          stop();
          bytes = encoder.encode(sseErrorEvent(error));
          last = true;
        }
        // Output restarts the silence the keep-alive measures.
        keepAlive?.refresh();
        try {
          controller.enqueue(bytes);
          if (last) controller.close();
        } catch {
          // Cancelled while the source was producing: the consumer has gone.
          stop();
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

/**
 * The `event: error` a server-sent event stream ends with when its answer failed, as
 * {@link toSSE} writes it: the data is an `AdapterError`'s own redacted summary (`toJSON()`),
 * else the error's name and redacted message. For a handler that writes its own events next to
 * the chunks and so cannot use `toSSE` itself.
 */
export function sseErrorEvent(error: unknown): string {
  return `event: error\ndata: ${JSON.stringify(errorPayload(error))}\n\n`;
}

function errorPayload(error: unknown): Record<string, unknown> {
  if (AdapterError.isInstance(error)) return error.toJSON();
  if (error instanceof Error) return { name: error.name, message: redact(error.message) };
  return { name: "Error", message: redact(String(error)) };
}
