import {
  type DoneChunk,
  type FinishReason,
  ProtocolError,
  ProviderError,
  type StreamChunk,
  type ToolCall,
  type Usage,
} from "@x/core";
import { measuredTokensPerSec, parseToolArguments, type SseEvent } from "@x/core/http";
import type { AnthropicAnswer, OpenBlock } from "./anthropic-answer.js";
import { AnthropicProtocolError } from "./anthropic-errors.js";
import type { AnthropicEvent, AnthropicUsage } from "./anthropic-wire.js";
import type { ErrorContext } from "./map-anthropic-error.js";

/**
 * `stop_reason` → `finishReason`. `pause_turn` (a server tool's long turn paused: send the
 * answer back to let it continue) has no equivalent and is `"other"`; unknown future reasons too.
 */
const FINISH_REASONS: Record<string, FinishReason> = {
  end_turn: "stop",
  stop_sequence: "stop",
  max_tokens: "length",
  model_context_window_exceeded: "length",
  tool_use: "tool_calls",
  refusal: "content_filter",
  pause_turn: "other",
};

/**
 * Maps the events of one network read into `out`, in order, up to `message_stop`, and returns
 * whether it saw one (later events are ignored; the stream then yields `out`, then
 * {@link toDoneChunk}).
 *
 * The whole read is mapped before the stream yields its chunks: one tight loop of `JSON.parse`
 * per read, not one per `next()`, is what keeps the adapter near raw undici speed (see
 * bench/PROFILING.md). An event that fails throws with `partial` covering the chunks already in
 * `out`; the stream yields those before it rethrows, so nothing mapped is lost.
 * @internal
 */
export function mapAnthropicEvents(
  events: readonly SseEvent[],
  answer: AnthropicAnswer,
  context: ErrorContext,
  out: StreamChunk[],
): boolean {
  for (const sse of events) {
    const event = parseAnthropicEvent(sse, answer, context, out);
    mapAnthropicEvent(event, answer, context, out);
    if (event.type === "message_stop") return true;
  }
  return false;
}

/**
 * Parses one server-sent event. Its data must be a JSON object; its `type` names the event (the
 * SSE `event:` name, identical on the API, stands in when a proxy drops `type`). An `error`
 * event whose data is not JSON is still the provider's error.
 */
function parseAnthropicEvent(
  sse: SseEvent,
  answer: AnthropicAnswer,
  context: ErrorContext,
  out: readonly StreamChunk[],
): AnthropicEvent {
  let event: unknown;
  try {
    event = JSON.parse(sse.data);
  } catch (cause) {
    if (sse.event === "error") {
      throw new ProviderError(`${context.provider}: ${sse.data.slice(0, 500)}`, {
        ...context,
        partial: answer.partial(out),
      });
    }
    throw malformed("an event is not JSON", sse.data, answer, context, out, cause);
  }
  if (isRecord(event)) {
    if (typeof event.type === "string") return event as unknown as AnthropicEvent;
    if (sse.event !== undefined) {
      event.type = sse.event;
      return event as unknown as AnthropicEvent;
    }
  }
  throw malformed("an event is not a JSON object with a type", sse.data, answer, context, out);
}

/**
 * One event → its chunks, appended to `out`. Text and thinking deltas are yielded as they come;
 * a tool call once its block stops, with its input parsed; `message_stop` stops the blocks a
 * server left open (`done` follows: {@link toDoneChunk}). `ping` and event or delta types this
 * adapter does not know yield nothing (the API adds new ones:
 * https://docs.anthropic.com/en/api/versioning). An `error` event throws `ProviderError`.
 */
function mapAnthropicEvent(
  event: AnthropicEvent,
  answer: AnthropicAnswer,
  context: ErrorContext,
  out: StreamChunk[],
): void {
  switch (event.type) {
    case "content_block_delta": // nearly every event: first
      mapDelta(event, answer, context, out);
      return;
    case "message_start":
      startMessage(event, answer, context, out);
      return;
    case "content_block_start":
      startBlock(event, answer, context, out);
      return;
    case "content_block_stop": {
      const block = blockAt(event, answer, context, out);
      if (block.stopped) return; // a repeated stop must not yield a tool call twice
      block.stopped = true;
      stopBlock(block, answer, context, out);
      return;
    }
    case "message_delta":
      updateMessage(event, answer);
      return;
    case "message_stop":
      stopOpenBlocks(answer, context, out);
      return;
    case "error": {
      const error = isRecord(event.error) ? event.error : {};
      const message = typeof error.message === "string" ? error.message : "error event";
      throw new ProviderError(`${context.provider}: ${message}`, {
        ...context,
        providerCode: typeof error.type === "string" ? error.type : undefined,
        partial: answer.partial(out),
      });
    }
    default:
      return; // ping, and event types added after this adapter was written
  }
}

