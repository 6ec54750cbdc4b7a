import type { StreamChunk, StreamOptions, Timeouts } from "@x/core";
import { NdjsonDecoder, postStream, readFrames, StreamDeadline } from "@x/core/http";
import type { Dispatcher } from "undici";
import { buildOllamaRequest } from "./build-ollama-request.js";
import { type ErrorContext, mapOllamaError } from "./map-ollama-error.js";
import { mapOllamaLines, OllamaAnswer, toDoneChunk } from "./map-ollama-frame.js";
import { OllamaProtocolError } from "./ollama-errors.js";
import type { OllamaChatFrame } from "./ollama-wire.js";

/** Everything one `/api/chat` stream needs from the adapter. @internal */
export interface OllamaStreamInput {
  /** The full `/api/chat` URL. */
  url: string;
  headers: Record<string, string>;
  dispatcher: Dispatcher;
  /** The adapter's default limits (per-call `timeouts` override them field by field). */
  timeouts: Timeouts | undefined;
  keepAlive: number | string | undefined;
  maxFrameSize: number;
  context: ErrorContext;
}

type ResponseBody = Dispatcher.ResponseData["body"];

/**
 * Runs one `/api/chat` request and yields its chunks.
 *
 * - The input is checked first; bad input throws `InvalidRequestError` and sends nothing.
 * - One `StreamDeadline` (the caller's signal and the time limits) is the request's signal, so an
 *   abort or a limit cancels it while waiting for headers (Ollama sends nothing until the first
 *   token) as well as mid-body. Only content, thinking and tool-call chunks count as progress.
 * - `for await` over the body pulls one read at a time: back-pressure comes for free. Bytes go
 *   through `NdjsonDecoder` (never `setEncoding`, nodejs/undici#5002), one `JSON.parse` a line;
 *   each read is decoded whole, then its chunks are yielded one by one.
 * - After the `done` frame the generator returns at once: whatever the server does with the rest
 *   of the body cannot hold the caller. Leaving the loop destroys an unfinished body (its socket
 *   closes); a finished one has already gone back to the keep-alive pool.
 * @internal
 */
export async function* ollamaStream(
  input: OllamaStreamInput,
  messages: unknown,
  options: StreamOptions | undefined,
): AsyncGenerator<StreamChunk, void, undefined> {
  const { context } = input;
  const chat = buildOllamaRequest(messages, options, input, context);
  const answer = new OllamaAnswer();
  const deadline = new StreamDeadline(chat.timeouts, options?.signal);
  let body: ResponseBody | undefined;
  try {
    if (deadline.reason !== undefined) throw deadline.error(context);
    const { url, headers, dispatcher } = input;
    const post = { url, headers, dispatcher, body: chat.body, signal: deadline.signal };
    body = (await postStream(post, context, deadline)).body;
    const decoder = lineDecoder(input, answer);
    let position = 0;
    for await (const lines of readFrames(body, decoder)) {
      const out: StreamChunk[] = [];
      let failure: { error: unknown } | undefined;
      let done: OllamaChatFrame | undefined;
      try {
        done = mapOllamaLines(lines, position, answer, context, out);
      } catch (error) {
        failure = { error }; // after the chunks decoded before it
      }
      position = decoder.position;
      const now = performance.now();
      // Output arrived: the first-chunk limit ends, and the idle clock stops while the consumer
      // takes this read's chunks (a read without output, e.g. keep-alive frames, changes nothing).
      if (out.length > 0) deadline.chunk();
      for (const chunk of out) {
        // A limit or the caller's abort may fire while the consumer holds a chunk.
        if (deadline.reason !== undefined) throw deadline.error(errorOptions(answer, context));
        answer.add(chunk, now);
        yield chunk;
      }
      if (failure !== undefined) throw failure.error;
      if (done !== undefined) {
        const chunk = toDoneChunk(done, answer, context);
        if (deadline.reason !== undefined) throw deadline.error(errorOptions(answer, context));
        yield chunk;
        return;
      }
      // The consumer asked for more: the idle clock runs while the adapter waits for the server.
      if (out.length > 0) deadline.resume();
    }
    throw new OllamaProtocolError(
      `${context.provider}: the stream ended without a done frame (truncated)`,
      { ...errorOptions(answer, context), reason: "truncated" },
    );
  } catch (error) {
    throw mapOllamaError(error, deadline, context, body !== undefined, answer.partial());
  } finally {
    deadline.dispose();
    // Ended: a no-op. Otherwise (done frame, break, error) undici aborts the request, closing
    // the socket, unless the response had already completed (then the socket is pooled).
    if (body !== undefined && !body.destroyed) body.destroy();
  }
}

/** An NDJSON decoder whose oversize-line error is an `OllamaProtocolError` with the partial output. */
function lineDecoder(input: OllamaStreamInput, answer: OllamaAnswer): NdjsonDecoder {
  const { context } = input;
  return new NdjsonDecoder({
    maxFrameSize: input.maxFrameSize,
    createError: (info) =>
      new OllamaProtocolError(`${context.provider}: ${info.message}`, {
        ...errorOptions(answer, context),
        reason: info.reason,
        excerpt: info.excerpt,
        position: info.position,
      }),
  });
}

function errorOptions(answer: OllamaAnswer, context: ErrorContext) {
  return { ...context, partial: answer.partial() };
}
