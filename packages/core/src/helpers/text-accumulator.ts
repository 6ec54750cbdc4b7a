const BATCH = 4096;
const encoder = new TextEncoder();

/**
 * Keeps a growing text (an answer's content so far, for `error.partial`) in memory proportional
 * to its UTF-8 size, not to the number of pieces. `a += b` over a million one-token deltas
 * leaves a million rope nodes (~32 bytes each) in V8's old space; here pieces are joined every
 * 4,096 and each batch is stored as UTF-8 bytes outside the V8 heap, so streaming a long answer
 * neither grows the heap per chunk nor pays for it until `toString()` is called (normally only
 * when an error needs the partial text).
 */
export class TextAccumulator {
  #batches: Uint8Array[] = [];
  #pieces: string[] = [];
  #empty = true;

  /** Appends a piece of text. */
  add(piece: string): void {
    if (piece.length === 0) return;
    this.#empty = false;
    const pieces = this.#pieces;
    pieces.push(piece);
    if (pieces.length === BATCH) {
      this.#batches.push(encoder.encode(pieces.join("")));
      pieces.length = 0;
    }
  }

  /** True when nothing (or only empty strings) was added since creation or `clear()`. */
  get isEmpty(): boolean {
    return this.#empty;
  }

  /** Forgets everything. */
  clear(): void {
    this.#batches = [];
    this.#pieces = [];
    this.#empty = true;
  }

  /** The whole text. */
  toString(): string {
    const tail = this.#pieces.join("");
    if (this.#batches.length === 0) return tail;
    const decoder = new TextDecoder();
    let out = "";
    for (const batch of this.#batches) out += decoder.decode(batch, { stream: true });
    return out + decoder.decode() + tail;
  }
}
