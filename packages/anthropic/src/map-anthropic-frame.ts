import {
  type DoneChunk,
  type FinishReason,
  ProtocolError,
  ProviderError,
  type StreamChunk,
  type ToolCall,
  type Usage,
} from "@x/core";
import { parseToolArguments, type SseEvent } from "@x/core/http";
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

const NONE: readonly StreamChunk[] = Object.freeze([]);

/**
 * Parses one server-sent event. Its data must be a JSON object; its `type` names the event (the
 * SSE `event:` name, identical on the API, stands in when a proxy drops `type`). An `error`
 * event whose data is not JSON is still the provider's error.
 * @internal
 */
export function parseAnthropicEvent(
  sse: SseEvent,
  answer: AnthropicAnswer,
  context: ErrorContext,
): AnthropicEvent {
  let event: unknown;
  try {
    event = JSON.parse(sse.data);
  } catch (cause) {
    if (sse.event === "error") {
      throw new ProviderError(`${context.provider}: ${sse.data.slice(0, 500)}`, {
        ...context,
        partial: answer.partial(),
      });
    }
    throw malformed("an event is not JSON", sse.data, answer, context, cause);
  }
  if (isRecord(event) && typeof event.type !== "string" && sse.event !== undefined) {
    event.type = sse.event;
  }
  if (!isRecord(event) || typeof event.type !== "string") {
    throw malformed("an event is not a JSON object with a type", sse.data, answer, context);
  }
  return event as unknown as AnthropicEvent;
}

/**
 * One event → the chunks to yield. Text and thinking deltas are yielded as they come; a tool
 * call once its block stops, with its input parsed; `message_stop` gives `done`. `ping` and
 * event or delta types this adapter does not know yield nothing (the API adds new ones:
 * https://docs.anthropic.com/en/api/versioning). An `error` event throws `ProviderError`.
 * @internal
 */
export function mapAnthropicEvent(
  event: AnthropicEvent,
  answer: AnthropicAnswer,
  context: ErrorContext,
): readonly StreamChunk[] {
  switch (event.type) {
    case "message_start": {
      const message = event.message;
      if (!isRecord(message))
        throw malformedEvent("message_start has no message", event, answer, context);
      if (typeof message.id === "string") answer.id = message.id;
      if (typeof message.model === "string" && message.model !== "") answer.model = message.model;
      if (isRecord(message.usage)) answer.usage = { ...message.usage };
      return NONE;
    }
    case "content_block_start": {
      const start = event.content_block;
      if (!isRecord(start) || typeof start.type !== "string") {
        throw malformedEvent("content_block_start has no content_block", event, answer, context);
      }
      answer.open(indexOf(event, answer, context), start);
      // The API starts text and thinking blocks empty; yield any text a server puts there.
      if (start.type === "text") return textChunk(start.text);
      if (start.type === "thinking") return thinkingChunk(start.thinking);
      return NONE;
    }
    case "content_block_delta":
      return mapDelta(event, answer, context);
    case "content_block_stop": {
      const block = blockAt(event, answer, context);
      if (block.stopped) return NONE; // a repeated stop must not yield a tool call twice
      block.stopped = true;
      return stopBlock(block, answer, context);
    }
    case "message_delta": {
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
      return NONE;
    }
    case "message_stop":
      return finish(answer, context);
    case "error": {
      const error = isRecord(event.error) ? event.error : {};
      const message = typeof error.message === "string" ? error.message : "error event";
      throw new ProviderError(`${context.provider}: ${message}`, {
        ...context,
        providerCode: typeof error.type === "string" ? error.type : undefined,
        partial: answer.partial(),
      });
    }
    default:
      return NONE; // ping, and event types added after this adapter was written
  }
}

function mapDelta(
  event: AnthropicEvent,
  answer: AnthropicAnswer,
  context: ErrorContext,
): readonly StreamChunk[] {
  const delta = event.delta;
  if (!isRecord(delta))
    throw malformedEvent("content_block_delta has no delta", event, answer, context);
  const block = blockAt(event, answer, context);
  switch (delta.type) {
    case "text_delta":
    case "thinking_delta": {
      const text = delta.type === "text_delta" ? delta.text : delta.thinking;
      const kind = delta.type === "text_delta" ? "text" : "thinking";
      if (typeof text !== "string" || block.start.type !== kind || !block.text) {
        throw malformedEvent(`a ${delta.type} that does not fit its block`, event, answer, context);
      }
      block.text.add(text);
      return kind === "text" ? textChunk(text) : thinkingChunk(text);
    }
    case "input_json_delta":
      if (typeof delta.partial_json !== "string") {
        throw malformedEvent("an input_json_delta without partial_json", event, answer, context);
      }
      block.json += delta.partial_json;
      return NONE;
    case "signature_delta":
      if (typeof delta.signature === "string") block.signature = delta.signature;
      return NONE;
    case "citations_delta":
      block.citations ??= [];
      block.citations.push(delta.citation);
      return NONE;
    default:
      return NONE; // delta types added after this adapter was written
  }
}

