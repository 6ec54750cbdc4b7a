import type { SessionReply, SpeedPlan, SpeedResult, ThroughputResult } from "./child/jobs.js";
import { type SessionHandle, startSession } from "./child-process.js";
import type { ClientDefinition } from "./clients/types.js";
import type { Outcome } from "./report/results.js";

interface Live {
  client: ClientDefinition;
  session: SessionHandle;
  error?: string;
  verification?: boolean;
  throughput: ThroughputResult[];
  firstUs: number[];
  fullUs: number[];
}

/**
 * Throughput and per-request overhead of every client, in interleaved rounds: each client is its
 * own long-lived process, but only one of them streams at any moment, and each round visits every
 * client once, so drift and background load on the machine hit all clients alike.
 */
export async function runSpeedPhase(options: {
  script: string;
  clients: readonly ClientDefinition[];
  origin: string;
  plan: SpeedPlan;
  timeoutMs: number;
  execArgvFor: (client: ClientDefinition) => string[];
  log: (line: string) => void;
}): Promise<Map<string, Outcome<SpeedResult>>> {
  const { plan, log } = options;
  const live: Live[] = [];
  // Processes start (load their modules) concurrently; nothing is measured until all are ready.
  for (const client of options.clients) {
    const session = startSession(
      options.script,
      { kind: "session", client: client.id, origin: options.origin },
      { execArgv: options.execArgvFor(client), timeoutMs: options.timeoutMs },
    );
    live.push({ client, session, throughput: [], firstUs: [], fullUs: [] });
  }
  const startup = performance.now();
  for (const entry of live) fail(entry, await entry.session.ready);
  log(
    `ok   ${live.length} client processes started (${((performance.now() - startup) / 1000).toFixed(1)} s)`,
  );
  const alive = (): Live[] => live.filter((entry) => entry.error === undefined);
  function fail(entry: Live, reply: SessionReply): reply is Extract<SessionReply, { ok: true }> {
    if (reply.ok) return true;
    entry.error ??= reply.error;
    entry.verification ??= reply.verification;
    log(`FAIL ${entry.client.id}: ${reply.error}`);
    return false;
  }
  const run = async (entry: Live, n: number, mode: "bulk" | "frame", count: number) => {
    const reply = await entry.session.run({ cmd: "run", n, mode, count });
    return fail(entry, reply) ? reply : undefined;
  };
  try {
    for (const entry of alive()) await run(entry, plan.warmupN, "bulk", 1);
    for (const step of plan.throughput) {
      const started = performance.now();
      const spent = new Map<Live, number>();
      for (const entry of alive()) {
        entry.throughput.push({ ...step, ms: [], cpuMs: [] });
        await run(entry, Math.min(step.n, plan.warmupN), step.mode, 1);
      }
      for (let rep = 0; rep < step.reps; rep++) {
        for (const entry of alive()) {
          const used = spent.get(entry) ?? 0;
          if (rep >= step.minReps && used >= step.budgetMs) continue;
          const reply = await run(entry, step.n, step.mode, 1);
          if (!reply) continue;
          const figure = entry.throughput[entry.throughput.length - 1]!;
          figure.ms.push(reply.totalMs[0]!);
          figure.cpuMs.push(reply.cpuMs[0]!);
          spent.set(entry, used + reply.totalMs[0]!);
        }
      }
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      log(`ok   throughput N=${step.n} ${step.mode} (${seconds} s)`);
    }
    const o = plan.overhead;
    const started = performance.now();
    for (const entry of alive()) await run(entry, o.n, "bulk", o.warmup);
    const perRound = Math.ceil(o.reps / o.rounds);
    const spent = new Map<Live, number>();
    for (let round = 0; round < o.rounds; round++) {
      for (const entry of alive()) {
        const used = spent.get(entry) ?? 0;
        if (entry.firstUs.length >= o.minReps && used >= o.budgetMs) continue;
        const reply = await run(entry, o.n, "bulk", perRound);
        if (!reply) continue;
        for (const ms of reply.firstMs) entry.firstUs.push(ms * 1000);
        for (const ms of reply.totalMs) entry.fullUs.push(ms * 1000);
        spent.set(entry, used + reply.totalMs.reduce((sum, ms) => sum + ms, 0));
      }
    }
    log(`ok   overhead N=${o.n} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  } finally {
    for (const entry of live) await entry.session.close();
  }
  const results = new Map<string, Outcome<SpeedResult>>();
  for (const entry of live) {
    results.set(
      entry.client.id,
      entry.error === undefined
        ? {
            ok: true,
            value: {
              throughput: entry.throughput,
              overhead: { n: plan.overhead.n, firstUs: entry.firstUs, fullUs: entry.fullUs },
            },
          }
        : { ok: false, error: entry.error, verification: entry.verification ?? false },
    );
  }
  return results;
}
