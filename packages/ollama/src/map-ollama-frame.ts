import {
  type DoneChunk,
  type FinishReason,
  type IncompleteToolCall,
  type PartialOutput,
  ProtocolError,
  ProviderError,
  type StreamChunk,
  type Timings,
  type ToolCall,
  type Usage,
} from "@x/core";
import { createToolCallId, parseToolArguments, redact, TextAccumulator } from "@x/core/http";
import { isRecord } from "./convert-to-ollama-messages.js";
import type { ErrorContext } from "./map-ollama-error.js";
import { OllamaProtocolError } from "./ollama-errors.js";
import type { OllamaChatFrame, OllamaWireToolCall } from "./ollama-wire.js";

/** A tool call whose arguments arrived as text that is not a JSON object. */
interface UnparsedToolCall extends IncompleteToolCall {
  /** Why it did not parse (core's `ProtocolError`, already redacted). */
  error: ProtocolError;
}

/**
 * What one stream has produced so far: the text for `partial` on errors, the tool calls for the
 * finish reason, and the time to the first chunk for `done.timings`.
 * @internal
 */
export class OllamaAnswer {
  readonly content = new TextAccumulator();
  readonly thinking = new TextAccumulator();
  readonly toolCalls: ToolCall[] = [];
  /** Calls held back until the done frame says whether the token limit cut them off. */
  readonly unparsed: UnparsedToolCall[] = [];
  /** `performance.now()` when the request started. */
  readonly startedAt = performance.now();
  /** Milliseconds from the request to the first content, thinking or tool-call chunk. */
  firstChunkMs: number | undefined;

  /** Records a chunk as yielded. */
  add(chunk: StreamChunk): void {
    if (chunk.type === "content") {
      this.content.add(chunk.content);
    } else if (chunk.type === "thinking") {
      this.thinking.add(chunk.thinking);
    } else if (chunk.type === "tool_calls") {
      for (const call of chunk.toolCalls) this.toolCalls.push(call);
    }
    this.firstChunkMs ??= performance.now() - this.startedAt;
  }

  /** What was yielded so far, for an error's `partial`. */
  partial(): PartialOutput {
    return {
      content: this.content.toString(),
      thinking: this.thinking.toString(),
      toolCalls: this.toolCalls.slice(),
    };
  }
}

const NONE: readonly StreamChunk[] = Object.freeze([]);

/**
 * One decoded `/api/chat` frame → its content chunks, in order: thinking, content, tool calls.
 * Empty strings yield nothing (Ollama sends `content: ""` while thinking and in load-only
 * frames). The `done: true` frame's own content comes first too; then {@link toDoneChunk}.
 *
 * Throws `ProviderError` for an `{"error": ...}` line (first line or mid-stream) and
 * `OllamaProtocolError` for a frame that breaks the protocol.
 * @internal
 */
export function mapOllamaFrame(
  frame: OllamaChatFrame,
  answer: OllamaAnswer,
  context: ErrorContext,
): readonly StreamChunk[] {
  if (frame.error !== undefined) {
    // Ollama ends a failed generation with {"error": ...} inside the 200 stream (and, before
    // v0.12.6, as the very first line). Never swallowed: see DESIGN §6.
    throw new ProviderError(`${context.provider}: ${errorLineMessage(frame.error)}`, {
      ...context,
      partial: answer.partial(),
    });
  }
  const message = frame.message;
  if (message === undefined || message === null) return NONE;
  if (!isRecord(message)) throw malformed("message is not an object", frame, answer, context);
  const thinking = text(message.thinking, "thinking", frame, answer, context);
  const content = text(message.content, "content", frame, answer, context);
  const calls =
    message.tool_calls === undefined || message.tool_calls === null
      ? undefined
      : toToolCalls(message.tool_calls, frame, answer, context);
  if (thinking === "" && content === "" && (calls === undefined || calls.length === 0)) {
    return NONE;
  }
  const chunks: StreamChunk[] = [];
  if (thinking !== "") chunks.push({ type: "thinking", thinking });
  if (content !== "") chunks.push({ type: "content", content });
  if (calls !== undefined && calls.length > 0) {
    chunks.push({ type: "tool_calls", toolCalls: calls });
  }
  return chunks;
}