/** A stopped `tool_use` block is one complete call; other blocks yield nothing when they stop. */
function stopBlock(
  block: OpenBlock,
  answer: AnthropicAnswer,
  context: ErrorContext,
): readonly StreamChunk[] {
  const { start } = block;
  if (start.type !== "tool_use" && start.type !== "server_tool_use") return NONE;
  const id = typeof start.id === "string" ? start.id : "";
  const name = typeof start.name === "string" ? start.name : "";
  if (block.json.trim() === "") {
    // No input_json_delta: the input is the one content_block_start carried ({} for no arguments).
    block.input = isRecord(start.input) ? start.input : {};
  } else {
    try {
      block.input = parseToolArguments(block.json, name, { ...context, partial: answer.partial() });
    } catch (error) {
      if (!ProtocolError.isInstance(error)) throw error;
      if (start.type === "server_tool_use") return NONE; // run by Anthropic: nothing to hand over
      // Fatal, unless message_delta says the token limit cut it (see finish()).
      answer.cut.push({ id, name, argumentsText: block.json });
      return NONE;
    }
  }
  // Server tools (web search, code execution) run at Anthropic: they stay on done.raw only.
  if (start.type === "server_tool_use") return NONE;
  const call: ToolCall = { id, name, arguments: block.input };
  return [{ type: "tool_calls", toolCalls: [call] }];
}

/** `message_stop`: blocks a server left open, tool calls cut by the token limit, then `done`. */
function finish(answer: AnthropicAnswer, context: ErrorContext): StreamChunk[] {
  const chunks: StreamChunk[] = [];
  for (const block of answer.blocks) {
    if (block === undefined || block.stopped) continue;
    block.stopped = true;
    chunks.push(...stopBlock(block, answer, context));
  }
  const stop = answer.stopReason;
  const calls = answer.toolCalls.length + chunks.length;
  const finishReason: FinishReason =
    stop === null ? (calls > 0 ? "tool_calls" : "stop") : (FINISH_REASONS[stop] ?? "other");
  if (answer.cut.length > 0 && finishReason !== "length") {
    // Not a cut the caller asked for: the input is broken. Parse again to throw, with today's partial.
    const bad = answer.cut[0]!;
    parseToolArguments(bad.argumentsText, bad.name, { ...context, partial: answer.partial() });
  }
  const done: DoneChunk = {
    type: "done",
    finishReason,
    model: answer.model ?? context.model,
    provider: context.provider,
    raw: answer.message(),
  };
  const usage = toUsage(answer.usage);
  if (usage !== undefined) done.usage = usage;
  const rate = tokensPerSec(answer, usage?.outputTokens);
  if (rate !== undefined) done.tokensPerSec = rate;
  if (answer.cut.length > 0) done.incompleteToolCalls = answer.cut.slice();
  chunks.push(done);
  return chunks;
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

/**
 * The API reports no generation time: measured between the first and the last chunk (the first
 * chunk's token is not part of that interval, so one token less); when everything came in one
 * read, over the whole request.
 */
function tokensPerSec(
  answer: AnthropicAnswer,
  outputTokens: number | undefined,
): number | undefined {
  const tokens = outputTokens ?? answer.generated;
  if (answer.generated === 0 || tokens <= 0) return undefined;
  const interval = answer.lastAt - answer.firstAt;
  if (interval > 0 && tokens > 1) return ((tokens - 1) * 1000) / interval;
  const whole = answer.lastAt - answer.startedAt;
  return whole > 0 ? (tokens * 1000) / whole : undefined;
}

function textChunk(text: unknown): readonly StreamChunk[] {
  return typeof text === "string" && text !== "" ? [{ type: "content", content: text }] : NONE;
}

function thinkingChunk(text: unknown): readonly StreamChunk[] {
  return typeof text === "string" && text !== "" ? [{ type: "thinking", thinking: text }] : NONE;
}

function indexOf(event: AnthropicEvent, answer: AnthropicAnswer, context: ErrorContext): number {
  const index = event.index;
  if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index > 10_000) {
    throw malformedEvent(`${event.type} has no valid index`, event, answer, context);
  }
  return index;
}

function blockAt(event: AnthropicEvent, answer: AnthropicAnswer, context: ErrorContext): OpenBlock {
  const block = answer.blocks[indexOf(event, answer, context)];
  if (block === undefined) {
    throw malformedEvent(`${event.type} for a block that never started`, event, answer, context);
  }
  return block;
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function malformedEvent(
  what: string,
  event: AnthropicEvent,
  answer: AnthropicAnswer,
  context: ErrorContext,
): AnthropicProtocolError {
  return malformed(what, JSON.stringify(event), answer, context);
}

function malformed(
  what: string,
  data: string,
  answer: AnthropicAnswer,
  context: ErrorContext,
  cause?: unknown,
): AnthropicProtocolError {
  return new AnthropicProtocolError(`${context.provider}: ${what}`, {
    ...context,
    cause,
    partial: answer.partial(),
    reason: "malformed_frame",
    excerpt: data,
  });
}
