import type { PartialOutput, StreamChunk, ToolCall } from "@x/core";
import { TextAccumulator } from "@x/core/http";

/**
 * What the consumer of a chain request has been shown: the basis of `error.partial`, of the
 * `"continue"` prefix, and of the rule that yielded tool calls are never re-emitted.
 */
export class VisibleOutput {
  /**
   * Content shown so far (since the last reset). A TextAccumulator, not `+=`: a million deltas
   * must not leave a million rope nodes on the heap (bench/PROFILING.md §1).
   */
  readonly content = new TextAccumulator();
  /** Thinking shown so far. */
  readonly thinking = new TextAccumulator();
  /** Tool calls shown so far. */
  toolCalls: ToolCall[] = [];
  /** Whether any attempt has been committed (made visible) in this request. */
  committed = false;

  /** Records a chunk about to be yielded. */
  track(chunk: StreamChunk): void {
    switch (chunk.type) {
      case "content":
        this.content.add(chunk.content);
        break;
      case "thinking":
        this.thinking.add(chunk.thinking);
        break;
      case "tool_calls":
        for (const call of chunk.toolCalls) this.toolCalls.push(call);
        break;
      case "reset":
        this.clear();
        break;
    }
  }

  /** Forgets everything shown (a `reset` chunk was yielded). */
  clear(): void {
    this.content.clear();
    this.thinking.clear();
    this.toolCalls = [];
  }

  /** A snapshot for `error.partial`. */
  partial(): PartialOutput {
    return {
      content: this.content.toString(),
      thinking: this.thinking.toString(),
      toolCalls: [...this.toolCalls],
    };
  }
}
