import {
  type AdapterErrorOptions,
  type IncompleteToolCall,
  ProtocolError,
  type ToolCall,
} from "@x/core";
import { createToolCallId, parseToolArguments } from "@x/core/http";

/** What {@link ToolCallAccumulator.flush} completed. */
export interface FlushedToolCalls {
  /** Calls with parsed arguments, in index order. */
  calls: ToolCall[];
  /** Calls whose arguments did not parse, when the token limit cut them off. */
  incomplete: IncompleteToolCall[];
}

/** One tool call being assembled from deltas. */
interface Slot {
  index: number;
  id: string | undefined;
  name: string | undefined;
  /** Concatenated string fragments of `function.arguments`. */
  text: string;
  /** Arguments some servers (OpenRouter routes) send as an object instead of a string. */
  object: Record<string, unknown> | undefined;
  emitted: boolean;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * Assembles streamed `delta.tool_calls` entries into complete calls, keyed by `index`.
 *
 * Tolerates what compatible servers do (see the quirk matrix in the protocol notes): `id`, `type`
 * and `name` late or repeated (set, never appended); `index` missing (Gemini, mistral.rs: a new
 * `id` opens a new slot, otherwise the last slot continues); `index` starting above 0; arguments
 * whole, in fragments, or as an object; calls with no argument fragments at all (→ `{}`).
 * @internal
 */
export class ToolCallAccumulator {
  readonly #slots: Slot[] = [];
  #last: Slot | undefined;
  #pending = 0;

  /** Whether any call is waiting to be emitted. */
  get pending(): boolean {
    return this.#pending > 0;
  }

  /** Feeds one element of `delta.tool_calls`. */
  add(delta: unknown): void {
    if (typeof delta !== "object" || delta === null) return;
    const d = delta as Record<string, unknown>;
    const id = nonEmpty(d.id);
    const slot = this.#slotFor(typeof d.index === "number" ? d.index : undefined, id);
    if (slot.emitted) return;
    if (id !== undefined) slot.id = id;
    const fn = d.function;
    if (typeof fn === "object" && fn !== null) {
      const f = fn as Record<string, unknown>;
      const name = nonEmpty(f.name);
      if (name !== undefined) slot.name = name;
      const args = f.arguments;
      if (typeof args === "string") {
        if (args.length > 0) slot.text += args;
      } else if (typeof args === "object" && args !== null && !Array.isArray(args)) {
        slot.object = args as Record<string, unknown>;
      }
    }
  }

  /**
   * Completes every call not emitted yet, in index order, with parsed arguments. Arguments that
   * are not a JSON object throw a `ProtocolError` (`invalid_tool_arguments`) naming the tool,
   * unless `cutOff` (the stream finished with `finish_reason: "length"`): then the call goes to
   * `incomplete` with its raw text, as the caller's token limit cut it.
   */
  flush(options: AdapterErrorOptions, cutOff: boolean): FlushedToolCalls {
    const result: FlushedToolCalls = { calls: [], incomplete: [] };
    if (this.#pending === 0) return result;
    const ready = this.#slots.filter((slot) => !slot.emitted).sort((a, b) => a.index - b.index);
    for (const slot of ready) {
      slot.emitted = true;
      const name = slot.name ?? "";
      const id = slot.id ?? createToolCallId();
      const value = slot.text === "" && slot.object !== undefined ? slot.object : slot.text;
      try {
        result.calls.push({ id, name, arguments: parseToolArguments(value, name, options) });
      } catch (error) {
        if (!cutOff || !ProtocolError.isInstance(error)) throw error;
        result.incomplete.push({ id, name, argumentsText: slot.text });
      }
    }
    this.#pending = 0;
    return result;
  }

  #slotFor(index: number | undefined, id: string | undefined): Slot {
    const slots = this.#slots;
    if (index !== undefined) {
      for (let i = slots.length - 1; i >= 0; i--) {
        if (slots[i]!.index === index) return this.#use(slots[i]!);
      }
      return this.#open(index, id);
    }
    // No index: match by id, else continue the last call unless a new id starts another.
    if (id !== undefined) {
      for (let i = slots.length - 1; i >= 0; i--) {
        if (slots[i]!.id === id) return this.#use(slots[i]!);
      }
      if (this.#last === undefined || this.#last.id !== undefined || this.#last.emitted) {
        return this.#open(this.#nextIndex(), id);
      }
      return this.#last;
    }
    if (this.#last !== undefined && !this.#last.emitted) return this.#last;
    return this.#open(this.#nextIndex(), id);
  }

  #use(slot: Slot): Slot {
    this.#last = slot;
    return slot;
  }

  #nextIndex(): number {
    let max = -1;
    for (const slot of this.#slots) if (slot.index > max) max = slot.index;
    return max + 1;
  }

  #open(index: number, id: string | undefined): Slot {
    const slot: Slot = { index, id, name: undefined, text: "", object: undefined, emitted: false };
    this.#slots.push(slot);
    this.#pending++;
    this.#last = slot;
    return slot;
  }
}
