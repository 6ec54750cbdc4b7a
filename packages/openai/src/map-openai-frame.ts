import type {
  AdapterErrorOptions,
  DoneChunk,
  IncompleteToolCall,
  StreamChunk,
  Timings,
} from "@x/core";
import { ProviderError } from "@x/core";
import { measuredTokensPerSec, type SseEvent, type StreamOutput } from "@x/core/http";
import { isObject, mapFinishReason, mapUsage, num } from "./map-openai-fields.js";
import { OpenAIProtocolError } from "./openai-errors.js";
import { ToolCallAccumulator } from "./tool-call-accumulator.js";

type Json = Record<string, unknown>;

/**
 * What one frame was: the `[DONE]` sentinel, a frame with generated output (content, thinking or
 * a tool-call delta, which may complete a call only later), or anything else (role-only deltas,
 * usage, Azure filter results, empty strings).
 */
type FrameKind = "done" | "output" | "none";

/**
 * The chunks mapped from one network read (or from a whole JSON completion), for the stream to
 * yield one by one, and what the read meant for the stream.
 * @internal
 */
export interface MappedRead {
  /** The read's chunks, in order, up to `[DONE]` or the first event that failed. */
  readonly chunks: StreamChunk[];
  /**
   * A frame carried content, thinking or a tool-call delta: progress for the deadline, even
   * when its tool call is yielded only at the finish.
   */
  output: boolean;
  /** The stream ends after these chunks (`[DONE]`, or the body's end after a finish_reason). */
  done: boolean;
  /**
   * What the first failing event threw (its `partial` covers `chunks`): the stream throws it
   * once `chunks` are yielded. Later events of the read are not mapped.
   */
  error: unknown;
}

/**
 * Maps decoded Chat Completions frames to `StreamChunk`s, one network read at a time, and keeps
 * what the terminal `done` chunk needs: the reported model, finish reason, usage, llama.cpp
 * timings, tool calls being assembled and the calls a token limit cut off.
 *
 * What the stream yielded (for error `partial`s, the `tool_calls` finish reason and the measured
 * timings) is the `StreamOutput` it records each chunk in as it yields it. Errors found while
 * mapping (`ProviderError`, `OpenAIProtocolError`) carry that output plus the chunks of the same
 * read mapped before them, which the stream yields before it throws them.
 * @internal
 */
export class OpenAIFrameMapper {
  readonly #errors: AdapterErrorOptions;
  readonly #output: StreamOutput;
  #model: string;
  #finish: string | undefined;
  #usage: Json | undefined;
  #timings: Json | undefined;
  /** The frame that carried the finish reason or usage (`done.raw`). */
  #raw: unknown;
  /** Created at the first tool-call delta (most answers have none). */
  #tools: ToolCallAccumulator | undefined;
  #incomplete: IncompleteToolCall[] = [];

  /**
   * @param errors Provider, configured model and secrets for the errors thrown.
   * @param output What the stream has yielded (it calls `output.add` as it yields each chunk).
   */
  constructor(errors: AdapterErrorOptions, output: StreamOutput) {
    this.#errors = errors;
    this.#output = output;
    this.#model = errors.model ?? "";
  }

