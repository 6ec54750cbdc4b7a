import {
  type AdapterErrorOptions,
  type DoneChunk,
  ProtocolError,
  ProviderError,
  type SseEvent,
  type StreamChunk,
  TextAccumulator,
  type Timings,
  type ToolCall,
} from "@x/core";
import { isObject, mapFinishReason, mapUsage, num } from "./map-openai-fields.js";
import { OpenAIProtocolError } from "./openai-errors.js";
import { ToolCallAccumulator } from "./tool-call-accumulator.js";

type Json = Record<string, unknown>;

function errorMessage(error: unknown): { message: string; code: string | undefined } {
  if (typeof error === "string") return { message: error, code: undefined };
  if (isObject(error)) {
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
  return { message: String(error), code: undefined };
}

/** Options for {@link OpenAIStreamState}. */
export interface OpenAIStreamStateOptions {
  provider: string;
  model: string;
  secrets: readonly string[];
  /** `performance.now()` when the request was sent (for `timings.firstTokenMs`). */
  startedAt: number;
}

/**
 * Turns decoded SSE events of a Chat Completions stream into `StreamChunk`s. One instance per
 * stream. `event()` appends the chunks an event produces to `out` (a reused array: the caller
 * yields and clears it) and returns `true` at `data: [DONE]`. Errors inside the stream throw.
 * @internal
 */
export class OpenAIStreamState {
  /** Chunks produced by the last call to {@link OpenAIStreamState.event}. */
  readonly out: StreamChunk[] = [];
  readonly #options: OpenAIStreamStateOptions;
  /** Created at the first tool-call delta (most answers have none). */
  #tools: ToolCallAccumulator | undefined;
  #model: string;
  #finish: string | undefined;
  #usage: Json | undefined;
  #timings: Json | undefined;
  #raw: unknown;
  /** Content and thinking yielded so far (for `partial`), collapsed every 1024 pieces. */
  readonly #content = new TextAccumulator();
  /** Created at the first reasoning delta (most answers have none). */
  #thinking: TextAccumulator | undefined;
  /** `performance.now()` of the network read being decoded (set by the reader, once per read). */
  now = 0;
  #toolCalls: ToolCall[] = [];
  #firstAt = 0;
  #lastAt = 0;
  #generated = 0;

  constructor(options: OpenAIStreamStateOptions) {
    this.#options = options;
    this.#model = options.model;
  }

  /** Whether a `finish_reason` was seen (a stream may then end without `[DONE]`). */
  get finished(): boolean {
    return this.#finish !== undefined;
  }

  /** What was yielded so far, for errors. */
  partial(): { content: string; thinking: string; toolCalls: ToolCall[] } {
    return {
      content: this.#content.toString(),
      thinking: this.#thinking === undefined ? "" : this.#thinking.toString(),
      toolCalls: this.#toolCalls,
    };
  }

  /** Error options with the partial output attached. */
  errorOptions(cause?: unknown): AdapterErrorOptions {
    const o = this.#options;
    return {
      provider: o.provider,
      model: o.model,
      secrets: o.secrets,
      partial: this.partial(),
      cause,
    };
  }

  /**
   * Handles a whole non-streamed `chat.completion` (a server or proxy that ignored
   * `stream: true`): its `message` is read as one delta.
   */
  completion(text: string): void {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      throw this.#malformed(text, cause);
    }
    if (!isObject(json)) throw this.#malformed(text, undefined);
    const choices = json.choices;
    if (Array.isArray(choices)) {
      json.choices = choices.map((choice: unknown) =>
        isObject(choice) && isObject(choice.message)
          ? { ...choice, delta: choice.message }
          : choice,
      );
    }
    this.#chunk(json);
    if (!this.finished && !(Array.isArray(choices) && choices.length > 0)) {
      throw this.#malformed(text, undefined);
    }
  }

  /** Handles one SSE event. Returns `true` at the `[DONE]` sentinel. */
  event(event: SseEvent): boolean {
    const data = event.data;
    if (data === "[DONE]") return true;
    if (event.event === "error") this.#throwEventError(data);
    let chunk: unknown;
    try {
      chunk = JSON.parse(data);
    } catch (cause) {
      throw this.#malformed(data, cause);
    }
    if (!isObject(chunk)) throw this.#malformed(data, undefined);
    this.#chunk(chunk);
    return false;
  }

  /** Completes pending tool calls into `out` (at a finish_reason, `[DONE]` or EOF). */
  flushTools(raw: unknown): void {
    // Nothing pending (every answer without tool calls): skip building the error options, whose
    // partial output joins all the text received so far.
    const tools = this.#tools;
    if (tools === undefined || !tools.pending) return;
    let calls: ToolCall[] | undefined;
    try {
      calls = tools.flush(this.errorOptions());
    } catch (error) {
      if (ProtocolError.isInstance(error)) {
        throw new OpenAIProtocolError(error.message, {
          ...this.errorOptions(error),
          reason: "invalid_tool_arguments",
          excerpt: error.excerpt,
        });
      }
      throw error;
    }
    if (calls === undefined) return;
    for (const call of calls) this.#toolCalls.push(call);
    this.out.push({ type: "tool_calls", toolCalls: calls, raw });
  }

  /** The terminal chunk. */
  done(): DoneChunk {
    const o = this.#options;
    let finishReason = this.#finish === undefined ? "stop" : mapFinishReason(this.#finish);
    // Ollama and others report `stop` after tool calls; the contract wants `tool_calls`.
    if (this.#toolCalls.length > 0 && finishReason === "stop") finishReason = "tool_calls";
    const done: DoneChunk = {
      type: "done",
      finishReason,
      model: this.#model,
      provider: o.provider,
    };
    let outputTokens: number | undefined;
    if (this.#usage !== undefined) {
      done.usage = mapUsage(this.#usage);
      outputTokens = done.usage.outputTokens;
    }
    const timings: Timings = {};
    let hasTimings = false;
    if (this.#generated > 0) {
      timings.firstTokenMs = Math.max(0, this.#firstAt - o.startedAt);
      hasTimings = true;
    }
    const serverTimings = this.#timings;
    const serverRate = serverTimings ? num(serverTimings.predicted_per_second) : undefined;
    if (serverTimings !== undefined) {
      const promptMs = num(serverTimings.prompt_ms);
      const generationMs = num(serverTimings.predicted_ms);
      if (promptMs !== undefined) timings.promptMs = promptMs;
      if (generationMs !== undefined) timings.generationMs = generationMs;
      hasTimings = true;
    }
    if (hasTimings) done.timings = timings;
    if (serverRate !== undefined && serverRate > 0) {
      done.tokensPerSec = serverRate;
    } else {
      // Measured between the first and the last generated chunk; the first chunk's token is not
      // part of the interval, so count one token less.
      const elapsed = this.#lastAt - this.#firstAt;
      const tokens = (outputTokens ?? this.#generated) - 1;
      if (elapsed > 0 && tokens > 0) done.tokensPerSec = (tokens * 1000) / elapsed;
    }
    if (this.#raw !== undefined) done.raw = this.#raw;
    return done;
  }

  #chunk(chunk: Json): void {
    if (chunk.error) this.#throwProviderError(chunk.error);
    const groq = chunk.x_groq;
    if (isObject(groq)) {
      if (groq.error) this.#throwProviderError(groq.error);
      if (isObject(groq.usage)) {
        this.#usage = groq.usage;
        this.#raw = chunk;
      }
    }
    if (isObject(chunk.usage)) {
      this.#usage = chunk.usage;
      this.#raw = chunk;
    }
    if (isObject(chunk.timings)) this.#timings = chunk.timings;
    const model = chunk.model;
    if (typeof model === "string" && model !== "") this.#model = model;
    const choices = chunk.choices;
    // Azure's prompt-filter prelude and usage chunks have `choices: []`.
    if (!Array.isArray(choices) || choices.length === 0) return;
    for (let i = 0; i < choices.length; i++) {
      const choice = choices[i];
      if (!isObject(choice)) continue;
      // Only the first choice (n > 1 is not supported by the contract).
      if (typeof choice.index === "number" && choice.index !== 0) continue;
      const delta = choice.delta;
      if (isObject(delta)) this.#delta(delta, chunk);
      const finish = choice.finish_reason;
      if (typeof finish === "string" && finish !== "") {
        if (finish === "error") this.#throwProviderError("finish_reason: error");
        this.#finish = finish;
        this.#raw = chunk;
        this.flushTools(chunk);
      }
    }
  }

  #delta(delta: Json, raw: Json): void {
    const out = this.out;
    let generated = false;
    // DeepSeek, llama.cpp, vLLM ≤0.10: reasoning_content; vLLM ≥0.11, Ollama, Groq: reasoning.
    let reasoning = delta.reasoning_content;
    if (typeof reasoning !== "string" || reasoning === "") reasoning = delta.reasoning;
    if (typeof reasoning === "string" && reasoning !== "") {
      let thinking = this.#thinking;
      if (thinking === undefined) {
        thinking = new TextAccumulator();
        this.#thinking = thinking;
      }
      thinking.add(reasoning);
      out.push({ type: "thinking", thinking: reasoning, raw });
      generated = true;
    }
    const content = delta.content;
    if (typeof content === "string") {
      if (content !== "") {
        this.#content.add(content);
        out.push({ type: "content", content, raw });
        generated = true;
      }
    } else if (Array.isArray(content)) {
      // Some OpenRouter routes send Anthropic-style content blocks.
      for (const block of content) {
        if (isObject(block) && typeof block.text === "string" && block.text !== "") {
          this.#content.add(block.text);
          out.push({ type: "content", content: block.text, raw });
          generated = true;
        }
      }
    }
    // A refusal is the model's visible answer: yielded as content.
    const refusal = delta.refusal;
    if (typeof refusal === "string" && refusal !== "") {
      this.#content.add(refusal);
      out.push({ type: "content", content: refusal, raw });
      generated = true;
    }
    const toolCalls = delta.tool_calls;
    if (Array.isArray(toolCalls) && toolCalls.length > 0) {
      let tools = this.#tools;
      if (tools === undefined) {
        tools = new ToolCallAccumulator();
        this.#tools = tools;
      }
      for (let i = 0; i < toolCalls.length; i++) tools.add(toolCalls[i]);
      generated = true;
    }
    if (generated) {
      const now = this.now;
      if (this.#generated === 0) this.#firstAt = now;
      this.#lastAt = now;
      this.#generated++;
    }
  }

  #throwEventError(data: string): never {
    let parsed: unknown = data;
    try {
      parsed = JSON.parse(data);
    } catch {
      // A plain-text error event: keep the text.
    }
    this.#throwProviderError(
      isObject(parsed) && parsed.error !== undefined ? parsed.error : parsed,
    );
  }

  #throwProviderError(error: unknown): never {
    const { message, code } = errorMessage(error);
    throw new ProviderError(`${this.#options.provider}: ${message}`, {
      ...this.errorOptions(),
      providerCode: code,
    });
  }

  #malformed(data: string, cause: unknown): OpenAIProtocolError {
    return new OpenAIProtocolError(
      `${this.#options.provider}: malformed SSE event (not a JSON object): ${data.slice(0, 100)}`,
      { ...this.errorOptions(cause), reason: "malformed_frame", excerpt: data },
    );
  }
}
