import {
  AdapterError,
  type AdapterErrorOptions,
  type AIAdapter,
  type Capabilities,
  createHttpError,
  type DoneChunk,
  type FinishReason,
  type HealthCheckOptions,
  type ListModelsOptions,
  type Message,
  mergeTimeouts,
  NdjsonDecoder,
  ProtocolError,
  ProviderError,
  parseToolArguments,
  type StreamChunk,
  StreamDeadline,
  type StreamOptions,
  secretsFromHeaders,
  type Timeouts,
  type ToolCall,
  UnavailableError,
} from "@x/core";
import { Agent, type Dispatcher, request } from "undici";
import type { RefWireRequest } from "./ref-codec.js";

/** Deliberate bugs, for proving that the suite catches each one. */
export type BrokenMode =
  | "drops-last-chunk"
  | "accepts-truncation"
  | "yields-after-done"
  | "swallows-in-stream-error"
  | "ignores-first-chunk-timeout"
  | "hangs-in-health"
  | "leaks-socket-on-abort"
  | "string-tool-arguments"
  | "leaks-api-key"
  | "splices-after-failure"
  | "decodes-per-chunk"
  | "leaks-timer";

/** Options of the reference adapter. */
export interface RefAdapterOptions {
  baseUrl: string;
  model: string;
  headers?: Record<string, string>;
  apiKey?: string;
  timeouts?: Timeouts;
  capabilities?: Partial<Capabilities>;
  broken?: BrokenMode;
}

type Frame = Record<string, unknown>;

/** A small, correct adapter for the reference NDJSON protocol (undici + @x/core helpers). */
export class RefAdapter implements AIAdapter {
  readonly provider = "ref";
  readonly model: string;
  readonly capabilities: Capabilities;
  readonly #options: RefAdapterOptions;
  readonly #agent = new Agent({ keepAliveTimeout: 1_000 });
  readonly #secrets: string[];

  constructor(options: RefAdapterOptions) {
    this.#options = options;
    this.model = options.model;
    this.capabilities = {
      tools: true,
      thinking: true,
      images: true,
      jsonSchema: true,
      usage: true,
      ...options.capabilities,
    };
    this.#secrets =
      options.broken === "leaks-api-key"
        ? []
        : [...secretsFromHeaders(options.headers), ...(options.apiKey ? [options.apiKey] : [])];
  }

  #base(cause?: unknown): AdapterErrorOptions {
    return { provider: this.provider, model: this.model, secrets: this.#secrets, cause };
  }

