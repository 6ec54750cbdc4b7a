import {
  type AdapterErrorOptions,
  createToolCallId,
  type DoneChunk,
  type FinishReason,
  parseToolArguments,
  type Timings,
  type ToolCall,
  type Usage,
} from "@x/core";
import { OllamaProtocolError } from "./ollama-errors.js";
import type { OllamaChatFrame, OllamaWireToolCall } from "./ollama-wire.js";

/**
 * Converts `message.tool_calls` of one frame. Ollama sends each call whole, with object
 * arguments; ids are synthesised when absent (servers before v0.12.10, some native-path models).
 * @internal
 */
/**
 * Converts one frame's `tool_calls`. `errorOptions` is only called to build an error: it joins
 * the partial text, which must not happen for every frame that carries a call.
 */
export function toToolCalls(value: unknown, errorOptions: () => AdapterErrorOptions): ToolCall[] {
  if (!Array.isArray(value)) {
    const options = errorOptions();
    throw new OllamaProtocolError(`${options.provider}: message.tool_calls is not an array`, {
      ...options,
      reason: "malformed_frame",
      excerpt: JSON.stringify(value),
    });
  }
  const calls: ToolCall[] = [];
  for (const item of value as OllamaWireToolCall[]) {
    const fn = item?.function;
    const name = fn?.name;
    if (typeof name !== "string" || name === "") {
      const options = errorOptions();
      throw new OllamaProtocolError(`${options.provider}: a tool call has no function name`, {
        ...options,
        reason: "malformed_frame",
        excerpt: JSON.stringify(item),
      });
    }
    calls.push({
      id: typeof item.id === "string" && item.id !== "" ? item.id : createToolCallId(),
      name,
      // Ollama sends arguments as an object; anything else goes through the strict parser.
      arguments: isRecord(fn?.arguments)
        ? fn.arguments
        : parseToolArguments(fn?.arguments, name, errorOptions()),
    });
  }
  return calls;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function nsToMs(value: unknown): number | undefined {
  const ns = count(value);
  return ns === undefined ? undefined : ns / 1e6;
}

/** Maps Ollama's `done_reason`; tool calls in the answer win (Ollama says "stop" for them). */
export function toFinishReason(doneReason: unknown, sawToolCalls: boolean): FinishReason {
  if (sawToolCalls) return "tool_calls";
  if (doneReason === undefined || doneReason === "stop") return "stop";
  if (doneReason === "length") return "length";
  return "other";
}

/**
 * Builds the `done` chunk from the `done: true` frame. A metric Ollama omitted (omitempty, e.g.
 * `prompt_eval_count` on a full cache hit) stays `undefined`, never 0.
 * @internal
 */
export function toDoneChunk(
  frame: OllamaChatFrame,
  provider: string,
  fallbackModel: string,
  sawToolCalls: boolean,
  firstTokenMs: number | undefined,
): DoneChunk {
  const done: DoneChunk = {
    type: "done",
    finishReason: toFinishReason(frame.done_reason, sawToolCalls),
    model: typeof frame.model === "string" && frame.model !== "" ? frame.model : fallbackModel,
    provider,
  };
  const inputTokens = count(frame.prompt_eval_count);
  const outputTokens = count(frame.eval_count);
  if (inputTokens !== undefined || outputTokens !== undefined) {
    const usage: Usage = {};
    if (inputTokens !== undefined) usage.inputTokens = inputTokens;
    if (outputTokens !== undefined) usage.outputTokens = outputTokens;
    if (inputTokens !== undefined && outputTokens !== undefined) {
      usage.totalTokens = inputTokens + outputTokens;
    }
    done.usage = usage;
  }
  const evalNs = count(frame.eval_duration);
  if (outputTokens !== undefined && evalNs !== undefined && evalNs > 0) {
    done.tokensPerSec = outputTokens / (evalNs / 1e9);
  }
  const timings: Timings = {};
  let anyTiming = false;
  const totalMs = nsToMs(frame.total_duration);
  if (totalMs !== undefined) {
    timings.totalMs = totalMs;
    anyTiming = true;
  }
  const loadMs = nsToMs(frame.load_duration);
  if (loadMs !== undefined) {
    timings.loadMs = loadMs;
    anyTiming = true;
  }
  const promptMs = nsToMs(frame.prompt_eval_duration);
  if (promptMs !== undefined) {
    timings.promptMs = promptMs;
    anyTiming = true;
  }
  const generationMs = nsToMs(frame.eval_duration);
  if (generationMs !== undefined) {
    timings.generationMs = generationMs;
    anyTiming = true;
  }
  if (firstTokenMs !== undefined) {
    timings.firstTokenMs = firstTokenMs;
    anyTiming = true;
  }
  if (anyTiming) done.timings = timings;
  done.raw = frame;
  return done;
}

/** The message of an `{"error": ...}` line (a string in every Ollama version seen). */
export function errorLineMessage(error: unknown): string {
  if (typeof error === "string") return error;
  if (typeof error === "object" && error !== null) {
    const message = (error as { message?: unknown }).message;
    if (typeof message === "string") return message;
  }
  return JSON.stringify(error);
}
