import {
  type DoneChunk,
  type FinishReason,
  type IncompleteToolCall,
  ProtocolError,
  ProviderError,
  type StreamChunk,
  type Timings,
  type ToolCall,
  type Usage,
} from "@x/core";
import { createToolCallId, parseToolArguments, redact, StreamOutput } from "@x/core/http";
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
 * What one stream has yielded so far (core's `StreamOutput`: the `partial` of errors, the time to
 * the first chunk), plus the tool calls held back until the done frame.
 * @internal
 */
export class OllamaAnswer extends StreamOutput {
  /** Calls held back until the done frame says whether the token limit cut them off. */
  readonly unparsed: UnparsedToolCall[] = [];
}

/**
 * Decodes the lines of one network read into `out`, in order, up to the `done: true` frame,
 * which it returns (later lines are ignored). `position` is the character position of the first
 * line, for error messages.
 *
 * The whole read is decoded before the stream yields its chunks: one tight loop of `JSON.parse`
 * per read, not one per `next()`, is what keeps the adapter near raw undici speed (see
 * bench/PROFILING.md). A frame that fails throws with `partial` covering the chunks already in
 * `out`; the stream yields those before it rethrows, so nothing decoded is lost.
 * @internal
 */
export function mapOllamaLines(
  lines: readonly string[],
  position: number,
  answer: OllamaAnswer,
  context: ErrorContext,
  out: StreamChunk[],
): OllamaChatFrame | undefined {
  for (const line of lines) {
    const frame = parseOllamaFrame(line, position, answer, context, out);
    position += line.length + 1;
    mapOllamaFrame(frame, answer, context, out);
    if (frame.done === true) return frame;
  }
  return undefined;
}

/**
 * One decoded `/api/chat` frame → its content chunks, appended to `out` in order: thinking,
 * content, tool calls. Empty strings yield nothing (Ollama sends `content: ""` while thinking
 * and in load-only frames). The `done: true` frame's own content comes first too; then
 * {@link toDoneChunk}.
 *
 * Throws `ProviderError` for an `{"error": ...}` line (first line or mid-stream) and
 * `OllamaProtocolError` for a frame that breaks the protocol.
 */
function mapOllamaFrame(
  frame: OllamaChatFrame,
  answer: OllamaAnswer,
  context: ErrorContext,
  out: StreamChunk[],
): void {
  if (frame.error !== undefined) {
    // Ollama ends a failed generation with {"error": ...} inside the 200 stream (and, before
    // v0.12.6, as the very first line). Never swallowed: see DESIGN §6.
    throw new ProviderError(`${context.provider}: ${errorLineMessage(frame.error)}`, {
      ...context,
      partial: answer.partial(out),
    });
  }
  const message = frame.message;
  if (message === undefined || message === null) return;
  const scope: FrameScope = { frame, answer, context, out };
  if (!isRecord(message)) throw malformed("message is not an object", scope);
  const thinking = text(message.thinking, "thinking", scope);
  const content = text(message.content, "content", scope);
  const calls =
    message.tool_calls === undefined || message.tool_calls === null
      ? undefined
      : toToolCalls(message.tool_calls, scope);
  if (thinking !== "") out.push({ type: "thinking", thinking });
  if (content !== "") out.push({ type: "content", content });
  if (calls !== undefined && calls.length > 0) out.push({ type: "tool_calls", toolCalls: calls });
}

/** What an error about one frame needs: the frame, and the output before it. */
interface FrameScope {
  frame: OllamaChatFrame;
  answer: OllamaAnswer;
  context: ErrorContext;
  /** Chunks of the same read decoded before this frame. */
  out: readonly StreamChunk[];
}

/** A text delta: a string (possibly empty) or absent; anything else breaks the protocol. */
function text(value: unknown, field: string, scope: FrameScope): string {
  if (typeof value === "string") return value;
  if (value === undefined || value === null) return "";
  throw malformed(`message.${field} is not a string`, scope);
}

/**
 * Converts one frame's `tool_calls`. Ollama sends each call whole with object arguments; ids are
 * synthesised when absent (servers before v0.12.10, some native-path models). Arguments given as
 * a JSON string (proxies, odd servers) are parsed; text that does not parse is held back in
 * `answer.unparsed` until the done frame (see {@link toDoneChunk}).
 */
function toToolCalls(value: unknown, scope: FrameScope): ToolCall[] {
  if (!Array.isArray(value)) throw malformed("message.tool_calls is not an array", scope);
  const { answer, context } = scope;
  const calls: ToolCall[] = [];
  for (const item of value as OllamaWireToolCall[]) {
    const name = item?.function?.name;
    if (typeof name !== "string" || name === "") {
      throw malformed("a tool call has no function name", scope);
    }
    const id = typeof item.id === "string" && item.id !== "" ? item.id : createToolCallId();
    const args = item.function?.arguments;
    if (isRecord(args)) {
      calls.push({ id, name, arguments: args });
      continue;
    }
    const options = { ...context, partial: answer.partial(scope.out) };
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

function malformed(what: string, { frame, answer, context, out }: FrameScope): OllamaProtocolError {
  return new OllamaProtocolError(`${context.provider}: ${what}`, {
    ...context,
    partial: answer.partial(out),
    reason: "malformed_frame",
    excerpt: JSON.stringify(frame),
  });
}

/**
 * Parses one NDJSON line into a frame object (one `JSON.parse`); anything that is not a JSON
 * object is an `OllamaProtocolError` (`malformed_frame`) with the line's start and position.
 * (No `cause`: V8's SyntaxError quotes a cut-off start of the line, where a credential would not
 * be recognised; the line itself travels redacted as `excerpt`.)
 */
function parseOllamaFrame(
  line: string,
  position: number,
  answer: OllamaAnswer,
  context: ErrorContext,
  out: readonly StreamChunk[],
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
    {
      ...context,
      partial: answer.partial(out),
      reason: "malformed_frame",
      excerpt: line,
      position,
    },
  );
}
