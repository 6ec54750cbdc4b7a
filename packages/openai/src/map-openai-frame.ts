import type {
  AdapterErrorOptions,
  DoneChunk,
  IncompleteToolCall,
  PartialOutput,
  StreamChunk,
  Timings,
  ToolCall,
} from "@x/core";
import { ProviderError } from "@x/core";
import { type SseEvent, TextAccumulator } from "@x/core/http";
import { isObject, mapFinishReason, mapUsage, num } from "./map-openai-fields.js";
import { OpenAIProtocolError } from "./openai-errors.js";
import { ToolCallAccumulator } from "./tool-call-accumulator.js";

type Json = Record<string, unknown>;

/** When generated chunks arrived (`performance.now()`), measured by the stream. @internal */
export interface ChunkClock {
  /** When the request was sent. */
  startedAt: number;
  /** When the first generated chunk arrived (0: none yet). */
  firstAt: number;
  /** When the last generated chunk arrived. */
  lastAt: number;
  /** How many frames produced generated chunks. */
  generated: number;
}

/**
 * What one frame was: the `[DONE]` sentinel, a frame with generated output (content, thinking or
 * a tool-call delta, which may complete a call only later), or anything else (role-only deltas,
 * usage, Azure filter results, empty strings).
 * @internal
 */
export type FrameKind = "done" | "output" | "none";

/**
 * Maps decoded Chat Completions frames to `StreamChunk`s, one frame at a time, and keeps what
 * the terminal `done` chunk and error `partial`s need: the reported model, finish reason, usage,
 * llama.cpp timings, tool calls being assembled, and the output produced so far.
 *
 * `map()` appends the chunks of one frame to `out` (the stream yields and clears it) and says
 * what the frame was. Errors inside the stream throw (`ProviderError`,
 * `OpenAIProtocolError`), with the output produced before them as `partial`.
 * @internal
 */
export class OpenAIFrameMapper {
  readonly #errors: AdapterErrorOptions;
  #model: string;
  #finish: string | undefined;
  #usage: Json | undefined;
  #timings: Json | undefined;
  /** The frame that carried the finish reason or usage (`done.raw`). */
  #raw: unknown;
  /** Created at the first tool-call delta (most answers have none). */
  #tools: ToolCallAccumulator | undefined;
  #incomplete: IncompleteToolCall[] = [];
  readonly #content = new TextAccumulator();
  readonly #thinking = new TextAccumulator();
  readonly #toolCalls: ToolCall[] = [];

  /** @param errors Provider, configured model and secrets for the errors thrown. */
  constructor(errors: AdapterErrorOptions) {
    this.#errors = errors;
    this.#model = errors.model ?? "";
  }

  /** Whether a `finish_reason` was seen (a body may then end without `[DONE]`). */
  get finished(): boolean {
    return this.#finish !== undefined;
  }

  /** Error options carrying the output produced so far. */
  errorOptions(cause?: unknown): AdapterErrorOptions {
    const partial: PartialOutput = {
      content: this.#content.toString(),
      thinking: this.#thinking.toString(),
      toolCalls: this.#toolCalls,
    };
    return { ...this.#errors, partial, cause };
  }

  /** Maps one SSE event. */
  map(event: SseEvent, out: StreamChunk[]): FrameKind {
    const data = event.data;
    if (data === "[DONE]") return "done";
    if (event.event === "error") this.#eventError(data);
    let frame: unknown;
    try {
      frame = JSON.parse(data);
    } catch (cause) {
      throw this.#malformed(data, cause);
    }
    if (!isObject(frame)) throw this.#malformed(data, undefined);
    return this.#frame(frame, out) ? "output" : "none";
  }

  /**
   * Maps a whole non-streamed `chat.completion` (a server or proxy that ignored `stream: true`):
   * each choice's `message` is read as one delta.
   */
  mapCompletion(text: string, out: StreamChunk[]): void {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      throw this.#malformed(text, cause);
    }
    const choices = isObject(json) ? json.choices : undefined;
    if (!isObject(json) || !Array.isArray(choices) || choices.length === 0) {
      throw this.#malformed(text, undefined);
    }
    json.choices = choices.map((choice: unknown) =>
      isObject(choice) && isObject(choice.message) ? { ...choice, delta: choice.message } : choice,
    );
    this.#frame(json, out);
  }

