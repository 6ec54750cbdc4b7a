import type {
  ChildMessage,
  MemoryResult,
  PairedResult,
  ResilienceResult,
  SpeedResult,
} from "../child/jobs.js";
import type { ClientDefinition } from "../clients/types.js";
import type { BenchConfig } from "../config.js";
import type { BundleRow } from "./bundle-size.js";
import type { MachineInfo } from "./machine.js";

/** The outcome of one child job. */
export type Outcome<T> =
  | { ok: true; value: T }
  | { ok: false; error: string; verification: boolean };

/** Everything one run produced. */
export interface RunResults {
  config: BenchConfig;
  machine: MachineInfo;
  startedAt: Date;
  durationMs: number;
  clients: readonly ClientDefinition[];
  speed: Map<string, Outcome<SpeedResult>>;
  memory: Map<string, Outcome<MemoryResult>>;
  resilience?: Outcome<ResilienceResult>;
  /** Adapter and chain overheads measured in pairs in one process. */
  paired?: Outcome<PairedResult>;
  bundles: BundleRow[];
}

/** Narrows a child's message to an outcome of the expected type. */
export function toOutcome<T>(message: ChildMessage): Outcome<T> {
  return message.ok
    ? { ok: true, value: message.result as T }
    : { ok: false, error: message.error, verification: message.verification };
}

/** Every failure of the run, one line each (the run exits non-zero when there is any). */
export function failures(results: RunResults): string[] {
  const lines: string[] = [];
  for (const [id, outcome] of results.speed) {
    if (!outcome.ok) lines.push(`speed ${id}: ${outcome.error}`);
  }
  for (const [id, outcome] of results.memory) {
    if (!outcome.ok) lines.push(`memory ${id}: ${outcome.error}`);
  }
  if (results.paired && !results.paired.ok) lines.push(`paired: ${results.paired.error}`);
  const resilience = results.resilience;
  if (resilience && !resilience.ok) lines.push(`resilience: ${resilience.error}`);
  if (resilience?.ok) {
    if (resilience.value.fallbackError) lines.push(`fallback: ${resilience.value.fallbackError}`);
    if (resilience.value.healthError) lines.push(`healthCheck: ${resilience.value.healthError}`);
    for (const row of resilience.value.health?.rows ?? []) {
      const want = row.target === "up";
      if (row.results.some((value) => value !== want)) {
        lines.push(`healthCheck ${row.adapter} ${row.target}: returned ${row.results.join(",")}`);
      }
    }
  }
  return lines;
}
