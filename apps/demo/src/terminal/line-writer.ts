import { displayWidth } from "./display-width.js";

/** Where text goes (a `process.stdout`-like writer). */
export interface Output {
  write(text: string): unknown;
  /** Terminal width; present on a TTY. */
  readonly columns?: number;
  readonly isTTY?: boolean;
}

// One token per match: an ANSI SGR escape (zero width), a newline, a blank, or a run of
// anything else (part of a word).
// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes start with ESC
const TOKENS = /\x1b\[[0-9;]*m|\n|[ \t]|[^\s\x1b]+|\x1b|\s/g;

/**
 * Wraps an {@link Output}: remembers the cursor's column, so that event lines printed while an
 * answer streams (fallback, retry...) start on a line of their own, and, on a terminal, wraps
 * streamed text at word boundaries instead of letting the terminal cut words at its width.
 *
 * To wrap before a word that will not fit, a word is held back until the blank or newline after
 * it arrives (or until {@link endLine}): a streamed answer shows whole words, one word late.
 * A word wider than the terminal is written as it comes and the terminal breaks it.
 */
export class LineWriter {
  readonly #out: Output;
  readonly #wrap: boolean;
  #column = 0;
  #word = "";
  #wordWidth = 0;
  /** What the current call will write, sent as one `write()`. */
  #batch = "";

  /** `wrap` defaults to true when `out` is a terminal that reports its width. */
  constructor(out: Output, options: { wrap?: boolean } = {}) {
    this.#out = out;
    this.#wrap = options.wrap ?? (out.isTTY === true && (out.columns ?? 0) > 0);
  }

  /** Writes text (wrapped at word boundaries on a terminal). */
  write(text: string): void {
    if (text === "") return;
    const width = this.#width();
    if (width === undefined) {
      this.#out.write(text);
      const lastNewline = text.lastIndexOf("\n");
      this.#column =
        lastNewline === -1
          ? this.#column + displayWidth(text)
          : displayWidth(text.slice(lastNewline + 1));
      return;
    }
    for (const [token] of text.matchAll(TOKENS)) {
      this.#take(token, width);
    }
    this.#send();
  }

  /** Lays out one token of {@link TOKENS}. */
  #take(token: string, width: number): void {
    if (token === "\n") {
      this.#flushWord(width);
      this.#emit("\n");
      this.#column = 0;
    } else if (token === " " || token === "\t") {
      this.#flushWord(width);
      if (this.#column >= width) {
        // The blank falls at the end of a full line: break there instead of printing it.
        this.#emit("\n");
        this.#column = 0;
      } else {
        this.#emit(token);
        this.#column += token === "\t" ? 8 - (this.#column % 8) : 1;
      }
    } else if (token.startsWith("\x1b")) {
      // A style stays in order with the word it belongs to.
      if (this.#word === "") this.#emit(token);
      else this.#word += token;
    } else {
      this.#word += token;
      this.#wordWidth += displayWidth(token);
      if (this.#wordWidth >= width) this.#flushWord(width);
    }
  }

  /** Ends the current line if anything was written on it. */
  endLine(): void {
    this.#flushWord(this.#width() ?? Number.POSITIVE_INFINITY);
    if (this.#column > 0) {
      this.#emit("\n");
      this.#column = 0;
    }
    this.#send();
  }

  /** Writes `text` as a line of its own. */
  line(text: string): void {
    this.endLine();
    this.write(`${text}\n`);
  }

  #width(): number | undefined {
    if (!this.#wrap) return undefined;
    const columns = this.#out.columns ?? 0;
    return columns > 0 ? columns : undefined;
  }

  #flushWord(width: number): void {
    if (this.#word === "") return;
    if (this.#column > 0 && this.#column + this.#wordWidth > width) {
      this.#emit("\n");
      this.#column = 0;
    }
    this.#emit(this.#word);
    const end = this.#column + this.#wordWidth;
    // Past the width the terminal breaks the word itself; the cursor ends on its last line.
    this.#column = end <= width ? end : end % width || width;
    this.#word = "";
    this.#wordWidth = 0;
  }

  #emit(text: string): void {
    this.#batch += text;
  }

  #send(): void {
    if (this.#batch === "") return;
    this.#out.write(this.#batch);
    this.#batch = "";
  }
}
