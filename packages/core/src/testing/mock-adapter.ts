import { AbortedError, type PartialOutput, ProtocolError } from "../errors/errors.js";
import type { AIAdapter, HealthCheckOptions, ListModelsOptions } from "../types/ai-adapter.js";
import type { Capabilities } from "../types/capabilities.js";
import type { Message } from "../types/message.js";
import type {
  ContentChunk,
  DoneChunk,
  StreamChunk,
  ThinkingChunk,
  ToolCallsChunk,
} from "../types/stream-chunk.js";
import type { StreamOptions } from "../types/stream-options.js";

/** One step of a {@link MockScript}. */
export type MockStep =
  | Omit<ContentChunk, "raw">
  | Omit<ThinkingChunk, "raw">
  | Omit<ToolCallsChunk, "raw">
  | (Partial<Omit<DoneChunk, "type">> & { type: "done" })
  /** Wait this long (abortable) before the next step. */
  | { type: "delay"; ms: number }
  /** Wait until the stream is aborted (a server that never answers / stalls). */
  | { type: "hang" }
  /** Throw this error (before any chunk: a connect-stage failure; later: mid-stream). */
  | { type: "error"; error: Error | ((partial: PartialOutput) => Error) }
  /** End without a done chunk: the stream throws a truncation `ProtocolError`. */
  | { type: "truncate" };

/** What one call to `stream()` does. */
export type MockScript = MockStep[];

/** Information about one call, recorded on {@link MockAdapter.calls}. */
export interface MockCall {
  /** The messages passed to `stream()`. */
  messages: Message[];
  /** The options passed to `stream()`. */
  options: StreamOptions | undefined;
  /**
   * How the stream ended: `done`, `error` (it threw), `aborted` (the signal fired) or `cancelled`
   * (the consumer stopped early). `undefined` while it runs or if it was never iterated.
   */
  outcome?: "done" | "error" | "aborted" | "cancelled";
}

/** Options for {@link createMockAdapter}. */
export interface MockAdapterOptions {
  /** Provider name. Default `"mock"`. */
  provider?: string;
  /** Model name. Default `"mock-model"`. */
  model?: string;
  /** Capabilities; unspecified ones default to `true`. */
  capabilities?: Partial<Capabilities>;
  /**
   * The script: one script for every call, a list (call N uses entry N; the last repeats), or a
   * function of the call index and input.
   */
  script:
    | MockScript
    | MockScript[]
    | ((call: number, messages: Message[], options?: StreamOptions) => MockScript);
  /** `healthCheck()` answer: a boolean, `"hang"` (resolves false at its timeout), or a function. Default `true`. */
  health?: boolean | "hang" | (() => boolean | Promise<boolean>);
  /** `listModels()` answer, or an error to throw. Default `[model]`. */
  models?: string[] | Error;
}

/** A scripted in-memory {@link AIAdapter} with call records. */
export interface MockAdapter extends AIAdapter {
  /** Every `stream()` call, in order. */
  readonly calls: MockCall[];
  /** Streams being iterated now: first `next()` called, not yet finished, failed or cancelled. */
  readonly openStreams: number;
}

/** Splits `text` into content steps of `size` characters (default: words). */
export function textSteps(text: string, size?: number): MockStep[] {
  const parts = size
    ? (text.match(new RegExp(`[\\s\\S]{1,${size}}`, "g")) ?? [])
    : (text.match(/\S+\s*|\s+/g) ?? []);
  return parts.map((content) => ({ type: "content" as const, content }));
}

function copyOf(partial: PartialOutput): PartialOutput {
  return {
    content: partial.content,
    thinking: partial.thinking,
    toolCalls: [...partial.toolCalls],
  };
}

function isArrayOfScripts(script: MockAdapterOptions["script"]): script is MockScript[] {
  return Array.isArray(script) && script.length > 0 && Array.isArray(script[0]);
}

