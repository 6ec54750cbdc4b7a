import type { FinishReason } from "./finish-reason.js";
import type { ToolCall } from "./tool-call.js";
import type { Timings, Usage } from "./usage.js";

/** A piece of the answer's visible text. Concatenate all `content` chunks for the full text. */
export interface ContentChunk {
  type: "content";
  /** The text delta. Never empty. */
  content: string;
  /** The provider frame this came from, for debugging. Never contains credentials. */
  raw?: unknown;
}

/** A piece of the model's reasoning ("thinking"). Concatenate all `thinking` chunks. */
export interface ThinkingChunk {
  type: "thinking";
  /** The reasoning delta. Never empty. */
  thinking: string;
  /** The provider frame this came from. */
  raw?: unknown;
}

/** One or more complete tool calls. Each call is yielded exactly once, with parsed arguments. */
export interface ToolCallsChunk {
  type: "tool_calls";
  /** Complete calls, in the order the model made them. */
  toolCalls: ToolCall[];
  /** The provider frame this came from. */
  raw?: unknown;
}

/**
 * Emitted only by the orchestrator (`midStream: "restart"`): discard everything yielded so far in
 * this stream; a new answer from `provider` follows.
 */
export interface ResetChunk {
  type: "reset";
  /** Why the earlier output was abandoned (the error message of the failed attempt). */
  reason: string;
  /** The provider whose answer follows. */
  provider: string;
}

/** The terminal chunk. Exactly one per successful stream, always last. */
export interface DoneChunk {
  type: "done";
  /** Why generation ended. */
  finishReason: FinishReason;
  /** The model that answered, as the provider reported it (or as configured). */
  model: string;
  /** The provider that answered (`AIAdapter.provider`). */
  provider: string;
  /** Token counts, when the provider reports them. */
  usage?: Usage;
  /** Generated tokens per second (server timing when available, else measured by the adapter). */
  tokensPerSec?: number;
  /** Server timings in milliseconds. */
  timings?: Timings;
  /** The provider's terminal frame. */
  raw?: unknown;
  /**
   * Tool calls the token limit cut off (`finishReason: "length"` only): their arguments are not
   * complete JSON, so they are not yielded as `ToolCall`s, but their name and raw text are kept
   * here. Absent when there were none.
   */
  incompleteToolCalls?: IncompleteToolCall[];
}

/** A tool call cut off by the token limit, as far as it was received. */
export interface IncompleteToolCall {
  /** The call id, when the provider sent one (else synthesised). */
  id: string;
  /** The tool name, when it was received (else `""`). */
  name: string;
  /** The argument text received so far (not valid JSON). */
  argumentsText: string;
}

/**
 * The universal stream element.
 *
 * Contract: a stream yields any number of `content`, `thinking` and `tool_calls` chunks (and, from
 * the orchestrator only, `reset`), then exactly one `done` chunk, and nothing after it. A stream
 * that ends without its terminal frame is a `ProtocolError` (truncated), never a silent success.
 * Errors are thrown, never yielded.
 */
export type StreamChunk = ContentChunk | ThinkingChunk | ToolCallsChunk | ResetChunk | DoneChunk;
