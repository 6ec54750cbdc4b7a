/** Where text goes (a `process.stdout`-like writer). */
export interface Output {
  write(text: string): unknown;
}

/**
 * Wraps an {@link Output} and remembers whether the cursor is at the start of a line, so that
 * event lines printed while an answer streams (fallback, retry...) start on a line of their own.
 */
export class LineWriter {
  readonly #out: Output;
  #atLineStart = true;

  constructor(out: Output) {
    this.#out = out;
  }

  /** Writes text as is. */
  write(text: string): void {
    if (text === "") return;
    this.#out.write(text);
    this.#atLineStart = text.endsWith("\n");
  }

  /** Ends the current line if anything was written on it. */
  endLine(): void {
    if (!this.#atLineStart) this.write("\n");
  }

  /** Writes `text` as a line of its own. */
  line(text: string): void {
    this.endLine();
    this.write(`${text}\n`);
  }
}