  /** At `[DONE]` or the body's end: completes tool calls still pending into `out`. */
  end(out: StreamChunk[]): void {
    this.#flushTools(undefined, out);
  }

  /** The terminal chunk. */
  done(clock: ChunkClock): DoneChunk {
    let finishReason = this.#finish === undefined ? "stop" : mapFinishReason(this.#finish);
    // Ollama and others report `stop` after tool calls; the contract wants `tool_calls`.
    if (this.#toolCalls.length > 0 && finishReason === "stop") finishReason = "tool_calls";
    const done: DoneChunk = {
      type: "done",
      finishReason,
      model: this.#model,
      provider: this.#errors.provider,
    };
    if (this.#usage !== undefined) done.usage = mapUsage(this.#usage);
    const timings = this.#doneTimings(clock);
    if (timings !== undefined) done.timings = timings;
    const rate = this.#tokensPerSec(clock, done.usage?.outputTokens);
    if (rate !== undefined) done.tokensPerSec = rate;
    if (this.#raw !== undefined) done.raw = this.#raw;
    if (this.#incomplete.length > 0) done.incompleteToolCalls = this.#incomplete;
    return done;
  }

  /** Returns whether the frame carried generated output. */
  #frame(frame: Json, out: StreamChunk[]): boolean {
    if (frame.error) this.#providerError(frame.error);
    const groq = frame.x_groq;
    if (isObject(groq)) {
      if (groq.error) this.#providerError(groq.error);
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
    if (finish === "error") this.#providerError("finish_reason: error");
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
      this.#thinking.add(reasoning);
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
    this.#content.add(text);
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
        ...this.errorOptions(error),
        reason: "invalid_tool_arguments",
        excerpt: e.excerpt,
      });
    }
    this.#incomplete.push(...flushed.incomplete);
    if (flushed.calls.length === 0) return;
    this.#toolCalls.push(...flushed.calls);
    out.push({ type: "tool_calls", toolCalls: flushed.calls, raw });
  }

  #doneTimings(clock: ChunkClock): Timings | undefined {
    const timings: Timings = {};
    let any = false;
    if (clock.generated > 0) {
      timings.firstTokenMs = Math.max(0, clock.firstAt - clock.startedAt);
      any = true;
    }
    const server = this.#timings;
    const promptMs = server ? num(server.prompt_ms) : undefined;
    const generationMs = server ? num(server.predicted_ms) : undefined;
    if (promptMs !== undefined) timings.promptMs = promptMs;
    if (generationMs !== undefined) timings.generationMs = generationMs;
    return any || server !== undefined ? timings : undefined;
  }

  /**
   * llama.cpp's `predicted_per_second`; else measured between the first and the last generated
   * chunk (the first chunk's token is not part of that interval, so one token less); when every
   * token came in one read, over the whole request, the only interval there is.
   */
  #tokensPerSec(clock: ChunkClock, outputTokens: number | undefined): number | undefined {
    const server = this.#timings ? num(this.#timings.predicted_per_second) : undefined;
    if (server !== undefined && server > 0) return server;
    const tokens = outputTokens ?? clock.generated;
    if (clock.generated === 0 || tokens <= 0) return undefined;
    const interval = clock.lastAt - clock.firstAt;
    if (interval > 0 && tokens > 1) return ((tokens - 1) * 1000) / interval;
    const whole = clock.lastAt - clock.startedAt;
    return whole > 0 ? (tokens * 1000) / whole : undefined;
  }

  /** `event: error` (gateways) and old llama.cpp's `error:` field: the data is the error. */
  #eventError(data: string): never {
    let parsed: unknown = data;
    try {
      parsed = JSON.parse(data);
    } catch {
      // A plain-text error event: keep the text.
    }
    this.#providerError(isObject(parsed) && parsed.error !== undefined ? parsed.error : parsed);
  }

  #providerError(error: unknown): never {
    const { message, code } = describeProviderError(error);
    throw new ProviderError(`${this.#errors.provider}: ${message}`, {
      ...this.errorOptions(),
      providerCode: code,
    });
  }

  #malformed(data: string, cause: unknown): OpenAIProtocolError {
    return new OpenAIProtocolError(
      `${this.#errors.provider}: malformed SSE event (not a JSON object): ${data.slice(0, 100)}`,
      { ...this.errorOptions(cause), reason: "malformed_frame", excerpt: data },
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
