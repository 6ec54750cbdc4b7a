import {
  type AdapterErrorOptions,
  createToolCallId,
  parseToolArguments,
  type ToolCall,
} from "@x/core";

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

  /** Whether any call was seen at all. */
  get seen(): boolean {
    return this.#slots.length > 0;
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
   * Completes every call not emitted yet, in index order, with parsed arguments. Returns
   * `undefined` when there is none. Throws a `ProtocolError` for arguments that are not JSON.
   */
  flush(options: AdapterErrorOptions): ToolCall[] | undefined {
    if (this.#pending === 0) return undefined;
    const ready = this.#slots.filter((slot) => !slot.emitted).sort((a, b) => a.index - b.index);
    const calls: ToolCall[] = [];
    for (const slot of ready) {
      const name = slot.name ?? "";
      const value = slot.text === "" && slot.object !== undefined ? slot.object : slot.text;
      calls.push({
        id: slot.id ?? createToolCallId(),
        name,
        arguments: parseToolArguments(value, name, options),
      });
      slot.emitted = true;
    }
    this.#pending = 0;
    return calls;
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
