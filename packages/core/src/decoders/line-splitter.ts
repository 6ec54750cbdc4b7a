import { Buffer } from "node:buffer";
import { ProtocolError } from "../errors/errors.js";

/** Default maximum frame (line or SSE event) size: 4 MiB. */
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
   * Largest frame accepted, in UTF-8 bytes of one line (field name included, line end not). A
   * longer line throws instead of buffering without bound. SSE also bounds each event's joined
   * `data`, in characters (never more than its bytes). Default {@link DEFAULT_MAX_FRAME_SIZE}
   * (4 MiB).
   */
  maxFrameSize?: number;
  /** Provider name for the default `ProtocolError`. */
  provider?: string;
  /** Builds the error thrown for an oversize frame (adapters return their own ProtocolError subclass). */
  createError?: (info: FrameErrorInfo) => Error;
}

const LF = 0x0a;
const CR = 0x0d;
const BOM = 0xfeff;
const EMPTY = Buffer.alloc(0);

/**
 * Splits a byte stream into lines at LF, CRLF or CR, correct across any chunk boundary (including
 * a CRLF split between two chunks), and decodes each line from UTF-8 on its own. A line end is
 * never part of a multi-byte character, so no character can be split; a line still open when a
 * chunk ends is kept as bytes until its end arrives. A UTF-8 byte-order mark opening the stream
 * is dropped, as `TextDecoder` does.
 *
 * Bytes rather than decoded text: searching bytes for a line end is a `memchr`, and a line of
 * ASCII decodes to a one-byte string, which `JSON.parse` reads faster than a slice of a read that
 * holds one non-Latin-1 character anywhere (bench/PROFILING.md §11).
 * @internal
 */
export class LineSplitter {
  readonly #max: number;
  readonly #options: FrameDecoderOptions;
  /** Pieces of the line still open at the end of the last chunk (none: empty). */
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  /** The last chunk ended with CR: an LF opening the next one belongs to it. */
  #skipLF = false;
  /** Characters delivered so far, line ends included: where the next line starts. */
  #consumed = 0;

  constructor(options: FrameDecoderOptions = {}) {
    this.#options = options;
    this.#max = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
  }

  /** Position (character offset in the decoded body) where the next line starts. */
  get position(): number {
    return this.#consumed;
  }

  /** Appends every line that `bytes` completes to `out`; keeps the rest pending. */
  push(bytes: Uint8Array, out: string[]): void {
    const chunk = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let start = 0;
    if (this.#skipLF && chunk.length > 0) {
      this.#skipLF = false;
      if (chunk[0] === LF) {
        start = 1;
        this.#consumed += 1;
      }
    }
    let nextLF = chunk.indexOf(LF, start);
    let nextCR = chunk.indexOf(CR, start);
    while (nextLF !== -1 || nextCR !== -1) {
      if (nextCR === -1 || (nextLF !== -1 && nextLF < nextCR)) {
        out.push(this.#line(chunk, start, nextLF));
        this.#consumed += 1;
        start = nextLF + 1;
        nextLF = chunk.indexOf(LF, start);
        continue;
      }
      // CR, CRLF, or a CR ending the chunk (the LF may open the next one).
      out.push(this.#line(chunk, start, nextCR));
      start = nextCR + 1;
      if (start === chunk.length) this.#skipLF = true;
      else if (chunk[start] === LF) start += 1;
      this.#consumed += start - nextCR;
      if (nextLF !== -1 && nextLF < start) nextLF = chunk.indexOf(LF, start);
      nextCR = chunk.indexOf(CR, start);
    }
    if (start < chunk.length) this.#keep(chunk.subarray(start));
  }

  /** Ends the input: returns the line still open (empty if none). */
  end(): string {
    this.#skipLF = false;
    return this.#pendingBytes === 0 ? "" : this.#line(EMPTY, 0, 0);
  }

  /** Decodes the line that ends at `end` in `chunk` (and began with the pending bytes, if any). */
  #line(chunk: Buffer, start: number, end: number): string {
    let line: string;
    if (this.#pendingBytes === 0) {
      if (end - start > this.#max) this.#oversize(chunk.subarray(start, end));
      line = end === start ? "" : chunk.toString("utf8", start, end);
    } else {
      const pieces = this.#pending;
      pieces.push(chunk.subarray(start, end));
      const whole = Buffer.concat(pieces, this.#pendingBytes + end - start);
      this.#pending = [];
      this.#pendingBytes = 0;
      if (whole.length > this.#max) this.#oversize(whole);
      line = whole.toString("utf8");
    }
    // Position 0 is the line that opens the stream, the only one a byte-order mark may start.
    if (this.#consumed === 0 && line.charCodeAt(0) === BOM) line = line.slice(1);
    this.#consumed += line.length;
    return line;
  }

  /** Keeps the start of a line that the chunk did not end (copied: the caller may reuse it). */
  #keep(bytes: Uint8Array): void {
    this.#pending.push(Buffer.from(bytes));
    this.#pendingBytes += bytes.length;
    if (this.#pendingBytes > this.#max) this.#oversize(Buffer.concat(this.#pending));
  }

  #oversize(bytes: Buffer): never {
    throw frameTooLargeError(this.#options, {
      reason: "oversize_frame",
      message: `Frame exceeds the maximum size of ${this.#max} bytes`,
      // 800 bytes always hold the first 200 characters.
      excerpt: bytes.toString("utf8", 0, 800).slice(0, 200),
      position: this.#consumed,
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
