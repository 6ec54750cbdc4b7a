/** Median, minimum and maximum of a sample. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  count: number;
}

/** Summarises `values` (which must not be empty). */
export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, count: sorted.length };
}

/** Formats a number with thousands separators and `digits` decimals. */
export function fmt(value: number, digits = 0): string {
  return value.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** `median (min–max)`, each formatted with `digits` decimals. */
export function fmtSummary(summary: Summary, digits = 0): string {
  return `${fmt(summary.median, digits)} (${fmt(summary.min, digits)}–${fmt(summary.max, digits)})`;
}

/** Megabytes with one decimal. */
export function mb(bytes: number): string {
  return `${fmt(bytes / 1024 / 1024, 1)} MB`;
}

/** A ratio such as `1.07×`. */
export function ratio(value: number): string {
  return `${value.toFixed(2)}×`;
}