  #url(path: string): string {
    return `${this.#options.baseUrl.replace(/\/$/, "")}${path}`;
  }

  /** Maps a thrown transport error: our deadline's reason if it fired, else unavailable. */
  #transportError(cause: unknown, deadline: StreamDeadline): AdapterError {
    if (AdapterError.isInstance(cause)) return cause;
    if (deadline.reason !== undefined) return deadline.error(this.#base(cause));
    const message = cause instanceof Error ? cause.message : String(cause);
    return new UnavailableError(
      `${this.provider}: connection failed (${message})`,
      this.#base(cause),
    );
  }

  async *stream(messages: Message[], options: StreamOptions = {}): AsyncGenerator<StreamChunk> {
    const broken = this.#options.broken;
    let timeouts = mergeTimeouts(this.#options.timeouts, options.timeouts);
    if (broken === "ignores-first-chunk-timeout")
      timeouts = { ...timeouts, firstChunkMs: undefined };
    const deadline = new StreamDeadline(timeouts, options.signal);
    let body: Dispatcher.ResponseData["body"] | undefined;
    let yielded = false;
    try {
      deadline.throwIfFired(this.#base());
      let attempt = 0;
      for (;;) {
        try {
          body = await this.#open(messages, options, deadline);
          for await (const chunk of this.#read(body, deadline)) {
            yielded = true;
            yield chunk;
          }
          return;
        } catch (error) {
          // The broken "splice" variant silently starts over after a mid-stream failure.
          if (
            broken === "splices-after-failure" &&
            yielded &&
            attempt++ === 0 &&
            UnavailableError.isInstance(error)
          )
            continue;
          throw error;
        }
      }
    } finally {
      if (broken !== "leaks-timer") deadline.dispose();
      if (broken !== "leaks-socket-on-abort") body?.destroy();
    }
  }

  async #open(messages: Message[], options: StreamOptions, deadline: StreamDeadline) {
    let response: Dispatcher.ResponseData;
    // The broken "leaks the socket" variant keeps the signal away from undici, so nothing destroys the socket.
    const leaky = this.#options.broken === "leaks-socket-on-abort";
    try {
      const pending = request(this.#url("/api/chat"), {
        method: "POST",
        dispatcher: this.#agent,
        headers: { "content-type": "application/json", ...this.#options.headers },
        body: JSON.stringify(toWire(this.model, messages, options)),
        signal: leaky ? undefined : deadline.signal,
      });
      response = leaky ? await raceSignal(pending, deadline.signal) : await pending;
    } catch (cause) {
      throw this.#transportError(cause, deadline);
    }
    deadline.started();
    if (response.statusCode >= 300) {
      const text = await response.body.text().catch(() => "");
      throw createHttpError({
        provider: this.provider,
        model: this.model,
        status: response.statusCode,
        headers: response.headers,
        body: text,
        secrets: this.#secrets,
      });
    }
    return response.body;
  }

  async *#read(
    body: Dispatcher.ResponseData["body"],
    deadline: StreamDeadline,
  ): AsyncGenerator<StreamChunk> {
    const broken = this.#options.broken;
    const decoder = new NdjsonDecoder({ provider: this.provider });
    let done: DoneChunk | undefined;
    let held: StreamChunk | undefined;
    const emit = (frame: Frame): StreamChunk[] => this.#frame(frame, done !== undefined);
    try {
      const source = broken === "leaks-socket-on-abort" ? raceAbort(body, deadline.signal) : body;
      for await (const bytes of source) {
        deadline.activity();
        // The broken "decodes per chunk" variant decodes each read on its own, splitting characters.
        const input =
          broken === "decodes-per-chunk"
            ? Buffer.from(Buffer.from(bytes as Uint8Array).toString("utf8"))
            : (bytes as Uint8Array);
        for (const text of decoder.push(input)) {
          for (const chunk of emit(parseLine(text, this.#base()))) {
            if (chunk.type === "done") done = chunk;
            else if (broken === "drops-last-chunk" && chunk.type === "content") {
              if (held) yield held;
              held = chunk;
            } else yield chunk;
          }
        }
      }
      for (const text of decoder.end())
        for (const chunk of emit(parseLine(text, this.#base())))
          if (chunk.type === "done") done = chunk;
    } catch (cause) {
      if (ProviderError.isInstance(cause) && broken === "swallows-in-stream-error") {
        yield { type: "done", finishReason: "stop", model: this.model, provider: this.provider };
        return;
      }
      throw this.#transportError(cause, deadline);
    }
    if (!done) {
      if (broken !== "accepts-truncation") {
        throw new ProtocolError(`${this.provider}: stream ended without a done frame`, {
          ...this.#base(),
          reason: "truncated",
        });
      }
      done = { type: "done", finishReason: "stop", model: this.model, provider: this.provider };
    }
    yield done;
    if (broken === "yields-after-done") yield { type: "content", content: "(after done)" };
  }

  #frame(frame: Frame, afterDone: boolean): StreamChunk[] {
    if (afterDone)
      throw new ProtocolError(`${this.provider}: frame after done`, {
        ...this.#base(),
        reason: "unexpected_frame",
      });
    switch (frame.type) {
      case "thinking":
        return frame.delta ? [{ type: "thinking", thinking: String(frame.delta) }] : [];
      case "text":
        return frame.delta ? [{ type: "content", content: String(frame.delta) }] : [];
      case "tool":
        return [{ type: "tool_calls", toolCalls: [this.#call(frame.call as Frame)] }];
      case "error": {
        const error = frame.error as { message?: string; code?: string };
        throw new ProviderError(`${this.provider}: ${error.message ?? "error"}`, {
          ...this.#base(),
          providerCode: error.code,
        });
      }
      case "done": {
        const out: StreamChunk[] = [];
        const calls = frame.tool_calls as Frame[] | undefined;
        if (calls?.length)
          out.push({ type: "tool_calls", toolCalls: calls.map((c) => this.#call(c)) });
        const usage = frame.usage as { input?: number; output?: number } | undefined;
        const done: DoneChunk = {
          type: "done",
          finishReason: frame.reason as FinishReason,
          model: String(frame.model),
          provider: this.provider,
        };
        if (usage) done.usage = { inputTokens: usage.input, outputTokens: usage.output };
        if (typeof frame.tokens_per_sec === "number") done.tokensPerSec = frame.tokens_per_sec;
        out.push(done);
        return out;
      }
      default:
        throw new ProtocolError(
          `${this.provider}: unknown frame type ${JSON.stringify(frame.type)}`,
          { ...this.#base(), reason: "unexpected_frame" },
        );
    }
  }

  #call(call: Frame): ToolCall {
    const name = String(call.name);
    if (this.#options.broken === "string-tool-arguments") {
      return {
        id: String(call.id),
        name,
        arguments: JSON.stringify(call.arguments) as unknown as Record<string, unknown>,
      };
    }
    return {
      id: typeof call.id === "string" ? call.id : `call_${name}`,
      name,
      arguments: parseToolArguments(call.arguments, name, this.#base()),
    };
  }

  async healthCheck(options: HealthCheckOptions = {}): Promise<boolean> {
    const hangs = this.#options.broken === "hangs-in-health";
    const deadline = new StreamDeadline(
      hangs ? {} : { totalMs: options.timeoutMs ?? 2_000 },
      options.signal,
    );
    try {
      const response = await request(this.#url("/health"), {
        dispatcher: this.#agent,
        headers: this.#options.headers,
        signal: deadline.signal,
      });
      await response.body.dump();
      return response.statusCode >= 200 && response.statusCode < 300;
    } catch {
      return false;
    } finally {
      deadline.dispose();
    }
  }

  async listModels(options: ListModelsOptions = {}): Promise<string[]> {
    const deadline = new StreamDeadline({}, options.signal);
    try {
      const response = await request(this.#url("/models"), {
        dispatcher: this.#agent,
        headers: this.#options.headers,
        signal: deadline.signal,
      });
      const text = await response.body.text();
      if (response.statusCode >= 300) {
        throw createHttpError({
          provider: this.provider,
          model: this.model,
          status: response.statusCode,
          headers: response.headers,
          body: text,
          secrets: this.#secrets,
        });
      }
      return (JSON.parse(text) as { models: string[] }).models;
    } catch (cause) {
      throw this.#transportError(cause, deadline);
    } finally {
      deadline.dispose();
    }
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}

function parseLine(text: string, base: AdapterErrorOptions): Frame {
  try {
    return JSON.parse(text) as Frame;
  } catch (cause) {
    throw new ProtocolError(`${base.provider}: malformed frame`, {
      ...base,
      cause,
      reason: "malformed_frame",
      excerpt: text,
    });
  }
}

async function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        onAbort = () => reject(signal.reason);
        if (signal.aborted) onAbort();
        else signal.addEventListener("abort", onAbort, { once: true });
      }),
    ]);
  } finally {
    if (onAbort) signal.removeEventListener("abort", onAbort);
  }
}

/** The broken "leaks the socket" variant: gives up on abort without destroying the body. */
async function* raceAbort(
  body: AsyncIterable<unknown>,
  signal: AbortSignal,
): AsyncGenerator<unknown> {
  const iterator = body[Symbol.asyncIterator]();
  for (;;) {
    const next = await raceSignal(iterator.next(), signal);
    if (next.done) return;
    yield next.value;
  }
}

function toWire(model: string, messages: Message[], options: StreamOptions): RefWireRequest {
  const wire: RefWireRequest = {
    model,
    stream: true,
    messages: messages.map((m) => ({
      role: m.role,
      content: m.content,
      ...(m.images ? { images: m.images } : {}),
      ...(m.toolCalls ? { tool_calls: m.toolCalls } : {}),
      ...(m.toolCallId ? { tool_call_id: m.toolCallId } : {}),
      ...(m.name ? { name: m.name } : {}),
    })),
    options: {
      temperature: options.temperature,
      top_p: options.topP,
      max_tokens: options.maxTokens,
      stop: options.stop,
      seed: options.seed,
    },
  };
  if (options.tools) wire.tools = options.tools;
  if (options.think !== undefined) wire.think = options.think;
  if (options.responseFormat === "json") wire.format = "json";
  else if (options.responseFormat)
    wire.format = { name: options.responseFormat.name, schema: options.responseFormat.schema };
  if (options.providerOptions) wire.extra = options.providerOptions;
  return wire;
}
