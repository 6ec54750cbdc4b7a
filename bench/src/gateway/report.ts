import type { Target } from "./load.js";
import { percentile, type TargetTotals } from "./stats.js";

/** One phase's outcome for every target. */
export interface PhaseReport {
  id: string;
  title: string;
  totals: Map<string, TargetTotals>;
}

/** What the report header states about the run. */
export interface RunInfo {
  quick: boolean;
  startedAt: Date;
  seconds: number;
  machine: string;
  node: string;
  portkey: string;
  chunksPerStream: number;
}

function ms(value: number): string {
  return Number.isFinite(value) ? value.toFixed(2) : "–";
}

function cpuPerChunk(totals: TargetTotals | undefined): number {
  if (!totals || totals.cpuSeconds === undefined || totals.chunks === 0) return Number.NaN;
  return totals.cpuSeconds / totals.chunks;
}

function ttfc(totals: TargetTotals | undefined, p: number): number {
  return totals ? percentile(totals.ttfcMs, p) : Number.NaN;
}

/** The verdicts on the goals, from the paced phase (CPU) and the sequential one (latency). */
export function goals(phases: readonly PhaseReport[]): string[] {
  const paced = phases.find((phase) => phase.id === "paced-200");
  const sequential = phases.find((phase) => phase.id === "sequential");
  const lines: string[] = [];
  if (paced) {
    const ours = cpuPerChunk(paced.totals.get("ours"));
    const floor = cpuPerChunk(paced.totals.get("floor"));
    const portkey = cpuPerChunk(paced.totals.get("portkey"));
    const vsFloor = ours / floor;
    const vsPortkey = portkey / ours;
    lines.push(
      `- CPU per chunk at the paced load: ours ${vsFloor.toFixed(2)}× the floor's (goal ≤ 1.30×: ${vsFloor <= 1.3 ? "met" : "missed"}); Portkey ${(portkey / floor).toFixed(2)}× the floor's, so ours is ${vsPortkey.toFixed(2)}× as efficient as Portkey (goal ≥ 3×: ${vsPortkey >= 3 ? "met" : "missed"}).`,
    );
  }
  if (sequential) {
    const direct = ttfc(sequential.totals.get("direct"), 50);
    const ours = ttfc(sequential.totals.get("ours"), 50) - direct;
    const floor = ttfc(sequential.totals.get("floor"), 50) - direct;
    lines.push(
      `- Added time to first chunk, sequential, p50: ours ${ms(ours)} ms, the floor's ${ms(floor)} ms: ${ms(ours - floor)} ms more (goal ≤ 0.30 ms: ${ours - floor <= 0.3 ? "met" : "missed"}).`,
    );
  }
  const references = referenceLine(paced, sequential);
  if (references) lines.push(references);
  return lines;
}

/** The reference targets against the floor (no goal): CPU per chunk paced, added TTFC p50 sequential. */
function referenceLine(
  paced: PhaseReport | undefined,
  sequential: PhaseReport | undefined,
): string | undefined {
  const ids = ["floor-undici", "translate-undici"];
  if (!ids.some((id) => paced?.totals.has(id) || sequential?.totals.has(id))) return undefined;
  const parts = ids.map((id) => {
    const figures: string[] = [];
    if (paced) {
      const cpu = cpuPerChunk(paced.totals.get(id)) / cpuPerChunk(paced.totals.get("floor"));
      figures.push(`${cpu.toFixed(2)}× the floor's CPU per chunk (paced)`);
    }
    if (sequential) {
      const direct = ttfc(sequential.totals.get("direct"), 50);
      const added = ttfc(sequential.totals.get(id), 50) - direct;
      const floor = ttfc(sequential.totals.get("floor"), 50) - direct;
      figures.push(
        `added TTFC p50 ${ms(added)} ms against the floor's ${ms(floor)} ms (sequential)`,
      );
    }
    return `${id} ${figures.join(", ")}`;
  });
  return `- References (not goals): ${parts.join("; ")}.`;
}

/** Renders the Markdown report. */
export function renderReport(
  info: RunInfo,
  targets: readonly Target[],
  phases: readonly PhaseReport[],
): string {
  const out: string[] = [
    `# Gateway benchmark${info.quick ? " (quick: checks the paths, figures not meaningful)" : ""}`,
    "",
    `Run ${info.startedAt.toISOString()} in ${info.seconds.toFixed(0)} s on ${info.machine}, Node ${info.node}, @portkey-ai/gateway ${info.portkey}. ` +
      `Produced by \`pnpm --filter @x/bench bench:gateway\` (bench/src/gateway/); every answer is ${info.chunksPerStream} content chunks, verified end to end.`,
    "",
    "Targets: **direct** = the fake upstream itself; **floor** = a bare node:http pass-through proxy; " +
      "**floor-undici** (reference) = the floor with undici `request()` as its client, bytes only; " +
      "**translate-undici** (reference) = that plus parsing and re-encoding each SSE chunk, no adapter; " +
      "**ours** = the demo's OpenAI-compatible gateway over an `@x/openai` adapter; **portkey** = the " +
      "Portkey open-source gateway (provider `openai`, custom host = the upstream). Each gateway runs " +
      "in its own process; its CPU is `process.cpuUsage()` read inside that process before and after " +
      "each round. Added TTFC = the target's time to first content chunk minus direct's, same phase. " +
      "Portkey's `fetch()` answers get a mutable copy of their headers (see src/gateway/guard.ts): " +
      "without it every streaming request through Portkey 1.15.2 fails on Node 20.",
    "",
    "| phase | target | streams | TTFC p50 ms | TTFC p99 ms | added p50 ms | added p99 ms | streams/s | chunks per gateway CPU-s | CPU per chunk vs floor |",
    "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|",
  ];
  for (const phase of phases) {
    const direct = phase.totals.get("direct");
    const floorCpu = cpuPerChunk(phase.totals.get("floor"));
    for (const target of targets) {
      const totals = phase.totals.get(target.id);
      if (!totals) continue;
      const p50 = ttfc(totals, 50);
      const p99 = ttfc(totals, 99);
      const perChunk = cpuPerChunk(totals);
      const isDirect = target.id === "direct";
      out.push(
        `| ${[
          phase.title,
          target.label,
          `${totals.streams}${totals.failures ? ` (${totals.failures} failed)` : ""}`,
          ms(p50),
          ms(p99),
          isDirect ? "–" : ms(p50 - ttfc(direct, 50)),
          isDirect ? "–" : ms(p99 - ttfc(direct, 99)),
          (totals.streams / totals.wallSeconds).toFixed(0),
          Number.isFinite(perChunk) ? (1 / perChunk).toFixed(0) : "–",
          Number.isFinite(perChunk) ? `${(perChunk / floorCpu).toFixed(2)}×` : "–",
        ].join(" | ")} |`,
      );
    }
  }
  out.push("", "## Goals", "", ...goals(phases), "");
  const failed = phases.flatMap((phase) =>
    [...phase.totals.entries()]
      .filter(([, totals]) => totals.failures > 0)
      .map(
        ([id, totals]) =>
          `- ${phase.title} / ${id}: ${totals.failures} failed (${totals.firstError})`,
      ),
  );
  if (failed.length > 0) out.push("## Failures", "", ...failed, "");
  return out.join("\n");
}
