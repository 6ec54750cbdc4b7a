import type { AIAdapter } from "@x/core";
import { OpenAIAdapter } from "@x/openai";
import { type BreakerStore, createMemoryStore, createPool } from "@x/orchestrator";
import { createRedisStore } from "@x/redis";
import { percentile } from "../gateway/stats.js";
import { type RequestSample, timedRequest } from "./load.js";

/** One store's cost, over every round. */
export interface StoreCostRow {
  store: "none" | "memory" | "redis";
  requests: number;
  /** Per request, from `stream()` to `done`, µs. */
  meanUs: number;
  p50Us: number;
  p99Us: number;
  /** The client process's CPU time per request (user + system), µs. */
  cpuUsPerRequest: number;
  /** Store calls per request (reads, openings, closes). */
  storeCallsPerRequest: number;
}

/** `store` with its calls counted. */
function counted(store: BreakerStore): { store: BreakerStore; calls: () => number } {
  let calls = 0;
  const count = <T>(call: Promise<T>): Promise<T> => {
    calls++;
    return call;
  };
  return {
    calls: () => calls,
    store: {
      timeoutMs: store.timeoutMs,
      refreshMs: store.refreshMs,
      getBreaker: (id, signal) => count(store.getBreaker(id, signal)),
      openBreaker: (id, ms, signal) => count(store.openBreaker(id, ms, signal)),
      closeBreaker: (id, g, signal) => count(store.closeBreaker(id, g, signal)),
    },
  };
}

/**
 * Sequential requests through a two-replica pool with no store, the in-memory store and the
 * Redis store, interleaved round by round (the order rotates), each pool warmed up first. Also
 * the time of one awaited Redis read: what a store consulted on the request path would add.
 */
export async function measureStoreCost(
  urls: string[],
  redisUrl: string | undefined,
  options: { rounds: number; requests: number },
): Promise<{ rows: StoreCostRow[]; redisRoundTripUs: number | undefined }> {
  const redis =
    redisUrl === undefined ? undefined : createRedisStore({ url: redisUrl, prefix: "bench:" });
  const kinds: StoreCostRow["store"][] =
    redis === undefined ? ["none", "memory"] : ["none", "memory", "redis"];
  const totals = new Map(
    kinds.map((k) => [k, { samples: [] as RequestSample[], cpuUs: 0, calls: 0 }]),
  );
  try {
    for (let round = 0; round < options.rounds; round++) {
      for (let k = 0; k < kinds.length; k++) {
        const kind = kinds[(k + round) % kinds.length]!;
        const base = kind === "none" ? undefined : kind === "memory" ? createMemoryStore() : redis!;
        const store = base === undefined ? undefined : counted(base);
        const adapters: AIAdapter[] = urls.map(
          (baseUrl) => new OpenAIAdapter({ baseUrl, model: "bench-model", apiKey: "k" }),
        );
        const pool = createPool(adapters, { store: store?.store, commitAfter: {} });
        for (let i = 0; i < 50; i++) await timedRequest(pool); // warm-up: connections, JIT
        const total = totals.get(kind)!;
        const callsBefore = store?.calls() ?? 0;
        const cpu = process.cpuUsage();
        for (let i = 0; i < options.requests; i++) {
          const sample = await timedRequest(pool);
          if (sample.error !== undefined) throw new Error(`store bench: ${sample.error}`);
          total.samples.push(sample);
        }
        const used = process.cpuUsage(cpu);
        total.cpuUs += used.user + used.system;
        total.calls += (store?.calls() ?? 0) - callsBefore;
        await pool.close?.();
      }
    }
    const rows = kinds.map((kind): StoreCostRow => {
      const { samples, cpuUs, calls } = totals.get(kind)!;
      const us = samples.map((s) => s.totalMs * 1000);
      return {
        store: kind,
        requests: samples.length,
        meanUs: us.reduce((a, b) => a + b, 0) / us.length,
        p50Us: percentile(us, 50),
        p99Us: percentile(us, 99),
        cpuUsPerRequest: cpuUs / samples.length,
        storeCallsPerRequest: calls / samples.length,
      };
    });
    let redisRoundTripUs: number | undefined;
    if (redis !== undefined) {
      const n = 500;
      const started = performance.now();
      for (let i = 0; i < n; i++) await redis.getBreaker("round-trip", AbortSignal.timeout(1_000));
      redisRoundTripUs = ((performance.now() - started) * 1000) / n;
    }
    return { rows, redisRoundTripUs };
  } finally {
    await redis?.close();
  }
}