/** `message_start`: the message id, the served model and the input usage. */
function startMessage(
  event: AnthropicEvent,
  answer: AnthropicAnswer,
  context: ErrorContext,
  out: readonly StreamChunk[],
): void {
  const message = event.message;
  if (!isRecord(message)) {
    throw malformedEvent("message_start has no message", event, answer, context, out);
  }
  if (typeof message.id === "string") answer.id = message.id;
  if (typeof message.model === "string" && message.model !== "") answer.model = message.model;
  if (isRecord(message.usage)) answer.usage = { ...message.usage };
}

/** `content_block_start`: opens the block; text a server put in it already is a chunk. */
function startBlock(
  event: AnthropicEvent,
  answer: AnthropicAnswer,
  context: ErrorContext,
  out: StreamChunk[],
): void {
  const start = event.content_block;
  if (!isRecord(start) || typeof start.type !== "string") {
    const what = "content_block_start has no content_block";
    throw malformedEvent(what, event, answer, context, out);
  }
  answer.open(indexOf(event, answer, context, out), start);
  // The API starts text and thinking blocks empty; yield any text a server puts there.
  if (start.type === "text") pushContent(start.text, out);
  else if (start.type === "thinking") pushThinking(start.thinking, out);
}

/** `message_delta`: the stop reason, and usage totals that replace `message_start`'s. */
function updateMessage(event: AnthropicEvent, answer: AnthropicAnswer): void {
  const delta = event.delta;
  if (isRecord(delta)) {
    if (typeof delta.stop_reason === "string") answer.stopReason = delta.stop_reason;
    if (typeof delta.stop_sequence === "string") answer.stopSequence = delta.stop_sequence;
  }
  // Cumulative totals: a field present here replaces the one from message_start.
  if (isRecord(event.usage)) {
    for (const [key, value] of Object.entries(event.usage)) {
      if (value !== null && value !== undefined) answer.usage[key] = value;
    }
  }
}

/** `content_block_delta`: text and thinking become chunks; the rest is kept for `done.raw`. */
function mapDelta(
  event: AnthropicEvent,
  answer: AnthropicAnswer,
  context: ErrorContext,
  out: StreamChunk[],
): void {
  const delta = event.delta;
  if (!isRecord(delta)) {
    throw malformedEvent("content_block_delta has no delta", event, answer, context, out);
  }
  const block = blockAt(event, answer, context, out);
  switch (delta.type) {
    case "text_delta": {
      const text = delta.text;
      if (typeof text !== "string" || block.start.type !== "text" || !block.text) {
        const what = "a text_delta that does not fit its block";
        throw malformedEvent(what, event, answer, context, out);
      }
      block.text.add(text);
      pushContent(text, out);
      return;
    }
    case "thinking_delta": {
      const text = delta.thinking;
      if (typeof text !== "string" || block.start.type !== "thinking" || !block.text) {
        const what = "a thinking_delta that does not fit its block";
        throw malformedEvent(what, event, answer, context, out);
      }
      block.text.add(text);
      pushThinking(text, out);
      return;
    }
    case "input_json_delta":
      if (typeof delta.partial_json !== "string") {
        const what = "an input_json_delta without partial_json";
        throw malformedEvent(what, event, answer, context, out);
      }
      block.json += delta.partial_json;
      return;
    case "signature_delta":
      if (typeof delta.signature === "string") block.signature = delta.signature;
      return;
    case "citations_delta":
      block.citations ??= [];
      block.citations.push(delta.citation);
      return;
    default:
      return; // delta types added after this adapter was written
  }
}

/**
 * A stopped `tool_use` block is one complete call, appended to `out`; other blocks yield nothing
 * when they stop. Input that does not parse is kept in `answer.cut` (see {@link stopOpenBlocks}).
 */
function stopBlock(
  block: OpenBlock,
  answer: AnthropicAnswer,
  context: ErrorContext,
  out: StreamChunk[],
): void {
  const { start } = block;
  if (start.type !== "tool_use" && start.type !== "server_tool_use") return;
  const id = typeof start.id === "string" ? start.id : "";
  const name = typeof start.name === "string" ? start.name : "";
  if (block.json.trim() === "") {
    // No input_json_delta: the input is the one content_block_start carried ({} for no arguments).
    block.input = isRecord(start.input) ? start.input : {};
  } else {
    try {
      // Its error is caught right below (no partial needed): stopOpenBlocks() throws the real one.
      block.input = parseToolArguments(block.json, name, context);
    } catch (error) {
      if (!ProtocolError.isInstance(error)) throw error;
      if (start.type === "server_tool_use") return; // run by Anthropic: nothing to hand over
      // Fatal, unless message_delta says the token limit cut it (see stopOpenBlocks()).
      answer.cut.push({ id, name, argumentsText: block.json });
      return;
    }
  }
  // Server tools (web search, code execution) run at Anthropic: they stay on done.raw only.
  if (start.type === "server_tool_use") return;
  const call: ToolCall = { id, name, arguments: block.input };
  out.push({ type: "tool_calls", toolCalls: [call] });
}

/**
 * `message_stop`: the tool blocks a server left open become calls. A call whose input did not
 * parse is a `ProtocolError` (thrown before those calls are yielded), unless the answer stopped
 * at the token limit: then it goes to `done.incompleteToolCalls`.
 */
