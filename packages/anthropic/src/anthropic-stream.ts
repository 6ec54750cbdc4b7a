import type { StreamChunk, StreamOptions, Timeouts } from "@x/core";
import { postStream, readFrames, SseDecoder, StreamDeadline } from "@x/core/http";
import type { Dispatcher } from "undici";
import { AnthropicAnswer } from "./anthropic-answer.js";
import { AnthropicProtocolError } from "./anthropic-errors.js";
import { buildAnthropicRequest } from "./build-anthropic-request.js";
import { type ErrorContext, mapAnthropicError } from "./map-anthropic-error.js";
import { mapAnthropicEvents, toDoneChunk } from "./map-anthropic-frame.js";

/** Everything one chat stream needs from the adapter. @internal */
export interface AnthropicStreamInput {
  /** The full `/v1/messages` URL. */
  url: string;
  headers: Record<string, string>;
  dispatcher: Dispatcher;
  /** The adapter's default limits (per-call `timeouts` override them field by field). */
  timeouts: Timeouts | undefined;
  /** `max_tokens` when the call sets no `maxTokens`. */
  maxTokens: number;
  maxFrameSize: number;
  context: ErrorContext;
}

type ResponseBody = Dispatcher.ResponseData["body"];

/**
 * Runs one Messages API request and yields its chunks.
 *
 * - The input is checked first; bad input throws `InvalidRequestError` and sends nothing.
 * - One `StreamDeadline` (the caller's signal and the time limits) is the request's signal, so an
 *   abort or a limit cancels it while waiting for headers as well as mid-body. Only content,
 *   thinking and tool-call chunks count as progress (`deadline.chunk()` before yielding a read's
 *   chunks, `deadline.resume()` after the last): headers, `ping` events, `message_start`, block
 *   starts and stops, tool-input fragments and signatures do not.
 * - `for await` over the body pulls one read at a time: the body is read only as fast as the
 *   consumer pulls chunks (back-pressure). Bytes go through `SseDecoder` (never `setEncoding`,
 *   nodejs/undici#5002); each read's events are mapped whole, then its chunks are yielded one
 *   by one. An event that fails is thrown after the chunks of its read mapped before it.
 * - After `message_stop` the generator returns at once: whatever the server does with the rest
 *   of the body cannot hold the caller. Leaving the loop destroys an unfinished body (its socket
 *   closes); a finished one has already gone back to the keep-alive pool.
 * @internal
 */
export async function* anthropicStream(
  input: AnthropicStreamInput,
  messages: unknown,
  options: StreamOptions | undefined,
): AsyncGenerator<StreamChunk, void, undefined> {
  const { context } = input;
  const chat = buildAnthropicRequest(
    messages,
    options,
    { timeouts: input.timeouts, maxTokens: input.maxTokens },
    context,
  );
  const answer = new AnthropicAnswer();
  const deadline = new StreamDeadline(chat.timeouts, options?.signal);
  let body: ResponseBody | undefined;
  try {
    if (deadline.reason !== undefined) throw deadline.error(context);
    const { url, headers, dispatcher } = input;
    const post = { url, headers, dispatcher, body: chat.body, signal: deadline.signal };
    body = (await postStream(post, context, deadline)).body;
    const decoder = eventDecoder(input, answer);
    for await (const events of readFrames(body, decoder)) {
      const out: StreamChunk[] = [];
      let failure: { error: unknown } | undefined;
      let ended = false;
      try {
        ended = mapAnthropicEvents(events, answer, context, out);
      } catch (error) {
        failure = { error }; // thrown after the chunks mapped before it
      }
      const now = performance.now();
      // Output arrived: the first-chunk limit ends, and the idle clock stops while the consumer
      // takes this read's chunks (a read without output, e.g. `ping` events, changes nothing).
      if (out.length > 0) deadline.chunk();
      for (const chunk of out) {
        // A limit or the caller's abort may fire while the consumer holds a chunk.
        if (deadline.reason !== undefined) throw deadline.error(errorOptions(answer, context));
        answer.add(chunk, now);
        yield chunk;
      }
      if (failure !== undefined) throw failure.error;
      if (ended) {
        const done = toDoneChunk(answer, context);
        if (deadline.reason !== undefined) throw deadline.error(errorOptions(answer, context));
        yield done;
        return;
      }
      // The consumer asked for more: the idle clock runs while the adapter waits for the server.
      if (out.length > 0) deadline.resume();
    }
    throw new AnthropicProtocolError(
      `${context.provider}: the stream ended without message_stop (truncated)`,
      { ...errorOptions(answer, context), reason: "truncated" },
    );
  } catch (error) {
    throw mapAnthropicError(error, deadline, context, body !== undefined, answer.partial());
  } finally {
    deadline.dispose();
    // Ended: a no-op. Otherwise (done frame, break, error) undici aborts the request, closing
    // the socket, unless the response had already completed (then the socket is pooled).
    if (body !== undefined && !body.destroyed) body.destroy();
  }
}

/** An SSE decoder whose oversize-event error is an `AnthropicProtocolError` with the partial output. */
function eventDecoder(input: AnthropicStreamInput, answer: AnthropicAnswer): SseDecoder {
  const { context } = input;
  return new SseDecoder({
    maxFrameSize: input.maxFrameSize,
    createError: (info) =>
      new AnthropicProtocolError(`${context.provider}: ${info.message}`, {
        ...errorOptions(answer, context),
        reason: info.reason,
        excerpt: info.excerpt,
        position: info.position,
      }),
  });
}

/** An error's context and `partial`: what was yielded. */
function errorOptions(answer: AnthropicAnswer, context: ErrorContext) {
  return { ...context, partial: answer.partial() };
}