  /**
   * Error options whose `partial` is what was yielded, followed by `pending`: the chunks of the
   * current read mapped before the error, which the stream yields before throwing it.
   */
  errorOptions(cause?: unknown, pending?: readonly StreamChunk[]): AdapterErrorOptions {
    return { ...this.#errors, partial: this.#output.partial(pending), cause };
  }

  /**
   * Maps the events of one network read into a fresh {@link MappedRead}: every event up to
   * `[DONE]` (later ones are ignored) or up to the first that fails. `end`: these are the events
   * left at the body's end, which then must have had a finish_reason (ik_llama.cpp ends the
   * body after it without `[DONE]`), else the stream was truncated. At the end, tool calls still
   * pending are completed into the read.
   *
   * One tight loop of `JSON.parse` and mapping per read, with the chunks yielded afterwards, is
   * what keeps the adapter near raw undici speed (see bench/PROFILING.md).
   */
  mapRead(events: readonly SseEvent[], end: boolean): MappedRead {
    const read: MappedRead = { chunks: [], output: false, done: false, error: undefined };
    const out = read.chunks;
    try {
      for (let i = 0; i < events.length; i++) {
        const kind = this.#map(events[i]!, out);
        if (kind === "done") {
          read.done = true;
          break;
        }
        if (kind === "output") read.output = true;
      }
      if (end && !read.done) {
        if (this.#finish === undefined) throw this.#truncated(out);
        read.done = true;
      }
      if (read.done) this.#flushTools(undefined, out);
    } catch (error) {
      read.error = error;
    }
    return read;
  }

  /**
   * Maps a whole non-streamed `chat.completion` (a server or proxy that ignored `stream: true`):
   * each choice's `message` is read as one delta. The read always ends the stream.
   */
  mapCompletion(text: string): MappedRead {
    const read: MappedRead = { chunks: [], output: false, done: true, error: undefined };
    const out = read.chunks;
    try {
      read.output = this.#frame(this.#completionFrame(text), out);
      this.#flushTools(undefined, out);
    } catch (error) {
      read.error = error;
    }
    return read;
  }

  /** The terminal chunk, once every chunk before it was yielded (and recorded in the output). */
  done(): DoneChunk {
    const output = this.#output;
    let finishReason = this.#finish === undefined ? "stop" : mapFinishReason(this.#finish);
    // Ollama and others report `stop` after tool calls; the contract wants `tool_calls`.
    if (output.toolCalls.length > 0 && finishReason === "stop") finishReason = "tool_calls";
    const done: DoneChunk = {
      type: "done",
      finishReason,
      model: this.#model,
      provider: this.#errors.provider,
    };
    if (this.#usage !== undefined) done.usage = mapUsage(this.#usage);
    const timings = this.#doneTimings();
    if (timings !== undefined) done.timings = timings;
    const rate = this.#tokensPerSec(done.usage?.outputTokens);
    if (rate !== undefined) done.tokensPerSec = rate;
    if (this.#raw !== undefined) done.raw = this.#raw;
    if (this.#incomplete.length > 0) done.incompleteToolCalls = this.#incomplete;
    return done;
  }

  /** Maps one SSE event into `out`; says what it was. */
  #map(event: SseEvent, out: StreamChunk[]): FrameKind {
    const data = event.data;
    if (data === "[DONE]") return "done";
    if (event.event === "error") this.#eventError(data, out);
    let frame: unknown;
    try {
      frame = JSON.parse(data);
    } catch (cause) {
      throw this.#malformed(data, cause, out);
    }
    if (!isObject(frame)) throw this.#malformed(data, undefined, out);
    return this.#frame(frame, out) ? "output" : "none";
  }

  /** A `chat.completion` read as one frame: each choice's `message` becomes its `delta`. */
  #completionFrame(text: string): Json {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      throw this.#malformed(text, cause, []);
    }
    const choices = isObject(json) ? json.choices : undefined;
    if (!isObject(json) || !Array.isArray(choices) || choices.length === 0) {
      throw this.#malformed(text, undefined, []);
    }
    json.choices = choices.map((choice: unknown) =>
      isObject(choice) && isObject(choice.message) ? { ...choice, delta: choice.message } : choice,
    );
    return json;
  }

  /** Maps one decoded frame into `out`; returns whether it carried generated output. */
  #frame(frame: Json, out: StreamChunk[]): boolean {
    if (frame.error) this.#providerError(frame.error, out);
    const groq = frame.x_groq;
    if (isObject(groq)) {
      if (groq.error) this.#providerError(groq.error, out);
      if (isObject(groq.usage)) this.#setUsage(groq.usage, frame);
    }
    if (isObject(frame.usage)) this.#setUsage(frame.usage, frame);
    if (isObject(frame.timings)) this.#timings = frame.timings;
    const model = frame.model;
    if (typeof model === "string" && model !== "") this.#model = model;
    const choices = frame.choices;
    // Azure's prompt-filter prelude and usage chunks have `choices: []` (Fireworks: none).
    if (!Array.isArray(choices)) return false;
    let output = false;
    for (let i = 0; i < choices.length; i++) {
      const choice = choices[i];
      // Only the first choice (n > 1 is not part of the contract).
      if (!isObject(choice) || (typeof choice.index === "number" && choice.index !== 0)) continue;
      // Azure's asynchronous content-filter annotations have no delta.
      if (isObject(choice.delta) && this.#delta(choice.delta, frame, out)) output = true;
      const finish = choice.finish_reason;
      if (typeof finish === "string" && finish !== "") this.#finished(finish, frame, out);
    }
    return output;
  }

  #setUsage(usage: Json, frame: Json): void {
    this.#usage = usage;
    this.#raw = frame;
  }

  #finished(finish: string, frame: Json, out: StreamChunk[]): void {
    if (finish === "error") this.#providerError("finish_reason: error", out);
    this.#finish = finish;
    this.#raw = frame;
    this.#flushTools(frame, out);
  }