function stopOpenBlocks(answer: AnthropicAnswer, context: ErrorContext, out: StreamChunk[]): void {
  const calls: StreamChunk[] = [];
  for (const block of answer.blocks) {
    if (block === undefined || block.stopped) continue;
    block.stopped = true;
    stopBlock(block, answer, context, calls);
  }
  if (answer.cut.length > 0 && finishReasonOf(answer) !== "length") {
    // Not a cut the caller asked for: the input is broken. Parse again to throw, with the partial.
    const bad = answer.cut[0]!;
    parseToolArguments(bad.argumentsText, bad.name, { ...context, partial: answer.partial(out) });
  }
  for (const call of calls) out.push(call);
}

/**
 * The `done` chunk, once everything before `message_stop` was yielded: the finish reason, usage,
 * the measured rate and the tool calls the token limit cut off; `raw` is the whole message.
 * @internal
 */
export function toDoneChunk(answer: AnthropicAnswer, context: ErrorContext): DoneChunk {
  const done: DoneChunk = {
    type: "done",
    finishReason: finishReasonOf(answer),
    model: answer.model ?? context.model,
    provider: context.provider,
    raw: answer.message(),
  };
  const usage = toUsage(answer.usage);
  if (usage !== undefined) done.usage = usage;
  // The API reports no generation time: measured from the chunks' arrivals.
  const rate = measuredTokensPerSec(answer, usage?.outputTokens);
  if (rate !== undefined) done.tokensPerSec = rate;
  if (answer.cut.length > 0) done.incompleteToolCalls = answer.cut.slice();
  return done;
}

/** `stop_reason` → `finishReason`; without one, `tool_calls` if calls were yielded, else `stop`. */
function finishReasonOf(answer: AnthropicAnswer): FinishReason {
  const stop = answer.stopReason;
  if (stop !== null) return FINISH_REASONS[stop] ?? "other";
  return answer.toolCalls.length > 0 ? "tool_calls" : "stop";
}

/**
 * Anthropic's `input_tokens` excludes cached tokens; `Usage.inputTokens` includes them:
 * input + cache reads + cache writes. `cachedInputTokens` is the cache reads.
 */
function toUsage(wire: AnthropicUsage): Usage | undefined {
  const input = count(wire.input_tokens);
  const output = count(wire.output_tokens);
  const read = count(wire.cache_read_input_tokens);
  const written = count(wire.cache_creation_input_tokens);
  const reasoning = isRecord(wire.output_tokens_details)
    ? count(wire.output_tokens_details.thinking_tokens)
    : undefined;
  if (input === undefined && output === undefined && read === undefined) return undefined;
  const usage: Usage = {};
  if (input !== undefined) usage.inputTokens = input + (read ?? 0) + (written ?? 0);
  if (output !== undefined) usage.outputTokens = output;
  if (reasoning !== undefined) usage.reasoningTokens = reasoning;
  if (read !== undefined) usage.cachedInputTokens = read;
  if (usage.inputTokens !== undefined && output !== undefined) {
    usage.totalTokens = usage.inputTokens + output;
  }
  return usage;
}

/** A `content` chunk for non-empty text. */
function pushContent(text: unknown, out: StreamChunk[]): void {
  if (typeof text === "string" && text !== "") out.push({ type: "content", content: text });
}

/** A `thinking` chunk for non-empty text. */
function pushThinking(text: unknown, out: StreamChunk[]): void {
  if (typeof text === "string" && text !== "") out.push({ type: "thinking", thinking: text });
}

function indexOf(
  event: AnthropicEvent,
  answer: AnthropicAnswer,
  context: ErrorContext,
  out: readonly StreamChunk[],
): number {
  const index = event.index;
  if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index > 10_000) {
    throw malformedEvent(`${event.type} has no valid index`, event, answer, context, out);
  }
  return index;
}

function blockAt(
  event: AnthropicEvent,
  answer: AnthropicAnswer,
  context: ErrorContext,
  out: readonly StreamChunk[],
): OpenBlock {
  const block = answer.blocks[indexOf(event, answer, context, out)];
  if (block === undefined) {
    const what = `${event.type} for a block that never started`;
    throw malformedEvent(what, event, answer, context, out);
  }
  return block;
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A `malformed_frame` error quoting the event; `out`: the read's chunks mapped before it. */
function malformedEvent(
  what: string,
  event: AnthropicEvent,
  answer: AnthropicAnswer,
  context: ErrorContext,
  out: readonly StreamChunk[],
): AnthropicProtocolError {
  return malformed(what, JSON.stringify(event), answer, context, out);
}

function malformed(
  what: string,
  data: string,
  answer: AnthropicAnswer,
  context: ErrorContext,
  out: readonly StreamChunk[],
  cause?: unknown,
): AnthropicProtocolError {
  return new AnthropicProtocolError(`${context.provider}: ${what}`, {
    ...context,
    cause,
    partial: answer.partial(out),
    reason: "malformed_frame",
    excerpt: data,
  });
}
