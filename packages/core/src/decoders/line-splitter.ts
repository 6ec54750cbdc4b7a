import { ProtocolError } from "../errors/errors.js";

/** Default maximum frame (line or SSE event) size: 4 MiB of text. */
export const DEFAULT_MAX_FRAME_SIZE = 4 * 1024 * 1024;

/** What a decoder knows about a frame it rejects. */
export interface FrameErrorInfo {
  /** Always `oversize_frame` for decoder errors. */
  reason: "oversize_frame";
  /** A human-readable message. */
  message: string;
  /** The start of the offending frame. */
  excerpt: string;
  /** Character offset of the frame's start in the decoded body. */
  position: number;
}

/** Options shared by {@link NdjsonDecoder} and {@link SseDecoder}. */
export interface FrameDecoderOptions {
  /**
   * Largest frame accepted, in characters of decoded text (≈ bytes for ASCII). A longer frame
   * throws instead of buffering without bound. NDJSON: each line. SSE: each line (field name
   * included) and each event's joined `data`. Default {@link DEFAULT_MAX_FRAME_SIZE} (4 MiB).
   */
  maxFrameSize?: number;
  /** Provider name for the default `ProtocolError`. */
  provider?: string;
  /** Builds the error thrown for an oversize frame (adapters return their own ProtocolError subclass). */
  createError?: (info: FrameErrorInfo) => Error;
}

const LF = 10;

/**
 * Splits decoded text into lines at LF, CRLF or CR, correct across any chunk boundary (including a
 * CRLF split between two chunks). Keeps one pending tail and slices by offset.
 * @internal
 */
export class LineSplitter {
  readonly #max: number;
  readonly #options: FrameDecoderOptions;
  #pending = "";
  #skipLF = false;
  /** Characters consumed before the start of the pending tail. */
  #consumed = 0;

  constructor(options: FrameDecoderOptions = {}) {
    this.#options = options;
    this.#max = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
  }

  /** Position (character offset) where the pending tail starts. */
  get position(): number {
    return this.#consumed;
  }

  /** Appends every complete line in `chunk` to `out`; keeps the rest pending. */
  push(chunk: string, out: string[]): void {
    if (chunk.length === 0) return;
    let from = 0;
    if (this.#skipLF) {
      // The previous chunk ended with CR; an LF starting this one completes that CRLF.
      this.#skipLF = false;
      if (chunk.charCodeAt(0) === LF) from = 1;
    }
    const max = this.#max;
    const base = this.#pending.length;
    let nextLF = chunk.indexOf("\n", from);
    let nextCR = chunk.indexOf("\r", from);
    if (nextLF === -1 && nextCR === -1) {
      // No line end: grow the tail without scanning or copying it again (V8 keeps the
      // concatenation as a rope until a line end arrives), and bound it.
      if (from === 1) {
        this.#consumed += 1;
        if (chunk.length === 1) return;
      }
      const rest = from === 0 ? chunk : chunk.slice(from);
      this.#pending = base === 0 ? rest : this.#pending + rest;
      if (this.#pending.length > max) this.#oversize(this.#pending, 0, this.#pending.length);
      return;
    }
    // `from` is non-zero only when the tail is empty (a CR at the end of a chunk ends its line).
    const text = base === 0 ? chunk : this.#pending + chunk;
    let start = from;
    if (base !== 0) {
      // The tail never holds a line end, so the search results shift by its length.
      if (nextLF !== -1) nextLF += base;
      if (nextCR !== -1) nextCR += base;
    }
    if (nextCR === -1) {
      // Fast path: LF-only text, the overwhelmingly common case.
      while (nextLF !== -1) {
        if (nextLF - start > max) this.#oversize(text, start, nextLF);
        out.push(text.slice(start, nextLF));
        start = nextLF + 1;
        nextLF = text.indexOf("\n", start);
      }
    } else {
      while (nextLF !== -1 || nextCR !== -1) {
        const lineStart = start;
        let end: number;
        if (nextCR !== -1 && (nextLF === -1 || nextCR < nextLF)) {
          end = nextCR;
          if (nextCR + 1 < text.length) {
            start = text.charCodeAt(nextCR + 1) === LF ? nextCR + 2 : nextCR + 1;
          } else {
            // A CR at the very end: an LF starting the next chunk belongs to it.
            start = nextCR + 1;
            this.#skipLF = true;
          }
        } else {
          end = nextLF;
          start = nextLF + 1;
        }
        if (end - lineStart > max) this.#oversize(text, lineStart, end);
        out.push(text.slice(lineStart, end));
        if (nextLF !== -1 && nextLF < start) nextLF = text.indexOf("\n", start);
        if (nextCR !== -1 && nextCR < start) nextCR = text.indexOf("\r", start);
      }
    }
    this.#consumed += start;
    this.#pending = start === text.length ? "" : text.slice(start);
    if (this.#pending.length > max) this.#oversize(this.#pending, 0, this.#pending.length);
  }

  /** Returns the unterminated tail (possibly empty) and resets. */
  end(): string {
    const rest = this.#pending;
    this.#consumed += rest.length;
    this.#pending = "";
    this.#skipLF = false;
    return rest;
  }

  #oversize(text: string, start: number, end: number): never {
    throw frameTooLargeError(this.#options, {
      reason: "oversize_frame",
      message: `Frame exceeds the maximum size of ${this.#max} characters`,
      excerpt: text.slice(start, Math.min(end, start + 200)),
      position: this.#consumed + start,
    });
  }
}

/** The error a decoder throws for an oversize frame: the caller's own, or a `ProtocolError`. */
export function frameTooLargeError(options: FrameDecoderOptions, info: FrameErrorInfo): Error {
  return (
    options.createError?.(info) ??
    new ProtocolError(info.message, {
      provider: options.provider ?? "unknown",
      reason: "oversize_frame",
      excerpt: info.excerpt,
      position: info.position,
    })
  );
}
