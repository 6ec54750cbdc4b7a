import {
  type AdapterError,
  type AdapterErrorOptions,
  DEFAULT_MAX_FRAME_SIZE,
  ResponseSource,
  readResponseText,
  SseDecoder,
  type SseEvent,
  type StreamChunk,
  StreamDeadline,
  type Timeouts,
  takeBuffered,
} from "@x/core";
import type { Dispatcher } from "undici";
import { mapBodyError, mapHttpError, mapRequestError } from "./map-openai-error.js";
import { OpenAIProtocolError } from "./openai-errors.js";
import { OpenAIStreamState } from "./openai-stream.js";

/** What one chat request needs. @internal */
export interface ChatStreamRequest {
  /** `scheme://host:port` of the chat URL. */
  origin: string;
  /** Path and query of the chat URL. */
  path: string;
  /** Origin shown in "cannot reach" messages. */
  target: string;
  headers: Record<string, string>;
  body: string;
  dispatcher: Dispatcher;
  timeouts: Timeouts;
  signal: AbortSignal | undefined;
  provider: string;
  model: string;
  secrets: readonly string[];
  maxFrameSize: number | undefined;
}

const DONE: IteratorResult<StreamChunk> = { value: undefined, done: true };

type Phase = "idle" | "streaming" | "finished" | "closed";

/**
 * The async iterator `OpenAIAdapter.stream()` returns. A hand-written iterator rather than an
 * async generator: chunks already decoded are handed out as resolved promises, without the
 * generator's per-`yield` await machinery (measured: the generator cost more than SSE decoding).
 *
 * Lifecycle: the request starts on the first `next()`; each slow step reads one body chunk and
 * decodes every event in it (the first read's events one at a time as the consumer pulls, for
 * a faster first chunk); socket and timers are released when the terminal event arrives (at the
 * latest before the `done` chunk is handed out), on any error, and on `return()` (`break`). An
 * error found after some chunks of the same read is thrown once those chunks have been handed
 * out. Without a caller signal or time limit no `StreamDeadline` is made. The request goes out
 * through undici's `dispatch()` (see {@link ResponseSource}), not `request()`.
 * @internal
 */
export class ChatStreamIterator implements AsyncIterableIterator<StreamChunk> {
  readonly #request: ChatStreamRequest;
  readonly #state: OpenAIStreamState;
  readonly #out: StreamChunk[];
  #index = 0;
  #phase: Phase = "idle";
  /** The request in flight (created on the first `next()`). */
  #source: ResponseSource | undefined;
  #decoder: SseDecoder | undefined;
  /**
   * Events of the first read not handled yet: handled one by one as the consumer pulls, so the
   * first chunk is handed out without parsing the rest of the read first (per-request latency).
   * Later reads are handled whole at once (cheaper per chunk).
   */
  #events: SseEvent[] | undefined;
  /** Until the first read's events are all handled. */
  #lazy = true;
  #eventIndex = 0;
  /** `#events` are the last ones (the body ended). */
  #eof = false;
  #deferred: AdapterError | undefined;
  /** The step in progress (a read), while `#running`; a second `next()` queues behind it. */
  #busy: Promise<IteratorResult<StreamChunk>> | undefined;
  #running = false;
  /**
   * Created on the first `next()`, and only when something can fire: a caller signal or a time
   * limit (it costs a listener and timers per request). Without one, no timer. When it fires it
   * aborts the request directly (no AbortSignal is made).
   */
  #deadline: StreamDeadline | undefined;
  /** `return()` / `throw()` ended the stream while a step could be pending: that step aborts. */
  #cancelled = false;

