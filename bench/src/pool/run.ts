/**
 * Pool bench: `npx tsx bench/src/pool/run.ts [--quick]`.
 *
 * 1. Strategies: four loopback replicas of one model in a child process, one 5× slower (first
 *    chunk and every chunk after), each generating at most `slots` answers at once and queueing
 *    the rest. 200 workers keep 200 streams open through a pool (a closed loop); per strategy,
 *    p50/p99 time to first chunk and total time, side by side with round-robin.
 * 2. Store cost: sequential requests through a pool with no store, the in-memory store and the
 *    Redis store (a `redis-server` of its own, when installed).
 *
 * Prints a markdown report and writes it to bench/POOL.md (`--quick`: bench/.out/POOL.quick.md).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { OpenAIAdapter } from "@x/openai";
import { createPool, type PoolStrategy } from "@x/orchestrator";
import { percentile } from "../gateway/stats.js";
import { benchDir } from "../report/machine.js";
import { closedLoop, type RequestSample } from "./load.js";
import { startRedis } from "./redis-process.js";
import type { ReplicaSpec } from "./replica-main.js";
import { startReplicas } from "./replicas.js";
import { measureStoreCost, type StoreCostRow } from "./store-cost.js";

const quick = process.argv.includes("--quick");

const CONCURRENCY = 200;
const config = quick
  ? {
      firstMs: 10,
      gapMs: 2,
      chunks: 10,
      slots: 64,
      requests: 800,
      rounds: 1,
      storeRequests: 300,
      storeRounds: 1,
    }
  : {
      firstMs: 50,
      gapMs: 10,
      chunks: 20,
      slots: 64,
      requests: 4_000,
      rounds: 2,
      storeRequests: 2_000,
      storeRounds: 3,
    };
const FAST: ReplicaSpec = {
  firstMs: config.firstMs,
  gapMs: config.gapMs,
  chunks: config.chunks,
  slots: config.slots,
};
const SLOW: ReplicaSpec = { ...FAST, firstMs: FAST.firstMs * 5, gapMs: FAST.gapMs * 5 };
const STRATEGIES: PoolStrategy[] = ["round-robin", "least-in-flight", "latency"];

interface StrategyRow {
  strategy: PoolStrategy;
  samples: RequestSample[];
  seconds: number;
}

const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));

async function runStrategies(): Promise<StrategyRow[]> {
  const replicas = await startReplicas([FAST, FAST, FAST, SLOW]);
  const rows = new Map(
    STRATEGIES.map((s) => [s, { strategy: s, samples: [] as RequestSample[], seconds: 0 }]),
  );
  try {
    for (let round = 0; round < config.rounds; round++) {
      for (let k = 0; k < STRATEGIES.length; k++) {
        const strategy = STRATEGIES[(k + round) % STRATEGIES.length]!;
        const adapters = replicas.urls.map(
          (baseUrl) => new OpenAIAdapter({ baseUrl, model: "bench-model", apiKey: "k" }),
        );
        // Commit at the first chunk: the time to first chunk is the replica's, not a commit window's.
        const pool = createPool(adapters, { strategy, commitAfter: {} });
        const { samples, seconds } = await closedLoop(pool, CONCURRENCY, config.requests);
        await pool.close?.();
        const failed = samples.filter((s) => s.error !== undefined);
        if (failed.length > 0)
          throw new Error(`${strategy}: ${failed.length} failed: ${failed[0]!.error}`);
        const row = rows.get(strategy)!;
        row.samples.push(...samples);
        row.seconds += seconds;
        console.error(
          `  ${strategy}: round ${round + 1}, ${samples.length} streams in ${seconds.toFixed(1)} s`,
        );
      }
    }
  } finally {
    await replicas.stop();
  }
  return [...rows.values()];
}

async function runStoreCost() {
  const replicas = await startReplicas([
    { firstMs: 0, gapMs: 0, chunks: 5, slots: 1_000 },
    { firstMs: 0, gapMs: 0, chunks: 5, slots: 1_000 },
  ]);
  const redis = await startRedis();
  try {
    return await measureStoreCost(replicas.urls, redis?.url, {
      rounds: config.storeRounds,
      requests: config.storeRequests,
    });
  } finally {
    await redis?.stop();
    await replicas.stop();
  }
}

function strategyTable(rows: StrategyRow[]): string {
  const p99 = (r: StrategyRow, key: "ttfcMs" | "totalMs") =>
    percentile(
      r.samples.map((s) => s[key]),
      99,
    );
  const baseline = rows.find((r) => r.strategy === "round-robin")!;
  const baseTtfc = p99(baseline, "ttfcMs");
  const baseTotal = p99(baseline, "totalMs");
  const lines = [
    "| strategy | streams | TTFC p50 ms | TTFC p99 ms | total p50 ms | total p99 ms | p99 TTFC vs round-robin | p99 total vs round-robin | served by the slow replica | streams/s |",
    "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
  ];
  for (const r of rows) {
    const ttfc = r.samples.map((s) => s.ttfcMs);
    const total = r.samples.map((s) => s.totalMs);
    const ttfc99 = percentile(ttfc, 99);
    const total99 = percentile(total, 99);
    const slow = r.samples.filter((s) => s.replica === 3).length / r.samples.length;
    lines.push(
      `| ${r.strategy} | ${r.samples.length} | ${ms(percentile(ttfc, 50))} | ${ms(ttfc99)} | ${ms(percentile(total, 50))} | ${ms(total99)} | ${(ttfc99 / baseTtfc).toFixed(2)}× | ${(total99 / baseTotal).toFixed(2)}× | ${(slow * 100).toFixed(1)} % | ${(r.samples.length / r.seconds).toFixed(0)} |`,
    );
  }
  return lines.join("\n");
}

function storeTable(rows: StoreCostRow[], roundTripUs: number | undefined): string {
  const memory = rows.find((r) => r.store === "memory")!;
  const lines = [
    "| store | requests | per request mean µs | p50 µs | p99 µs | added vs memory (mean) µs | client CPU per request µs | store calls per request |",
    "|---|--:|--:|--:|--:|--:|--:|--:|",
  ];
  for (const r of rows) {
    const added = r.store === "memory" ? "–" : (r.meanUs - memory.meanUs).toFixed(1);
    lines.push(
      `| ${r.store} | ${r.requests} | ${r.meanUs.toFixed(0)} | ${r.p50Us.toFixed(0)} | ${r.p99Us.toFixed(0)} | ${added} | ${r.cpuUsPerRequest.toFixed(0)} | ${r.storeCallsPerRequest.toFixed(4)} |`,
    );
  }
  const redis = rows.find((r) => r.store === "redis");
  if (redis !== undefined) {
    const added = redis.meanUs - memory.meanUs;
    const noise = Math.abs(added) < 0.02 * memory.meanUs;
    lines.push(
      "",
      `Added by the Redis store: ${added.toFixed(0)} µs per request (${noise ? "within run-to-run noise: no request waits on Redis" : "beyond the 2 % noise band"}); in the background, ${redis.storeCallsPerRequest.toFixed(3)} Redis calls per request.`,
    );
  }
  if (roundTripUs !== undefined) {
    lines.push(
      "",
      `One awaited Redis read (the store's \`getBreaker\`, loopback): ${roundTripUs.toFixed(0)} µs — what a store consulted on every request's path would add, at least.`,
    );
  } else {
    lines.push(
      "",
      "Redis row skipped: `redis-server` is not installed (`apt-get install -y redis-server`).",
    );
  }
  return lines.join("\n");
}

const started = Date.now();
console.error(`pool bench${quick ? " (quick)" : ""}: strategies`);
const strategies = await runStrategies();
console.error("pool bench: store cost");
const store = await runStoreCost();
const seconds = ((Date.now() - started) / 1000).toFixed(0);
const report = `# Pool benchmark

Run ${new Date().toISOString()} in ${seconds} s on ${cpus()[0]?.model.trim() ?? "?"} × ${cpus().length}, Node ${process.version}${quick ? " (--quick: shorter answers, fewer streams; numbers are a smoke test)" : ""}. Produced by \`npx tsx bench/src/pool/run.ts${quick ? " --quick" : ""}\` (bench/src/pool/).

## Strategies: four replicas, one 5× slower, ${CONCURRENCY} streams open at every moment

Replicas (one child process, OpenAI-compatible SSE on loopback): three answer their first chunk after ${FAST.firstMs} ms and ${FAST.chunks - 1} more ${FAST.gapMs} ms apart; the slow one takes ${SLOW.firstMs} ms and ${SLOW.gapMs} ms. Each generates at most ${FAST.slots} answers at once and queues the rest in arrival order (as Ollama does beyond \`OLLAMA_NUM_PARALLEL\` and llama.cpp beyond \`--parallel\`). ${CONCURRENCY} workers share ${config.requests} requests, each sending its next one as soon as its last ended, through \`createPool(replicas, { strategy, commitAfter: {} })\` (commit at the first chunk, so the time to first chunk is the replica's), ${config.rounds} round(s) per strategy, interleaved. TTFC = from \`stream()\` to the first content chunk, as the consumer sees it.

${strategyTable(strategies)}

Round-robin sends every fourth request to the slow replica whatever its queue, so that queue
grows until it holds most of the streams. Least-in-flight keeps the open streams even: the slow
replica, finishing 5× slower, is handed about a fifth as many new ones as each fast one. Latency
weighs each replica's measured time to first chunk by its open streams, so the slow one gets
fewer still.

## Added cost of the Redis store per request

Sequential requests through a two-replica pool (both answer at once: 5 chunks), with no store, \`createMemoryStore()\` and \`createRedisStore()\` (a \`redis-server\` of the bench's own on loopback), ${config.storeRounds} interleaved round(s) of ${config.storeRequests} requests each, after a warm-up. No request waits on the store: a breaker re-reads its member's shared state in the background at most every 250 ms while it is asked for permits, and publishes only when it opens or closes.

${storeTable(store.rows, store.redisRoundTripUs)}
`;
console.log(report);
const out = quick ? join(benchDir, ".out", "POOL.quick.md") : join(benchDir, "POOL.md");
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, report);
console.error(`wrote ${out}`);
