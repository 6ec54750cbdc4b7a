import {
  DEFAULT_MAX_FRAME_SIZE,
  type FrameDecoderOptions,
  frameTooLargeError,
  LineSplitter,
} from "./line-splitter.js";

/** One server-sent event. */
export interface SseEvent {
  /** The `data` lines joined with `\n`. */
  data: string;
  /** The `event` field, when the event named a non-empty one (absent means `"message"`). */
  event?: string;
  /**
   * The `id` field, when this event carried one. Unlike a browser's `lastEventId`, it does not
   * carry over to later events (the same as `eventsource-parser`).
   */
  id?: string;
  /** The `retry` field in milliseconds, when the event carried a valid one. */
  retry?: number;
}

/** Options for {@link SseDecoder}. */
export interface SseDecoderOptions extends FrameDecoderOptions {
  /** Called with the text of every `:` comment line (keep-alives), without the colon. */
  onComment?: (comment: string) => void;
  /**
   * Called for every field other than `data`, `event`, `id` and `retry` (which the standard
   * ignores). Return an event to emit it at that point of the stream, in order with the others:
   * e.g. old llama.cpp servers wrote mid-stream errors as a non-standard `error: {...}` line.
   */
  onField?: (name: string, value: string) => SseEvent | undefined;
}

/**
 * Decodes a byte stream of server-sent events per the WHATWG rules: LF / CRLF / CR line ends,
 * `:` comments, multi-line `data`, `event`, `id` and `retry` fields, one optional space after the
 * colon, unknown fields ignored (or handed to `onField`). Correct across any chunk boundary and split multi-byte UTF-8.
 * An event larger than `maxFrameSize` throws (by default a `ProtocolError`).
 *
 * Unlike a browser, an event still pending when the body ends (no final blank line) is delivered
 * by {@link SseDecoder.end}, so a server that closes right after its last `data:` line loses
 * nothing.
 */
export class SseDecoder {
  readonly #lines: LineSplitter;
  readonly #max: number;
  readonly #options: SseDecoderOptions;
  readonly #scratch: string[] = [];
  #data: string | undefined;
  #event: string | undefined;
  #id: string | undefined;
  #retry: number | undefined;

  constructor(options: SseDecoderOptions = {}) {
    this.#options = options;
    this.#lines = new LineSplitter(options);
    this.#max = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
  }

  /** Feeds bytes; returns the events they complete. */
  push(bytes: Uint8Array): SseEvent[] {
    const lines = this.#scratch;
    lines.length = 0;
    this.#lines.push(bytes, lines);
    const out: SseEvent[] = [];
    for (let i = 0; i < lines.length; i++) this.#line(lines[i]!, out);
    return out;
  }

  /** Ends the input; returns any event left pending. */
  end(): SseEvent[] {
    const lines = this.#scratch;
    lines.length = 0;
    const rest = this.#lines.end();
    if (rest.length > 0) lines.push(rest);
    const out: SseEvent[] = [];
    for (let i = 0; i < lines.length; i++) this.#line(lines[i]!, out);
    this.#line("", out);
    return out;
  }

  #line(line: string, out: SseEvent[]): void {
    if (line.length === 0) {
      if (this.#data !== undefined) {
        const event: SseEvent = { data: this.#data };
        // An empty `event:` means the default type ("message"), as in a browser.
        if (this.#event !== undefined && this.#event !== "") event.event = this.#event;
        if (this.#id !== undefined) event.id = this.#id;
        if (this.#retry !== undefined) event.retry = this.#retry;
        out.push(event);
      }
      this.#data = undefined;
      this.#event = undefined;
      this.#id = undefined;
      this.#retry = undefined;
      return;
    }
    const colon = line.indexOf(":");
    if (colon === 0) {
      this.#options.onComment?.(line.charCodeAt(1) === 32 ? line.slice(2) : line.slice(1));
      return;
    }
    // Compare the field name in place (no slice for it): only the value is ever allocated.
    const nameEnd = colon === -1 ? line.length : colon;
    const valueStart =
      colon === -1 ? line.length : line.charCodeAt(colon + 1) === 32 ? colon + 2 : colon + 1;
    if (nameEnd === 4 && line.startsWith("data")) {
      const value = line.slice(valueStart);
      if (this.#data === undefined) {
        this.#data = value;
      } else {
        if (this.#data.length + 1 + value.length > this.#max) this.#oversize(this.#data);
        this.#data = `${this.#data}\n${value}`;
      }
    } else if (nameEnd === 5 && line.startsWith("event")) {
      this.#event = line.slice(valueStart);
    } else if (nameEnd === 2 && line.startsWith("id")) {
      // An id containing NUL is ignored (WHATWG).
      if (line.indexOf("\0", valueStart) === -1) this.#id = line.slice(valueStart);
    } else if (nameEnd === 5 && line.startsWith("retry")) {
      const value = line.slice(valueStart);
      if (isDigits(value)) this.#retry = Number(value);
    } else {
      // Any other field is ignored, unless the caller turns it into an event.
      const event = this.#options.onField?.(line.slice(0, nameEnd), line.slice(valueStart));
      if (event !== undefined) out.push(event);
    }
  }

  #oversize(data: string): never {
    throw frameTooLargeError(this.#options, {
      reason: "oversize_frame",
      message: `SSE event exceeds the maximum size of ${this.#max} characters`,
      excerpt: data.slice(0, 200),
      position: this.#lines.position,
    });
  }
}

/** True for a non-empty string of ASCII digits (the only valid `retry` value). */
function isDigits(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * Async-iterates the events of an SSE byte stream. Stopping early (`break`) returns the source
 * iterator, which cancels it.
 */
export async function* decodeSse(
  source: AsyncIterable<Uint8Array>,
  options: SseDecoderOptions = {},
): AsyncGenerator<SseEvent, void, undefined> {
  const decoder = new SseDecoder(options);
  for await (const bytes of source) yield* decoder.push(bytes);
  yield* decoder.end();
}
