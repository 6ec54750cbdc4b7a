import type { Usage } from "@x/core";

const FIELDS = [
  "inputTokens",
  "outputTokens",
  "reasoningTokens",
  "cachedInputTokens",
  "totalTokens",
] as const;

/** Field-wise sum; a field stays `undefined` only when neither side reported it. */
export function addUsage(a: Usage | undefined, b: Usage | undefined): Usage | undefined {
  // Object.assign rather than spread: the same copy, without V8's slow spread path.
  if (!a) return b ? Object.assign({}, b) : undefined;
  if (!b) return Object.assign({}, a);
  const out: Usage = {};
  for (const field of FIELDS) {
    const x = a[field];
    const y = b[field];
    if (x !== undefined || y !== undefined) out[field] = (x ?? 0) + (y ?? 0);
  }
  return out;
}

/** Usage an error carries (a nested chain's `AllAdaptersFailedError`, or any error with `usage`). */
export function usageOf(error: unknown): Usage | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const usage = (error as { usage?: unknown }).usage;
  return typeof usage === "object" && usage !== null ? (usage as Usage) : undefined;
}