/** Waits until `signal` fires (forever without one), then rejects with its reason. No timer. */
function untilAborted(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_resolve, reject) => {
    if (!signal) return;
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Creates a scripted in-memory adapter for tests: text, thinking, tool calls, usage, per-step
 * delays and faults (unavailable, first-chunk hang, mid-stream error, truncation, protocol
 * error). Abort is honest: a pending delay or hang ends at once with `AbortedError`, and
 * `openStreams` returns to 0 when every stream has finished, failed or been cancelled.
 * `StreamOptions.timeouts` are not applied: the mock only scripts what a server does.
 *
 * @example
 * const adapter = createMockAdapter({ script: [...textSteps("Hello world"), { type: "done" }] });
 */
export function createMockAdapter(options: MockAdapterOptions): MockAdapter {
  const provider = options.provider ?? "mock";
  const model = options.model ?? "mock-model";
  const capabilities: Capabilities = {
    tools: true,
    thinking: true,
    images: true,
    jsonSchema: true,
    usage: true,
    ...options.capabilities,
  };
  const calls: MockCall[] = [];
  let open = 0;

  const scriptFor = (
    index: number,
    messages: Message[],
    streamOptions?: StreamOptions,
  ): MockScript => {
    const { script } = options;
    if (typeof script === "function") return script(index, messages, streamOptions);
    if (isArrayOfScripts(script)) return script[Math.min(index, script.length - 1)]!;
    return script as MockScript;
  };

  async function* run(
    call: MockCall,
    index: number,
    messages: Message[],
    streamOptions?: StreamOptions,
  ): AsyncGenerator<StreamChunk> {
    const signal = streamOptions?.signal;
    const aborted = (cause?: unknown) =>
      new AbortedError(`${provider}: request aborted`, { provider, model, cause });
    const partial: PartialOutput = { content: "", thinking: "", toolCalls: [] };
    open++;
    let finished = false;
    try {
      if (signal?.aborted) throw aborted(signal.reason);
      for (const step of scriptFor(index, messages, streamOptions)) {
        if (signal?.aborted) throw aborted(signal.reason);
        switch (step.type) {
          case "delay":
            try {
              await delay(step.ms, signal);
            } catch (cause) {
              throw aborted(cause);
            }
            break;
          case "hang":
            try {
              await untilAborted(signal);
            } catch (cause) {
              throw aborted(cause);
            }
            break;
          case "error":
            throw typeof step.error === "function" ? step.error(copyOf(partial)) : step.error;
          case "truncate":
            throw new ProtocolError(`${provider}: stream ended without a done frame`, {
              provider,
              model,
              reason: "truncated",
              partial: copyOf(partial),
            });
          case "content":
            partial.content += step.content;
            yield { type: "content", content: step.content };
            break;
          case "thinking":
            partial.thinking += step.thinking;
            yield { type: "thinking", thinking: step.thinking };
            break;
          case "tool_calls":
            partial.toolCalls.push(...step.toolCalls);
            yield { type: "tool_calls", toolCalls: step.toolCalls };
            break;
          case "done": {
            const done: DoneChunk = {
              ...step,
              type: "done",
              finishReason:
                step.finishReason ?? (partial.toolCalls.length > 0 ? "tool_calls" : "stop"),
              model: step.model ?? model,
              provider: step.provider ?? provider,
            };
            finished = true;
            call.outcome = "done";
            yield done;
            return;
          }
        }
      }
      throw new ProtocolError(`${provider}: mock script ended without a done step`, {
        provider,
        model,
        reason: "truncated",
        partial: copyOf(partial),
      });
    } catch (error) {
      call.outcome = AbortedError.isInstance(error) ? "aborted" : "error";
      finished = true;
      throw error;
    } finally {
      if (!finished) call.outcome = "cancelled";
      open--;
    }
  }

  return {
    provider,
    model,
    capabilities,
    calls,
    get openStreams() {
      return open;
    },
    stream(messages, streamOptions) {
      // Recorded at call time, so call N (and script N) follows the order of stream() calls even
      // when streams are iterated in another order.
      const call: MockCall = { messages, options: streamOptions };
      calls.push(call);
      return run(call, calls.length - 1, messages, streamOptions);
    },
    async healthCheck(healthOptions?: HealthCheckOptions): Promise<boolean> {
      const health = options.health ?? true;
      if (healthOptions?.signal?.aborted) return false;
      if (health === "hang") {
        try {
          await delay(healthOptions?.timeoutMs ?? 2000, healthOptions?.signal);
        } catch {
          // aborted: fall through to false
        }
        return false;
      }
      if (typeof health === "function") {
        // healthCheck never rejects, whatever the scripted function does.
        try {
          return (await health()) === true;
        } catch {
          return false;
        }
      }
      return health;
    },
    async listModels(listOptions?: ListModelsOptions): Promise<string[]> {
      if (listOptions?.signal?.aborted)
        throw new AbortedError(`${provider}: request aborted`, { provider, model });
      const models = options.models ?? [model];
      if (models instanceof Error) throw models;
      return [...models];
    },
  };
}