  constructor(request: ChatStreamRequest) {
    this.#request = request;
    this.#state = new OpenAIStreamState({
      provider: request.provider,
      model: request.model,
      secrets: request.secrets,
      startedAt: performance.now(),
    });
    this.#out = this.#state.out;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<StreamChunk>> {
    if (this.#running) {
      // A second next() before the first settled (not for-await, but allowed): queue behind it.
      const after = () => this.next();
      return this.#busy!.then(after, after);
    }
    const ready = this.#ready();
    if (ready !== undefined) return ready;
    // #slow() sets #running synchronously and clears it before its promise settles.
    const step = this.#slow();
    this.#busy = step;
    return step;
  }

  /** `@x/core`'s `takeBuffered`: the next decoded chunk, when `next()` would need no read. */
  [takeBuffered](): StreamChunk | undefined {
    if (this.#running) return undefined;
    const out = this.#out;
    // `out` is emptied once per read (in #slow), not per chunk: `length = 0` drops its backing
    // store, and the next push would allocate a new one.
    if (this.#index >= out.length && this.#events !== undefined) this.#handle();
    if (this.#index >= out.length) return undefined;
    const deadline = this.#deadline;
    if (deadline !== undefined && deadline.reason !== undefined && this.#phase === "streaming") {
      return undefined; // next() throws the deadline's error
    }
    return out[this.#index++];
  }

  /** The next result if it needs no read: a decoded chunk, a deferred error, or the end. */
  #ready(): Promise<IteratorResult<StreamChunk>> | undefined {
    // Only called while no step runs, so this takes any chunk that is ready.
    const chunk = this[takeBuffered]();
    if (chunk !== undefined) return Promise.resolve({ value: chunk, done: false });
    // Chunks left but not handed out: the deadline fired while streaming.
    if (this.#index < this.#out.length) {
      return Promise.reject(this.#fail(this.#deadline!.error(this.#state.errorOptions())));
    }
    if (this.#deferred !== undefined) {
      const error = this.#deferred;
      this.#deferred = undefined;
      return Promise.reject(this.#fail(error));
    }
    if (this.#phase === "finished" || this.#phase === "closed") {
      this.#phase = "closed";
      return Promise.resolve(DONE);
    }
    return undefined;
  }

  /** `break` out of `for await`: frees the socket and timers at once, also before headers. */
  return(): Promise<IteratorResult<StreamChunk>> {
    this.#cancelRequest();
    this.#close();
    return Promise.resolve(DONE);
  }

  throw(error?: unknown): Promise<IteratorResult<StreamChunk>> {
    this.#cancelRequest();
    this.#close();
    return Promise.reject(error);
  }

  /**
   * Marks a pending step as cancelled (it rejects with `AbortedError`, as a caller abort would);
   * #close then aborts the request (socket closed at once, also before headers).
   */
  #cancelRequest(): void {
    if (this.#phase !== "idle" && this.#phase !== "streaming") return;
    this.#cancelled = true;
  }

  async #slow(): Promise<IteratorResult<StreamChunk>> {
    this.#running = true;
    const out = this.#out;
    out.length = 0;
    this.#index = 0;
    try {
      if (this.#phase === "idle") await this.#start();
      while (this.#phase === "streaming" && out.length === 0 && this.#deferred === undefined) {
        await this.#read();
      }
    } catch (error) {
      this.#running = false;
      throw this.#fail(error as AdapterError);
    }
    this.#running = false;
    return this.#ready() ?? DONE;
  }

  /** Error options without the partial output (nothing has been yielded before headers). */
  #requestErrorOptions(): AdapterErrorOptions {
    const r = this.#request;
    return { provider: r.provider, model: r.model, secrets: r.secrets };
  }

  async #start(): Promise<void> {
    const r = this.#request;
    const source = new ResponseSource();
    this.#source = source;
    let deadline: StreamDeadline | undefined;
    const timeouts = r.timeouts;
    if (StreamDeadline.isNeeded(timeouts, r.signal)) {
      // Fires on the caller's abort and on every limit, and aborts the request.
      deadline = new StreamDeadline(timeouts, r.signal, () => source.abort());
      this.#deadline = deadline;
      deadline.throwIfFired(this.#requestErrorOptions());
    }
    source.dispatch(r.dispatcher, {
      origin: r.origin,
      path: r.path,
      method: "POST",
      headers: r.headers,
      body: r.body,
      // Our StreamDeadline rules (llama.cpp sends headers only after prompt processing).
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    try {
      await source.headersReceived();
    } catch (cause) {
      throw mapRequestError(
        cause,
        deadline,
        this.#requestErrorOptions(),
        r.target,
        this.#cancelled,
      );
    }
    if (this.#phase === "closed") return; // return() was called while the request was in flight
    deadline?.started();
    if (source.status < 200 || source.status >= 300) {
      const options = this.#requestErrorOptions();
      let text: string;
      try {
        text = await readResponseText(source);
      } catch (cause) {
        throw mapBodyError(cause, deadline, options, this.#cancelled);
      }
      throw mapHttpError(source.status, source.headers, text, options);
    }
    const state = this.#state;
    const type = source.headers["content-type"];
    if (typeof type === "string" && type.startsWith("application/json")) {
      await this.#whole(source, deadline);
      return;
    }
    this.#decoder = new SseDecoder({
      maxFrameSize: r.maxFrameSize,
      provider: r.provider,
      onField: legacyErrorField,
      createError: (info) =>
        new OpenAIProtocolError(`${r.provider}: ${info.message}`, {
          ...state.errorOptions(),
          reason: info.reason,
          excerpt: info.excerpt,
          position: info.position,
        }),
    });
    this.#phase = "streaming";
  }

  /** A 2xx JSON answer instead of SSE (`stream: true` ignored): one whole completion. */
  async #whole(source: ResponseSource, deadline: StreamDeadline | undefined): Promise<void> {
    const state = this.#state;
    const limit = this.#request.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
    let text: string;
    try {
      text = await readResponseText(source, limit + 1);
    } catch (cause) {
      throw mapBodyError(cause, deadline, state.errorOptions(cause), this.#cancelled);
    }
    if (text.length > limit) {
      throw new OpenAIProtocolError(
        `${this.#request.provider}: JSON answer over ${limit} characters`,
        {
          ...state.errorOptions(),
          reason: "oversize_frame",
          excerpt: text,
        },
      );
    }
    state.now = performance.now();
    state.completion(text);
    this.#finish();
  }

  /** Reads one body chunk, splits it into events and handles them up to the first chunk. */
  async #read(): Promise<void> {
    const deadline = this.#deadline;
    const state = this.#state;
    let bytes: Uint8Array | undefined;
    try {
      bytes = await this.#source!.read();
    } catch (cause) {
      throw mapBodyError(cause, deadline, state.errorOptions(cause), this.#cancelled);
    }
    if (this.#phase !== "streaming") return;
    if (bytes === undefined) {
      this.#events = this.#decoder!.end();
      this.#eventIndex = 0;
      this.#eof = true;
      // Nothing more can arrive: stop the timers now, as if every event were handled at once.
      this.#release(true);
      this.#handle();
      return;
    }
    deadline?.activity();
    // One clock read per network read: every event in it arrived at the same time.
    state.now = performance.now();
    let events: ReturnType<SseDecoder["push"]>;
    try {
      events = this.#decoder!.push(bytes);
    } catch (error) {
      this.#defer(error);
      return;
    }
    this.#events = events;
    this.#eventIndex = 0;
    // The terminal event arrived: free socket and timers now (the events before it are handled
    // as the consumer pulls), so a timer cannot fire and a consumer that stops pulling holds
    // nothing, as when every event of a read was handled at once.
    const last = events.length - 1;
    if (last >= 0 && events[last]!.data === "[DONE]") this.#release(true);
    this.#handle();
  }

  /**
   * Handles pending events (while `#lazy`: until one yields a chunk, more stay pending) until the
   * stream ends or an error is deferred. At the body's end without a terminal event: accepted
   * or truncated.
   */
  #handle(): void {
    const state = this.#state;
    const events = this.#events!;
    const out = this.#out;
    try {
      while (this.#eventIndex < events.length) {
        if (state.event(events[this.#eventIndex++]!)) {
          this.#events = undefined;
          this.#finish();
          return;
        }
        if (this.#lazy && out.length > this.#index) {
          if (this.#eventIndex === events.length && !this.#eof) {
            this.#events = undefined;
            this.#lazy = false;
          }
          return;
        }
      }
      this.#events = undefined;
      this.#lazy = false;
      if (!this.#eof) return;
      // Some servers (ik_llama.cpp) end after the finish chunk without `[DONE]`: accepted.
      if (!state.finished) {
        throw new OpenAIProtocolError(
          `${this.#request.provider}: stream ended without a finish_reason or [DONE] (truncated)`,
          { ...state.errorOptions(), reason: "truncated" },
        );
      }
      this.#finish();
    } catch (error) {
      this.#events = undefined;
      this.#defer(error);
    }
  }

  #finish(): void {
    const state = this.#state;
    state.flushTools(undefined);
    this.#out.push(state.done());
    // Release socket and timers before `done` is handed out: a consumer that stops pulling
    // after `done` must not hold anything.
    this.#release(true);
    this.#phase = "finished";
  }

  /** Keeps an error until the chunks decoded before it have been handed out. */
  #defer(error: unknown): void {
    this.#deferred = error as AdapterError;
    this.#release();
    this.#phase = "closed";
  }

  #fail(error: AdapterError): AdapterError {
    this.#close();
    return error;
  }

  #close(): void {
    this.#release();
    this.#events = undefined;
    this.#phase = "closed";
    this.#out.length = 0;
    this.#index = 0;
  }

  /** Frees timers, listeners and the socket; `complete` when the terminal frame was read. */
  #release(complete = false): void {
    this.#deadline?.dispose();
    // A complete response is left alone (its connection is already back in the pool); otherwise
    // the request is aborted with a shared error, so undici builds no error and stack trace per
    // request (~50 µs; bench/PROFILING.md §2).
    if (complete) this.#source?.release();
    else this.#source?.abort();
  }
}

/**
 * llama.cpp before PR #16109 (Sept 2025) wrote mid-stream errors as a non-standard SSE field,
 * `error: {...}`, which standard parsers drop: read it as an `event: error`.
 */
function legacyErrorField(name: string, value: string): SseEvent | undefined {
  return name === "error" ? { data: value, event: "error" } : undefined;
}
