import type { MemoryJob, PairedJob, ResilienceJob, SpeedPlan } from "./child/jobs.js";

/** Everything that differs between the full run and `--quick`. */
export interface BenchConfig {
  quick: boolean;
  speed: SpeedPlan;
  memory: Pick<MemoryJob, "warmupN" | "n" | "samples"> & { kinds: readonly string[] };
  resilience: Pick<ResilienceJob, "fallback" | "health">;
  paired: Pick<PairedJob, "stream" | "first">;
  /** Per child process; a child that takes longer is killed and reported as failed. */
  childTimeoutMs: number;
  output: string;
}

/** `pnpm bench`: about 6 minutes on 2 busy cores. */
export const FULL: BenchConfig = {
  quick: false,
  speed: {
    warmupN: 20_000,
    throughput: [
      // The AI SDK clients take 40–90 s for one 200,000-chunk response (they slow down
      // superlinearly with size), so slow clients get one or two timed responses here.
      { n: 200_000, mode: "bulk", reps: 11, minReps: 1, budgetMs: 8_000 },
      { n: 20_000, mode: "bulk", reps: 11, minReps: 2, budgetMs: 2_000 },
      { n: 20_000, mode: "frame", reps: 7, minReps: 2, budgetMs: 2_000 },
    ],
    overhead: { n: 10, warmup: 200, reps: 1000, rounds: 10, minReps: 200, budgetMs: 3_000 },
  },
  memory: {
    warmupN: 20_000,
    n: 1_000_000,
    samples: 200,
    kinds: ["raw", "ours", "chain", "third-party"],
  },
  resilience: {
    fallback: { warmup: 50, reps: 300 },
    health: { refusedReps: 20, hungReps: 2 },
  },
  paired: {
    stream: { n: 200_000, reps: 12, warmup: 1 },
    first: { n: 10, reps: 1000, warmup: 200 },
  },
  childTimeoutMs: 300_000,
  output: "RESULTS.md",
};

/** `pnpm bench --quick`: the CI smoke test (every client verified; no timing assertions). */
export const QUICK: BenchConfig = {
  quick: true,
  speed: {
    warmupN: 1_000,
    throughput: [
      { n: 5_000, mode: "bulk", reps: 2, minReps: 1, budgetMs: 300 },
      { n: 500, mode: "frame", reps: 2, minReps: 1, budgetMs: 300 },
    ],
    overhead: { n: 10, warmup: 10, reps: 30, rounds: 1, minReps: 10, budgetMs: 200 },
  },
  memory: { warmupN: 2_000, n: 50_000, samples: 50, kinds: ["ours"] },
  resilience: {
    fallback: { warmup: 5, reps: 30 },
    health: { refusedReps: 3, hungReps: 1, hungTimeoutMs: 300 },
  },
  paired: {
    stream: { n: 5_000, reps: 2, warmup: 1 },
    first: { n: 10, reps: 30, warmup: 10 },
  },
  childTimeoutMs: 60_000,
  output: ".out/RESULTS.quick.md",
};
