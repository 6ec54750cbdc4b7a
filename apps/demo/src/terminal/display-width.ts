// Terminal columns of a string: ANSI SGR escapes take none, combining marks, zero-width joiners
// and variation selectors take none, East Asian wide characters and most emoji take two. This
// is the common approximation (as in `string-width`), enough to wrap chat text.
// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes start with ESC
const ESCAPES = /\x1b\[[0-9;]*m/g;

function charWidth(code: number): number {
  if (code < 0x20 || (code >= 0x7f && code < 0xa0)) return 0;
  if (
    (code >= 0x300 && code <= 0x36f) || // combining diacritical marks
    code === 0x200b ||
    code === 0x200c ||
    code === 0x200d ||
    (code >= 0xfe00 && code <= 0xfe0f) || // variation selectors
    (code >= 0x1f3fb && code <= 0x1f3ff) // skin-tone modifiers
  ) {
    return 0;
  }
  if (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1faff) ||
    (code >= 0x20000 && code <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

/** How many terminal columns `text` takes. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text.replace(ESCAPES, "")) width += charWidth(char.codePointAt(0) ?? 0);
  return width;
}
