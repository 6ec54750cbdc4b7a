import { StreamOutput, TextAccumulator } from "@x/core/http";
import type {
  AnthropicContentBlock,
  AnthropicResponseMessage,
  AnthropicUsage,
} from "./anthropic-wire.js";

/** One content block as its events arrive (`content_block_start` → deltas → `content_block_stop`). */
export interface OpenBlock {
  /** The `content_block` of `content_block_start`, copied. */
  readonly start: AnthropicContentBlock;
  /** `text` / `thinking` blocks: the deltas so far. */
  readonly text: TextAccumulator | undefined;
  /** `tool_use` / `server_tool_use` blocks: the `input_json_delta` fragments so far. */
  json: string;
  /** `thinking` blocks: the `signature_delta` (sent once, whole, before the block stops). */
  signature: string | undefined;
  /** `citations_delta`s of a `text` block. */
  citations: unknown[] | undefined;
  /** The parsed input of a tool block, once it stopped. */
  input: Record<string, unknown> | undefined;
  /** `content_block_stop` arrived. */
  stopped: boolean;
}

/** A tool call whose input was not JSON when its block stopped: fatal unless the token limit cut it. */
export interface CutToolCall {
  id: string;
  name: string;
  argumentsText: string;
}

/**
 * One stream's state: what was yielded (core's `StreamOutput`: an error's `partial`, the measured
 * rate), the message the events describe (for `done` and `done.raw`), and the blocks still open.
 * @internal
 */
export class AnthropicAnswer extends StreamOutput {
  /** Blocks by their `index`. */
  readonly blocks: OpenBlock[] = [];
  /** Tool calls whose input did not parse (see {@link CutToolCall}). */
  readonly cut: CutToolCall[] = [];
  id = "";
  model: string | undefined;
  usage: AnthropicUsage = {};
  stopReason: string | null = null;
  stopSequence: string | null = null;

  /** Starts the block at `index`. */
  open(index: number, start: AnthropicContentBlock): OpenBlock {
    const block: OpenBlock = {
      start: { ...start },
      text: start.type === "text" || start.type === "thinking" ? new TextAccumulator() : undefined,
      json: "",
      signature: undefined,
      citations: undefined,
      input: undefined,
      stopped: false,
    };
    this.blocks[index] = block;
    return block;
  }

  /** The message as the API would return it without streaming: `done.raw`. */
  message(): AnthropicResponseMessage {
    return {
      id: this.id,
      type: "message",
      role: "assistant",
      model: this.model ?? "",
      content: this.blocks.filter((b) => b !== undefined).map(toWireBlock),
      stop_reason: this.stopReason,
      stop_sequence: this.stopSequence,
      usage: this.usage,
    };
  }
}

/** A block as the API returns it: the start fields with the deltas applied. */
function toWireBlock(block: OpenBlock): AnthropicContentBlock {
  const wire: AnthropicContentBlock = { ...block.start };
  if (block.start.type === "text") {
    wire.text = `${typeof wire.text === "string" ? wire.text : ""}${block.text}`;
    if (block.citations) {
      wire.citations = [
        ...(Array.isArray(wire.citations) ? wire.citations : []),
        ...block.citations,
      ];
    }
  } else if (block.start.type === "thinking") {
    wire.thinking = `${typeof wire.thinking === "string" ? wire.thinking : ""}${block.text}`;
    if (block.signature !== undefined) wire.signature = block.signature;
  } else if (block.input !== undefined) {
    wire.input = block.input;
  }
  return wire;
}
