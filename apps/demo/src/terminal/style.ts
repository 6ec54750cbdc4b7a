/** ANSI styling that turns itself off for pipes, files and `NO_COLOR`. */
export interface Style {
  dim(text: string): string;
  bold(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

const plain = (text: string) => text;

/** Returns a {@link Style}: colours only when `enabled`. */
export function createStyle(enabled: boolean): Style {
  if (!enabled)
    return { dim: plain, bold: plain, red: plain, green: plain, yellow: plain, cyan: plain };
  const wrap = (open: number, close: number) => (text: string) =>
    `\x1b[${open}m${text}\x1b[${close}m`;
  return {
    dim: wrap(2, 22),
    bold: wrap(1, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
  };
}

/** True when `stream` is a colour terminal and the user did not set `NO_COLOR`. */
export function wantsColor(stream: { isTTY?: boolean }): boolean {
  return stream.isTTY === true && !process.env.NO_COLOR;
}
