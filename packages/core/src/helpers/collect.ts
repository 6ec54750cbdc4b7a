import { ProtocolError } from "../errors/errors.js";
import type { FinishReason } from "../types/finish-reason.js";
import type { Message } from "../types/message.js";
import type { DoneChunk, ResetChunk, StreamChunk } from "../types/stream-chunk.js";
import type { ToolCall } from "../types/tool-call.js";
import type { Timings, Usage } from "../types/usage.js";

/** A whole answer, as {@link collect} returns it. */
export interface CollectedResponse {
  /** The assistant message: content, thinking (when any) and tool calls (when any). */
  message: Message;
  /** Why generation ended. */
  finishReason: FinishReason;
  /** The provider that answered. */
  provider: string;
  /** The model that answered. */
  model: string;
  /** Token counts, when reported. */
  usage?: Usage;
  /** Generated tokens per second, when known. */
  tokensPerSec?: number;
  /** Server timings, when reported. */
  timings?: Timings;
  /** The terminal chunk as received. */
  done: DoneChunk;
}

/**
 * Consumes a stream into one assistant {@link Message} plus its metadata. A `reset` chunk
 * discards what came before it (the orchestrator restarted the answer). Throws what the stream
 * throws, and a `ProtocolError` if the stream ends without `done` or yields after it.
 */
export async function collect(stream: AsyncIterable<StreamChunk>): Promise<CollectedResponse> {
  let content = "";
  let thinking = "";
  let toolCalls: ToolCall[] = [];
  let done: DoneChunk | undefined;
  for await (const chunk of stream) {
    if (done) {
      throw new ProtocolError("Stream yielded a chunk after done", {
        provider: done.provider,
        reason: "unexpected_frame",
      });
    }
    switch (chunk.type) {
      case "content":
        content += chunk.content;
        break;
      case "thinking":
        thinking += chunk.thinking;
        break;
      case "tool_calls":
        toolCalls = toolCalls.concat(chunk.toolCalls);
        break;
      case "reset":
        content = "";
        thinking = "";
        toolCalls = [];
        break;
      case "done":
        done = chunk;
        break;
    }
  }
  if (!done) {
    throw new ProtocolError("Stream ended without a done chunk", {
      provider: "unknown",
      reason: "truncated",
      partial: { content, thinking, toolCalls },
    });
  }
  const message: Message = { role: "assistant", content };
  if (thinking) message.thinking = thinking;
  if (toolCalls.length > 0) message.toolCalls = toolCalls;
  const result: CollectedResponse = {
    message,
    finishReason: done.finishReason,
    provider: done.provider,
    model: done.model,
    done,
  };
  if (done.usage) result.usage = done.usage;
  if (done.tokensPerSec !== undefined) result.tokensPerSec = done.tokensPerSec;
  if (done.timings) result.timings = done.timings;
  return result;
}

/** Options of {@link textStream}. */
export interface TextStreamOptions {
  /**
   * What to do when a fallback chain restarts the answer (a `reset` chunk), since text already
   * handed out cannot be taken back:
   * - `"mark"` (default): yield {@link RESTART_MARK} and go on with the new answer, so a reader
   *   sees that an answer was abandoned and a new one begins, never two answers run together;
   * - `"throw"`: throw a `ProtocolError` (`unexpected_frame`);
   * - a function: called with the `reset` chunk; the string it returns (if any) is yielded,
   *   then the new answer follows (e.g. clear the screen and return nothing).
   */
  onReset?: "mark" | "throw" | ((reset: ResetChunk) => string | undefined);
}

/** What {@link textStream} yields by default where a chain restarted the answer. */
export const RESTART_MARK = "\n\n[answer restarted]\n\n";

/**
 * Yields only the content text of a stream; thinking and tool calls are dropped. A `reset` (a
 * chain restarted the answer) is never passed over silently: see {@link TextStreamOptions}.
 * Stopping early cancels the source.
 */
export async function* textStream(
  stream: AsyncIterable<StreamChunk>,
  options: TextStreamOptions = {},
): AsyncGenerator<string, void, undefined> {
  const onReset = options.onReset ?? "mark";
  for await (const chunk of stream) {
    if (chunk.type === "content") yield chunk.content;
    else if (chunk.type === "reset") {
      if (onReset === "throw") {
        throw new ProtocolError(
          `Answer restarted by ${chunk.provider} (${chunk.reason}); a text stream cannot take back text already yielded`,
          { provider: chunk.provider, reason: "unexpected_frame" },
        );
      }
      const mark = onReset === "mark" ? RESTART_MARK : onReset(chunk);
      if (mark) yield mark;
    }
  }
}
