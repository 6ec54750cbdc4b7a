import type { WriteMode } from "../protocol/model-name.js";

/**
 * One throughput figure: up to `reps` timed responses of `n` chunks; after `minReps`, no new
 * repetition starts once `budgetMs` has been spent (keeps slow third-party clients inside the
 * ten-minute run).
 */
export interface ThroughputPlan {
  n: number;
  mode: WriteMode;
  reps: number;
  minReps: number;
  budgetMs: number;
}

/** Throughput and per-request overhead plan, run in interleaved rounds over all clients. */
export interface SpeedPlan {
  /** Chunks in the untimed warm-up response that precedes the timed ones. */
  warmupN: number;
  throughput: ThroughputPlan[];
  /**
   * `warmup` untimed requests, then up to `reps` timed ones in `rounds` interleaved rounds; after
   * `minReps`, a client stops once `budgetMs` has been spent.
   */
  overhead: {
    n: number;
    warmup: number;
    reps: number;
    rounds: number;
    minReps: number;
    budgetMs: number;
  };
}

/**
 * A long-lived client process that streams responses on command (see {@link SessionCommand}), so
 * the parent can interleave clients round by round while only one of them is ever measuring.
 */
export interface SessionJob {
  kind: "session";
  client: string;
  origin: string;
}

/** Parent → session: stream `count` verified responses one after another, or close. */
export type SessionCommand =
  | { cmd: "run"; n: number; mode: WriteMode; count: number }
  | { cmd: "close" };

/**
 * Session → parent: the ready message (empty arrays) and the answer to each `run`. `cpuMs` is the
 * client process's CPU time (user + system) per response: unlike wall time, it does not grow
 * while the process waits or is descheduled by a busy host.
 */
export type SessionReply =
  | { ok: true; totalMs: number[]; firstMs: number[]; cpuMs: number[] }
  | { ok: false; error: string; verification: boolean };

/** Peak RSS and RSS growth of one client over one long response. */
export interface MemoryJob {
  kind: "memory";
  client: string;
  origin: string;
  warmupN: number;
  n: number;
  /** Number of RSS samples taken while streaming. */
  samples: number;
}

/** Fallback latency and healthCheck timings (needs @x/ollama, @x/openai, @x/orchestrator). */
export interface ResilienceJob {
  kind: "resilience";
  origin: string;
  refusedPort: number;
  hungPort: number;
  fallback: { warmup: number; reps: number };
  health: { refusedReps: number; hungReps: number; hungTimeoutMs?: number };
}

/**
 * A client and its one-member chain, measured in turns inside one process (see
 * `measure/paired.ts`): streaming time at `stream.n` chunks and first-chunk time at `first.n`.
 */
export interface PairedJob {
  kind: "paired";
  origin: string;
  /** `[client, same client in a chain]` ids. */
  pairs: [string, string][];
  stream: { n: number; reps: number; warmup: number };
  first: { n: number; reps: number; warmup: number };
}

/** Samples of one pair; index 0 is the client, 1 the chain. */
export interface PairedRow {
  base: string;
  candidate: string;
  streamN: number;
  streamMs: [number[], number[]];
  streamCpuMs: [number[], number[]];
  firstN: number;
  firstUs: [number[], number[]];
}

/** Result of a {@link PairedJob}. */
export interface PairedResult {
  rows: PairedRow[];
}

/** Any job a child process runs. */
export type Job = SessionJob | MemoryJob | ResilienceJob | PairedJob;

/** Timings of one throughput figure, in milliseconds per response. */
export interface ThroughputResult extends ThroughputPlan {
  ms: number[];
  /** Client CPU time per response (see {@link SessionReply}). */
  cpuMs: number[];
}

/** Result of the speed phase for one client; times in microseconds for overhead. */
export interface SpeedResult {
  throughput: ThroughputResult[];
  overhead: { n: number; firstUs: number[]; fullUs: number[] };
}

/** Result of a {@link MemoryJob}; bytes. */
export interface MemoryResult {
  n: number;
  ms: number;
  /** RSS after warm-up, a full GC and one more warm-up response, just before the measured one. */
  baseline: number;
  /** Highest RSS sampled while streaming. */
  peak: number;
  /** RSS after a full GC at the first content chunk. */
  rssFirst: number;
  /** RSS after a full GC at the last content chunk. */
  rssLast: number;
  /** Heap used after a full GC at the first content chunk. */
  heapFirst: number;
  /** Heap used after a full GC at the last content chunk. */
  heapLast: number;
  /** V8 heap committed (`heapTotal`) after the GC at the first content chunk. */
  committedFirst: number;
  /** V8 heap committed (`heapTotal`) after the GC at the last content chunk. */
  committedLast: number;
}

/** Medians etc. are computed by the parent; the child returns raw samples. */
export interface FallbackResult {
  /** First chunk from the secondary alone (µs). */
  aloneUs: number[];
  /** First chunk through a fresh chain whose primary refuses connections (µs). */
  refusedUs: number[];
  /** First chunk through a chain whose primary's breaker is open (µs). */
  breakerOpenUs: number[];
}

/** healthCheck durations (ms) per adapter and target. */
export interface HealthResult {
  rows: { adapter: string; target: "refused" | "hung" | "up"; ms: number[]; results: boolean[] }[];
  hungTimeoutMs: number | "default";
}

/** Result of a {@link ResilienceJob}. */
export interface ResilienceResult {
  fallback?: FallbackResult;
  fallbackError?: string;
  health?: HealthResult;
  healthError?: string;
}

/** What a child process sends back over IPC. */
export type ChildMessage =
  | { ok: true; result: MemoryResult | ResilienceResult | PairedResult }
  | { ok: false; error: string; verification: boolean };
