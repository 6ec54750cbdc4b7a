/**
 * The token cycle every benchmark response is made of: short, varied tokens including JSON
 * escapes and multi-byte UTF-8 (2-, 3- and 4-byte sequences, a ZWJ-free emoji with a skin-tone
 * modifier), so that decoders split characters across reads in the bulk-write mode.
 */
export const TOKENS: readonly string[] = [
  " the",
  " quick",
  " brown",
  " fox",
  " jumps",
  " over",
  " lazy",
  " dog",
  ",",
  ".",
  " é",
  "café",
  " naïve",
  " 日本",
  "語",
  " 🚀",
  "🙂",
  " Ж",
  "ß",
  " über",
  "\n",
  ' "quoted"',
  " back\\slash",
  " 42",
  " -",
  "ñ",
  " 中文",
  "€",
  " ok",
  " λ",
  " 👍🏽",
  " end",
];

/** Token `i` of a response (the cycle repeats). */
export function tokenAt(i: number): string {
  return TOKENS[i % TOKENS.length]!;
}

/**
 * Length and FNV-1a hash of a text, computed incrementally over UTF-16 code units so that the
 * result does not depend on how the text was cut into chunks.
 */
export class TextDigest {
  length = 0;
  hash = 0x811c9dc5;

  /** Adds the next piece of text. */
  update(text: string): void {
    let h = this.hash;
    for (let i = 0; i < text.length; i++) {
      h = Math.imul(h ^ text.charCodeAt(i), 16777619);
    }
    this.hash = h;
    this.length += text.length;
  }

  /** True when both digests describe the same text. */
  equals(other: TextDigest): boolean {
    return this.length === other.length && this.hash === other.hash;
  }

  /** A short printable form for error messages. */
  toString(): string {
    return `len=${this.length} fnv=${(this.hash >>> 0).toString(16)}`;
  }
}

/** The digest of the full text of an `n`-chunk response. */
export function expectedDigest(n: number): TextDigest {
  const digest = new TextDigest();
  for (let i = 0; i < n; i++) digest.update(tokenAt(i));
  return digest;
}
