import { AdapterError, type AdapterErrorOptions, type StreamChunk } from "@x/core";
import {
  MAX_SUCCESS_BODY_BYTES,
  postStream,
  readBody,
  SseDecoder,
  type SseEvent,
  StreamDeadline,
  StreamOutput,
} from "@x/core/http";
import type { Dispatcher } from "undici";
import { buildOpenAIRequest, type RequestSettings } from "./build-openai-request.js";
import { mapBodyError, mapRequestError } from "./map-openai-error.js";
import { type MappedRead, OpenAIFrameMapper } from "./map-openai-frame.js";
import { OpenAIProtocolError } from "./openai-errors.js";

/** Everything one `stream()` call needs. @internal */
export interface OpenAIStreamCall {
  /** The chat completions URL. */
  url: string;
  /** The URL shown in "cannot reach" errors (no credentials, no query). */
  target: string;
  headers: Record<string, string>;
  dispatcher: Dispatcher;
  settings: RequestSettings;
  /** Provider, configured model and the secrets to keep out of errors. */
  errors: AdapterErrorOptions;
  maxFrameSize: number | undefined;
  /** The caller's input, checked on the first `next()`. */
  messages: unknown;
  options: unknown;
}

type Body = Dispatcher.ResponseData["body"];

const noop = () => {};

/**
 * Runs one chat request: checks the input (`InvalidRequestError`, nothing sent), POSTs it with
 * the deadline's signal, turns a non-2xx answer into its `HttpError`, then yields the chunks of
 * the SSE body (or of a whole JSON completion) and one `done`. The body is read only as fast as
 * chunks are pulled; each read is mapped whole, then its chunks are yielded one by one (an
 * event that fails ends the stream after the chunks before it). It returns right after
 * `[DONE]`, whatever the server does with the rest of the body: `finally` destroys it (a body
 * that already ended has left its socket in the pool) and frees the deadline's timers and
 * listener, also on error, abort and `break`.
 */
export async function* streamOpenAI(call: OpenAIStreamCall): AsyncGenerator<StreamChunk, void> {
  const input = buildOpenAIRequest(call.messages, call.options, call.settings, call.errors);
  const deadline = new StreamDeadline(input.timeouts, input.signal);
  const output = new StreamOutput();
  const mapper = new OpenAIFrameMapper(call.errors, output);
  let body: Body | undefined;
  try {
    const response = await send(call, input.body, deadline);
    body = response.body;
    const reads = isJson(response)
      ? readCompletion(body, mapper, deadline)
      : readEvents(body, sseDecoder(call, mapper), deadline, mapper);
    for await (const read of reads) {
      const now = performance.now();
      // Output arrived (content, thinking, or a tool-call delta whose call may be yielded only at
      // the finish): `firstChunkMs` ends, and the idle clock stops while the consumer takes this
      // read's chunks. Keep-alive comments, role-only deltas, usage and empty frames change nothing.
      const progressed = read.output || read.chunks.length > 0;
      if (progressed) deadline.chunk();
      for (const chunk of read.chunks) {
        // The caller aborted (or a limit passed) while it held the previous chunk.
        if (deadline.reason !== undefined) throw deadline.error(mapper.errorOptions());
        output.add(chunk, now);
        yield chunk;
      }
      if (read.error !== undefined) throw read.error;
      if (read.done) break; // at once: never wait for the rest of the body
      // The consumer asked for more: the idle clock runs while we wait for the server.
      if (progressed) deadline.resume();
    }
    yield mapper.done();
  } catch (error) {
    throw AdapterError.isInstance(error)
      ? error
      : mapBodyError(error, deadline, mapper.errorOptions(error));
  } finally {
    deadline.dispose();
    if (body !== undefined && !body.destroyed) {
      // undici's body emits `error` when destroyed before its end.
      body.on("error", noop);
      body.destroy();
    }
  }
}

/**
 * POSTs the body. A failure before headers becomes its typed error here, and so does a non-2xx
 * answer (its body read up to the error cap).
 */
async function send(
  call: OpenAIStreamCall,
  body: string,
  deadline: StreamDeadline,
): Promise<Dispatcher.ResponseData<unknown>> {
  if (deadline.reason !== undefined) throw deadline.error(call.errors);
  const { url, headers, dispatcher } = call;
  try {
    return await postStream(
      { url, headers, dispatcher, body, signal: deadline.signal },
      call.errors,
      deadline,
    );
  } catch (cause) {
    // A non-2xx answer is already its HttpError; anything else failed before headers.
    if (AdapterError.isInstance(cause)) throw cause;
    throw mapRequestError(cause, deadline, call.errors, call.target);
  }
}

/** A 2xx JSON answer instead of SSE: a server or proxy that ignored `stream: true`. */
function isJson(response: { headers: Dispatcher.ResponseData["headers"] }): boolean {
  const type = response.headers["content-type"];
  return typeof type === "string" && type.startsWith("application/json");
}

/**
 * The SSE body mapped one network read at a time, then the events left pending at its end. A
 * failed read (reset, abort, a limit) becomes its typed error here.
 */
async function* readEvents(
  body: Body,
  decoder: SseDecoder,
  deadline: StreamDeadline,
  mapper: OpenAIFrameMapper,
): AsyncGenerator<MappedRead> {
  try {
    for await (const bytes of body as AsyncIterable<Uint8Array>) {
      yield mapper.mapRead(decoder.push(bytes), false);
    }
  } catch (cause) {
    throw mapBodyError(cause, deadline, mapper.errorOptions(cause));
  }
  yield mapper.mapRead(decoder.end(), true);
}

/** A 2xx JSON answer instead of SSE (`stream: true` ignored): one whole completion. */
async function* readCompletion(
  body: Body,
  mapper: OpenAIFrameMapper,
  deadline: StreamDeadline,
): AsyncGenerator<MappedRead> {
  let answer: { text: string; truncated: boolean };
  try {
    answer = await readBody(body, MAX_SUCCESS_BODY_BYTES);
  } catch (cause) {
    throw mapBodyError(cause, deadline, mapper.errorOptions(cause));
  }
  if (answer.truncated) {
    throw new OpenAIProtocolError(
      `${mapper.errorOptions().provider}: JSON answer over ${MAX_SUCCESS_BODY_BYTES / 1024 / 1024} MiB`,
      { ...mapper.errorOptions(), reason: "oversize_frame", excerpt: answer.text },
    );
  }
  yield mapper.mapCompletion(answer.text);
}

function sseDecoder(call: OpenAIStreamCall, mapper: OpenAIFrameMapper): SseDecoder {
  return new SseDecoder({
    maxFrameSize: call.maxFrameSize,
    provider: call.errors.provider,
    onField: legacyErrorField,
    createError: (info) =>
      new OpenAIProtocolError(`${call.errors.provider}: ${info.message}`, {
        ...mapper.errorOptions(),
        reason: info.reason,
        excerpt: info.excerpt,
        position: info.position,
      }),
  });
}

/**
 * llama.cpp before PR #16109 (Sept 2025) wrote mid-stream errors as a non-standard SSE field,
 * `error: {...}`, which standard parsers drop: read it as an `event: error`.
 */
function legacyErrorField(name: string, value: string): SseEvent | undefined {
  return name === "error" ? { data: value, event: "error" } : undefined;
}
