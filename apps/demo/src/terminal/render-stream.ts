import type { DoneChunk, Message, StreamChunk, ToolCall } from "@x/core";
import { getChainReport } from "@x/orchestrator";
import type { LineWriter } from "./line-writer.js";
import type { Style } from "./style.js";

/** What {@link renderStream} saw. */
export type RenderResult =
  | {
      /** The final assistant message (text after the last `reset`). */
      message: Message;
      /** The terminal chunk. */
      done: DoneChunk;
      error?: undefined;
      /** How many times the chain restarted the answer. */
      resets: number;
    }
  | {
      /** What had arrived before the failure (text after the last `reset`). */
      message: Message;
      done?: undefined;
      /** What the stream threw (an `AbortedError` when the caller stopped it). */
      error: unknown;
      resets: number;
    };

/** Formats the `done` line: provider, model, finish reason, speed and token usage. */
export function formatDone(done: DoneChunk, style: Style): string {
  const parts = [`${done.provider}/${done.model}`, done.finishReason];
  if (done.tokensPerSec !== undefined && Number.isFinite(done.tokensPerSec)) {
    parts.push(`${done.tokensPerSec.toFixed(1)} tok/s`);
  }
  const usage = done.usage;
  if (usage) {
    const counts = [
      usage.inputTokens !== undefined ? `in ${usage.inputTokens}` : undefined,
      usage.outputTokens !== undefined ? `out ${usage.outputTokens}` : undefined,
      usage.reasoningTokens ? `reasoning ${usage.reasoningTokens}` : undefined,
    ].filter(Boolean);
    if (counts.length > 0) parts.push(`tokens ${counts.join(" / ")}`);
  }
  const report = getChainReport(done);
  if (report && report.attempts > 1) {
    const wasted = report.abandonedUsage?.outputTokens;
    parts.push(`${report.attempts} attempts${wasted ? ` (${wasted} tokens abandoned)` : ""}`);
  }
  return style.dim(`[done · ${parts.join(" · ")}]`);
}

function formatToolCall(call: ToolCall): string {
  return `🔧 ${call.name}(${JSON.stringify(call.arguments)})  id=${call.id}`;
}

/**
 * Prints a chunk stream as it arrives: content as is, thinking dimmed, each tool call on its own
 * line, a visible marker when the chain restarts the answer, and the done line. Never throws:
 * when the stream fails or is stopped, the result carries the error and the partial message.
 */
export async function renderStream(
  stream: AsyncIterable<StreamChunk>,
  out: LineWriter,
  style: Style,
): Promise<RenderResult> {
  let content = "";
  let thinking = "";
  let toolCalls: ToolCall[] = [];
  let resets = 0;
  let inThinking = false;
  const write = (text: string) => out.write(text);
  const endLine = () => out.endLine();
  const partial = (): Message => {
    const message: Message = { role: "assistant", content };
    if (thinking) message.thinking = thinking;
    if (toolCalls.length > 0) message.toolCalls = toolCalls;
    return message;
  };
  try {
    for await (const chunk of stream) {
      if (chunk.type !== "thinking" && inThinking) {
        endLine();
        inThinking = false;
      }
      switch (chunk.type) {
        case "thinking":
          if (!inThinking) {
            endLine();
            write(style.dim("(thinking) "));
            inThinking = true;
          }
          thinking += chunk.thinking;
          write(style.dim(chunk.thinking));
          break;
        case "content":
          content += chunk.content;
          write(chunk.content);
          break;
        case "tool_calls":
          endLine();
          for (const call of chunk.toolCalls) write(`${style.cyan(formatToolCall(call))}\n`);
          toolCalls = toolCalls.concat(chunk.toolCalls);
          break;
        case "reset":
          endLine();
          write(style.yellow(`↺ answer restarted by ${chunk.provider}: ${chunk.reason}\n`));
          content = "";
          thinking = "";
          toolCalls = [];
          resets++;
          break;
        case "done":
          endLine();
          write(`${formatDone(chunk, style)}\n`);
          return { message: partial(), done: chunk, resets };
      }
    }
    return {
      message: partial(),
      error: new Error("The stream ended without a done chunk"),
      resets,
    };
  } catch (error) {
    return { message: partial(), error, resets };
  } finally {
    endLine();
  }
}
