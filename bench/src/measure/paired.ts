/**
 * Overheads measured in pairs inside one process: a base client and a candidate (raw undici and
 * its adapter; an adapter and the same adapter in a one-member chain) take turns response by
 * response (ABBA order), so both share the heap, the JIT state, the CPU and any background load.
 * Across separate processes the run-to-run spread on a shared machine (±15 % and more) is larger
 * than the effects measured here.
 */
import type { PairedJob, PairedResult, PairedRow } from "../child/jobs.js";
import { timedRun } from "../child/verify.js";
import { findClient } from "../clients/registry.js";
import type { BenchClient } from "../clients/types.js";

async function series(
  ids: [string, string],
  clients: [BenchClient, BenchClient],
  n: number,
  reps: number,
  warmup: number,
): Promise<{
  ms: [number[], number[]];
  cpuMs: [number[], number[]];
  firstUs: [number[], number[]];
}> {
  const spec = { n, mode: "bulk" as const };
  for (let i = 0; i < warmup; i++) {
    for (let c = 0; c < 2; c++) await timedRun(ids[c]!, clients[c]!, spec);
  }
  const out = {
    ms: [[], []] as [number[], number[]],
    cpuMs: [[], []] as [number[], number[]],
    firstUs: [[], []] as [number[], number[]],
  };
  for (let i = 0; i < reps; i++) {
    // ABBA: neither side always goes first (after a GC, with a warm socket, ...).
    const order = i % 2 === 0 ? [0, 1] : [1, 0];
    for (const c of order) {
      const time = await timedRun(ids[c]!, clients[c]!, spec);
      out.ms[c]!.push(time.totalMs);
      out.cpuMs[c]!.push(time.cpuMs);
      out.firstUs[c]!.push(time.firstMs * 1000);
    }
  }
  return out;
}

/** Runs every pair of the job. */
export async function measurePaired(job: PairedJob): Promise<PairedResult> {
  const rows: PairedRow[] = [];
  for (const [base, candidate] of job.pairs) {
    const clients: [BenchClient, BenchClient] = [
      await findClient(base).create({ origin: job.origin }),
      await findClient(candidate).create({ origin: job.origin }),
    ];
    try {
      const ids: [string, string] = [base, candidate];
      const s = job.stream;
      const stream = await series(ids, clients, s.n, s.reps, s.warmup);
      const f = job.first;
      const first = await series(ids, clients, f.n, f.reps, f.warmup);
      rows.push({
        base,
        candidate,
        streamN: s.n,
        streamMs: stream.ms,
        streamCpuMs: stream.cpuMs,
        firstN: f.n,
        firstUs: first.firstUs,
      });
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
  }
  return { rows };
}