/** A text delta: a string (possibly empty) or absent; anything else breaks the protocol. */
function text(
  value: unknown,
  field: string,
  frame: OllamaChatFrame,
  answer: OllamaAnswer,
  context: ErrorContext,
): string {
  if (typeof value === "string") return value;
  if (value === undefined || value === null) return "";
  throw malformed(`message.${field} is not a string`, frame, answer, context);
}

/**
 * Converts one frame's `tool_calls`. Ollama sends each call whole with object arguments; ids are
 * synthesised when absent (servers before v0.12.10, some native-path models). Arguments given as
 * a JSON string (proxies, odd servers) are parsed; text that does not parse is held back in
 * `answer.unparsed` until the done frame (see {@link toDoneChunk}).
 */
function toToolCalls(
  value: unknown,
  frame: OllamaChatFrame,
  answer: OllamaAnswer,
  context: ErrorContext,
): ToolCall[] {
  if (!Array.isArray(value)) {
    throw malformed("message.tool_calls is not an array", frame, answer, context);
  }
  const calls: ToolCall[] = [];
  for (const item of value as OllamaWireToolCall[]) {
    const name = item?.function?.name;
    if (typeof name !== "string" || name === "") {
      throw malformed("a tool call has no function name", frame, answer, context);
    }
    const id = typeof item.id === "string" && item.id !== "" ? item.id : createToolCallId();
    const args = item.function?.arguments;
    if (isRecord(args)) {
      calls.push({ id, name, arguments: args });
      continue;
    }
    const options = { ...context, partial: answer.partial() };
    try {
      calls.push({ id, name, arguments: parseToolArguments(args, name, options) });
    } catch (error) {
      if (typeof args !== "string" || !ProtocolError.isInstance(error)) throw error;
      answer.unparsed.push({ id, name, argumentsText: args, error });
    }
  }
  return calls;
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function nsToMs(value: unknown): number | undefined {
  const ns = count(value);
  return ns === undefined ? undefined : ns / 1e6;
}

/**
 * Maps Ollama's `done_reason`. `"length"` wins (the token limit cut the answer, whatever it
 * held); otherwise tool calls in the answer make it `tool_calls` (Ollama says "stop" for them).
 */
function toFinishReason(doneReason: unknown, sawToolCalls: boolean): FinishReason {
  if (doneReason === "length") return "length";
  if (sawToolCalls) return "tool_calls";
  if (doneReason === undefined || doneReason === "stop") return "stop";
  return "other";
}

/**
 * Builds the `done` chunk from the `done: true` frame, once its content chunks were yielded
 * (`answer` holds them). A metric Ollama omitted (omitempty, e.g.
 * `prompt_eval_count` on a full cache hit) stays `undefined`, never 0. Tool calls whose
 * arguments did not parse become `incompleteToolCalls` when the token limit ended the answer,
 * and an `OllamaProtocolError` (`invalid_tool_arguments`) otherwise.
 */
export function toDoneChunk(
  frame: OllamaChatFrame,
  answer: OllamaAnswer,
  context: ErrorContext,
): DoneChunk {
  const finishReason = toFinishReason(frame.done_reason, answer.toolCalls.length > 0);
  const bad = answer.unparsed[0];
  if (bad !== undefined && finishReason !== "length") {
    throw new OllamaProtocolError(bad.error.message, {
      ...context,
      cause: bad.error.cause,
      partial: answer.partial(),
      reason: "invalid_tool_arguments",
      excerpt: bad.argumentsText,
    });
  }
  const done: DoneChunk = {
    type: "done",
    finishReason,
    model: typeof frame.model === "string" && frame.model !== "" ? frame.model : context.model,
    provider: context.provider,
  };
  const usage = toUsage(frame);
  if (usage !== undefined) done.usage = usage;
  const evalNs = count(frame.eval_duration);
  if (usage?.outputTokens !== undefined && evalNs !== undefined && evalNs > 0) {
    done.tokensPerSec = usage.outputTokens / (evalNs / 1e9);
  }
  const timings = toTimings(frame, answer.firstChunkMs);
  if (timings !== undefined) done.timings = timings;
  if (answer.unparsed.length > 0) {
    done.incompleteToolCalls = answer.unparsed.map(({ id, name, argumentsText }) => ({
      id,
      name,
      argumentsText,
    }));
  }
  done.raw = frame;
  return done;
}

function toUsage(frame: OllamaChatFrame): Usage | undefined {
  const inputTokens = count(frame.prompt_eval_count);
  const outputTokens = count(frame.eval_count);
  if (inputTokens === undefined && outputTokens === undefined) return undefined;
  const usage: Usage = {};
  if (inputTokens !== undefined) usage.inputTokens = inputTokens;
  if (outputTokens !== undefined) usage.outputTokens = outputTokens;
  if (inputTokens !== undefined && outputTokens !== undefined) {
    usage.totalTokens = inputTokens + outputTokens;
  }
  return usage;
}

function toTimings(frame: OllamaChatFrame, firstChunkMs: number | undefined): Timings | undefined {
  const timings: Timings = {};
  const totalMs = nsToMs(frame.total_duration);
  if (totalMs !== undefined) timings.totalMs = totalMs;
  const loadMs = nsToMs(frame.load_duration);
  if (loadMs !== undefined) timings.loadMs = loadMs;
  const promptMs = nsToMs(frame.prompt_eval_duration);
  if (promptMs !== undefined) timings.promptMs = promptMs;
  const generationMs = nsToMs(frame.eval_duration);
  if (generationMs !== undefined) timings.generationMs = generationMs;
  if (firstChunkMs !== undefined) timings.firstTokenMs = firstChunkMs;
  return Object.keys(timings).length > 0 ? timings : undefined;
}

/** The message of an `{"error": ...}` line (a string in every Ollama version seen). */
function errorLineMessage(error: unknown): string {
  if (typeof error === "string") return error;
  if (isRecord(error) && typeof error.message === "string") return error.message;
  return JSON.stringify(error);
}

function malformed(
  what: string,
  frame: OllamaChatFrame,
  answer: OllamaAnswer,
  context: ErrorContext,
): OllamaProtocolError {
  return new OllamaProtocolError(`${context.provider}: ${what}`, {
    ...context,
    partial: answer.partial(),
    reason: "malformed_frame",
    excerpt: JSON.stringify(frame),
  });
}

/**
 * Parses one NDJSON line into a frame object (one `JSON.parse`); anything that is not a JSON
 * object is an `OllamaProtocolError` (`malformed_frame`) with the line's start and position.
 * (No `cause`: V8's SyntaxError quotes a cut-off start of the line, where a credential would not
 * be recognised; the line itself travels redacted as `excerpt`.)
 * @internal
 */
export function parseOllamaFrame(
  line: string,
  position: number,
  answer: OllamaAnswer,
  context: ErrorContext,
): OllamaChatFrame {
  let frame: unknown;
  try {
    frame = JSON.parse(line);
  } catch {
    frame = undefined;
  }
  if (isRecord(frame)) return frame as OllamaChatFrame;
  const start = redact(line.slice(0, 1024), context.secrets).slice(0, 80);
  throw new OllamaProtocolError(
    `${context.provider}: a stream line is not a JSON object at position ${position}: ${start}`,
    { ...context, partial: answer.partial(), reason: "malformed_frame", excerpt: line, position },
  );
}
