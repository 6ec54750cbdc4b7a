import type { StreamResult } from "./load.js";

/** What one target did in one phase, summed over its rounds. */
export interface TargetTotals {
  streams: number;
  failures: number;
  firstError?: string;
  chunks: number;
  /** Wall time spent in this target's rounds, s. */
  wallSeconds: number;
  /** The gateway process's CPU time during those rounds, s (undefined: no gateway). */
  cpuSeconds?: number;
  ttfcMs: number[];
}

/** An empty {@link TargetTotals}. */
export function emptyTotals(withCpu: boolean): TargetTotals {
  return {
    streams: 0,
    failures: 0,
    chunks: 0,
    wallSeconds: 0,
    ...(withCpu ? { cpuSeconds: 0 } : {}),
    ttfcMs: [],
  };
}

/** Adds one round's results. */
export function addRound(
  totals: TargetTotals,
  results: readonly StreamResult[],
  wallSeconds: number,
  cpuSeconds: number | undefined,
): void {
  for (const result of results) {
    totals.streams++;
    totals.chunks += result.chunks;
    if (!result.ok) {
      totals.failures++;
      totals.firstError ??= result.error;
    }
    if (Number.isFinite(result.ttfcMs)) totals.ttfcMs.push(result.ttfcMs);
  }
  totals.wallSeconds += wallSeconds;
  if (totals.cpuSeconds !== undefined && cpuSeconds !== undefined) totals.cpuSeconds += cpuSeconds;
}

/** The `p`-th percentile (0–100) by nearest rank; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}
