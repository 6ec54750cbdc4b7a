import { type FrameDecoderOptions, LineSplitter } from "./line-splitter.js";

/**
 * Splits a byte stream of newline-delimited JSON into lines (as strings, not parsed), correct
 * across any chunk boundary and split multi-byte UTF-8. Accepts LF, CRLF and CR; skips blank
 * lines. A line longer than `maxFrameSize` throws (by default a `ProtocolError`).
 *
 * @example
 * const decoder = new NdjsonDecoder();
 * for await (const bytes of body) for (const line of decoder.push(bytes)) handle(JSON.parse(line));
 * for (const line of decoder.end()) handle(JSON.parse(line));
 */
export class NdjsonDecoder {
  readonly #lines: LineSplitter;

  constructor(options: FrameDecoderOptions = {}) {
    this.#lines = new LineSplitter(options);
  }

  /** Character offset in the decoded body where the next undelivered line starts. */
  get position(): number {
    return this.#lines.position;
  }

  /** Feeds bytes; returns the complete non-blank lines they finish (without line terminators). */
  push(bytes: Uint8Array): string[] {
    const out: string[] = [];
    this.#lines.push(bytes, out);
    return dropBlank(out);
  }

  /** Ends the input; returns the last line if the body did not end with a newline. */
  end(): string[] {
    return dropBlank([this.#lines.end()]);
  }
}

function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13 && c !== 10) return false;
  }
  return true;
}

function dropBlank(lines: string[]): string[] {
  // Avoid allocating a second array in the common case where no line is blank.
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.length === 0 || isBlank(lines[i]!)) return lines.filter((l) => !isBlank(l));
  }
  return lines;
}

/**
 * Async-iterates the lines of an NDJSON byte stream. Stopping early (`break`) returns the source
 * iterator, which cancels it.
 */
export async function* decodeNdjson(
  source: AsyncIterable<Uint8Array>,
  options: FrameDecoderOptions = {},
): AsyncGenerator<string, void, undefined> {
  const decoder = new NdjsonDecoder(options);
  for await (const bytes of source) yield* decoder.push(bytes);
  yield* decoder.end();
}