  /** Returns whether the delta carried generated output. */
  #delta(delta: Json, raw: Json, out: StreamChunk[]): boolean {
    const before = out.length;
    // DeepSeek, llama.cpp, vLLM ≤0.10: reasoning_content; vLLM ≥0.11, Ollama, Groq: reasoning.
    let reasoning = delta.reasoning_content;
    if (typeof reasoning !== "string" || reasoning === "") reasoning = delta.reasoning;
    if (typeof reasoning === "string" && reasoning !== "") {
      out.push({ type: "thinking", thinking: reasoning, raw });
    }
    const content = delta.content;
    if (typeof content === "string") this.#text(content, raw, out);
    else if (Array.isArray(content)) {
      // Some OpenRouter routes send Anthropic-style content blocks.
      for (const block of content) if (isObject(block)) this.#text(block.text, raw, out);
    }
    // A refusal is the model's visible answer: yielded as content.
    this.#text(delta.refusal, raw, out);
    const toolCalls = delta.tool_calls;
    if (Array.isArray(toolCalls) && toolCalls.length > 0) {
      this.#tools ??= new ToolCallAccumulator();
      for (let i = 0; i < toolCalls.length; i++) this.#tools.add(toolCalls[i]);
      return true;
    }
    return out.length > before;
  }

  #text(text: unknown, raw: Json, out: StreamChunk[]): void {
    if (typeof text !== "string" || text === "") return;
    out.push({ type: "content", content: text, raw });
  }

  /** Completes pending tool calls (at a finish_reason, `[DONE]` or the body's end). */
  #flushTools(raw: unknown, out: StreamChunk[]): void {
    const tools = this.#tools;
    if (tools === undefined || !tools.pending) return;
    // A call the token limit cut off is not a protocol error (see README, incomplete tool calls).
    const cutOff = this.#finish !== undefined && mapFinishReason(this.#finish) === "length";
    let flushed: ReturnType<ToolCallAccumulator["flush"]>;
    try {
      flushed = tools.flush(this.#errors, cutOff);
    } catch (error) {
      const e = error as OpenAIProtocolError;
      throw new OpenAIProtocolError(e.message, {
        ...this.errorOptions(error, out),
        reason: "invalid_tool_arguments",
        excerpt: e.excerpt,
      });
    }
    this.#incomplete.push(...flushed.incomplete);
    if (flushed.calls.length === 0) return;
    out.push({ type: "tool_calls", toolCalls: flushed.calls, raw });
  }

  /**
   * `firstTokenMs` measured (when the read carrying the first generated chunk arrived: for an
   * answer that starts with a tool call, the read that completed it) and llama.cpp's timings.
   */
  #doneTimings(): Timings | undefined {
    const timings: Timings = {};
    const firstTokenMs = this.#output.firstChunkMs;
    if (firstTokenMs !== undefined) timings.firstTokenMs = firstTokenMs;
    const server = this.#timings;
    const promptMs = server ? num(server.prompt_ms) : undefined;
    const generationMs = server ? num(server.predicted_ms) : undefined;
    if (promptMs !== undefined) timings.promptMs = promptMs;
    if (generationMs !== undefined) timings.generationMs = generationMs;
    return firstTokenMs !== undefined || server !== undefined ? timings : undefined;
  }

  /**
   * llama.cpp's `predicted_per_second`; else measured from the chunks the stream yielded (core's
   * `measuredTokensPerSec`: first to last arrival; without usage, each chunk is one token).
   */
  #tokensPerSec(outputTokens: number | undefined): number | undefined {
    const server = this.#timings ? num(this.#timings.predicted_per_second) : undefined;
    if (server !== undefined && server > 0) return server;
    return measuredTokensPerSec(this.#output, outputTokens);
  }

  /** `event: error` (gateways) and old llama.cpp's `error:` field: the data is the error. */
  #eventError(data: string, out: readonly StreamChunk[]): never {
    let parsed: unknown = data;
    try {
      parsed = JSON.parse(data);
    } catch {
      // A plain-text error event: keep the text.
    }
    this.#providerError(
      isObject(parsed) && parsed.error !== undefined ? parsed.error : parsed,
      out,
    );
  }

  /** An error the server reported inside the stream; `out`: the read's chunks before it. */
  #providerError(error: unknown, out: readonly StreamChunk[]): never {
    const { message, code } = describeProviderError(error);
    throw new ProviderError(`${this.#errors.provider}: ${message}`, {
      ...this.errorOptions(undefined, out),
      providerCode: code,
    });
  }

  /** An event that is not a JSON object; `out`: the read's chunks before it. */
  #malformed(data: string, cause: unknown, out: readonly StreamChunk[]): OpenAIProtocolError {
    return new OpenAIProtocolError(
      `${this.#errors.provider}: malformed SSE event (not a JSON object): ${data.slice(0, 100)}`,
      { ...this.errorOptions(cause, out), reason: "malformed_frame", excerpt: data },
    );
  }

  /** The body ended with neither a finish_reason nor `[DONE]`; `out`: its last chunks. */
  #truncated(out: readonly StreamChunk[]): OpenAIProtocolError {
    return new OpenAIProtocolError(
      `${this.#errors.provider}: stream ended without a finish_reason or [DONE] (truncated)`,
      { ...this.errorOptions(undefined, out), reason: "truncated" },
    );
  }
}

/** Message and code of an in-stream error: `{message, code|type}`, a string, or anything. */
function describeProviderError(error: unknown): { message: string; code: string | undefined } {
  if (typeof error === "string") return { message: error, code: undefined };
  if (!isObject(error)) return { message: String(error), code: undefined };
  const message =
    typeof error.message === "string" && error.message !== ""
      ? error.message
      : JSON.stringify(error).slice(0, 500);
  const code =
    typeof error.code === "string"
      ? error.code
      : typeof error.type === "string"
        ? error.type
        : typeof error.code === "number"
          ? String(error.code)
          : undefined;
  return { message, code };
}
