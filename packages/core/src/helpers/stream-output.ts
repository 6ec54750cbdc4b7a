import type { PartialOutput } from "../errors/errors.js";
import type { StreamChunk } from "../types/stream-chunk.js";
import type { ToolCall } from "../types/tool-call.js";
import { TextAccumulator } from "./text-accumulator.js";

/**
 * What one stream has yielded so far: the `partial` output every error carries, and when the
 * generated chunks arrived (for `done.timings` and a measured rate).
 *
 * An adapter decodes each network read whole into an array of chunks, then yields them one by
 * one, calling {@link add} for each as it yields it. An error raised while decoding a read is
 * thrown only after the chunks decoded before it were yielded, so its `partial` is
 * {@link partial}`(pending)` with those chunks; an error raised while yielding (a limit, the
 * caller's abort) is `partial()`: exactly what the consumer received.
 *
 * ```ts
 * const output = new StreamOutput();
 * const out: StreamChunk[] = [];
 * decodeRead(lines, output, out); // errors: { partial: output.partial(out) }
 * const now = performance.now();
 * for (const chunk of out) {
 *   output.add(chunk, now);
 *   yield chunk;
 * }
 * ```
 */
export class StreamOutput {
  readonly #content = new TextAccumulator();
  readonly #thinking = new TextAccumulator();
  readonly #toolCalls: ToolCall[] = [];
  #firstAt = 0;
  #lastAt = 0;
  #generated = 0;
  /** `performance.now()` when the stream was created (the request's start). */
  readonly startedAt = performance.now();

  /**
   * Records a chunk as it is yielded. Content, thinking and tool-call chunks count as generated
   * output that arrived at `arrivedAt` (`performance.now()` when its read arrived); other chunk
   * types are ignored.
   */
  add(chunk: StreamChunk, arrivedAt: number): void {
    if (chunk.type === "content") this.#content.add(chunk.content);
    else if (chunk.type === "thinking") this.#thinking.add(chunk.thinking);
    else if (chunk.type === "tool_calls") this.#toolCalls.push(...chunk.toolCalls);
    else return;
    if (this.#generated++ === 0) this.#firstAt = arrivedAt;
    this.#lastAt = arrivedAt;
  }

  /** When the first generated chunk arrived (`performance.now()`; 0 before). */
  get firstAt(): number {
    return this.#firstAt;
  }

  /** When the last generated chunk arrived (`performance.now()`; 0 before). */
  get lastAt(): number {
    return this.#lastAt;
  }

  /** Content, thinking and tool-call chunks added. */
  get generated(): number {
    return this.#generated;
  }

  /** The tool calls yielded so far. */
  get toolCalls(): readonly ToolCall[] {
    return this.#toolCalls;
  }

  /** Milliseconds from the start to the first generated chunk, if there was one. */
  get firstChunkMs(): number | undefined {
    return this.#generated === 0 ? undefined : Math.max(0, this.#firstAt - this.startedAt);
  }

  /**
   * The output for an error's `partial`: what was yielded, followed by `pending`, the chunks
   * decoded from the current read that the stream yields before it throws the error being built.
   */
  partial(pending: readonly StreamChunk[] = []): PartialOutput {
    let content = this.#content.toString();
    let thinking = this.#thinking.toString();
    const toolCalls = this.#toolCalls.slice();
    for (const chunk of pending) {
      if (chunk.type === "content") content += chunk.content;
      else if (chunk.type === "thinking") thinking += chunk.thinking;
      else if (chunk.type === "tool_calls") toolCalls.push(...chunk.toolCalls);
    }
    return { content, thinking, toolCalls };
  }
}
