/**
 * `pnpm --filter @x/bench bench:gateway [--quick] [--profile] [--phase=sequential|unpaced-100|paced-200]`
 *
 * Our OpenAI-compatible gateway side by side with the floor (a bare pass-through proxy) and the
 * Portkey open-source gateway, all in front of one fake upstream on loopback, in one run: the
 * same streams through each target, round by round in turn. Writes bench/GATEWAY.md (a quick,
 * one-phase or profiled run: bench/.out/GATEWAY.partial.md). Exits 1 when a stream failed verification or a process failed,
 * never because of a figure. Bounded: a watchdog ends the run after 170 s (quick: 28 s).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { bundleChildren } from "../bundle-children.js";
import { benchDir } from "../report/machine.js";
import { createDispatcher, type StreamResult, streamOnce, type Target } from "./load.js";
import { type ServerProcess, startServerProcess } from "./processes.js";
import { expectedText, MODEL } from "./protocol.js";
import { type PhaseReport, renderReport } from "./report.js";
import { addRound, emptyTotals } from "./stats.js";

interface PhaseSpec {
  id: "sequential" | "unpaced-100" | "paced-200";
  title: string;
  /** Streams at once (1: one after another). */
  concurrency: number;
  /** Streams per round. */
  streams: number;
  /** Measured rounds per target (after one warm-up round). */
  rounds: number;
  intervalMs: number;
}

const CHUNKS = 50;

const FULL: PhaseSpec[] = [
  { id: "sequential", title: "sequential", concurrency: 1, streams: 200, rounds: 4, intervalMs: 0 },
  {
    id: "unpaced-100",
    title: "100 unpaced streams",
    concurrency: 100,
    streams: 100,
    rounds: 8,
    intervalMs: 0,
  },
  {
    id: "paced-200",
    title: "200 paced streams (20 ms/chunk)",
    concurrency: 200,
    streams: 200,
    rounds: 4,
    intervalMs: 20,
  },
];

const QUICK: PhaseSpec[] = FULL.map((phase) => ({
  ...phase,
  concurrency: Math.min(phase.concurrency, 10),
  streams: 10,
  rounds: 1,
}));

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** The child processes' entry points in src/gateway/, bundled before the run. */
const CHILDREN = [
  "guard",
  "upstream-main",
  "floor-main",
  "floor-undici-main",
  "translate-undici-main",
  "ours-main",
] as const;

function portkeyPaths(): { script: string; version: string } {
  const require = createRequire(join(benchDir, "package.json"));
  const dir = join(dirname(require.resolve("@portkey-ai/gateway/package.json")));
  const version = (
    JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
      version: string;
    }
  ).version;
  return { script: join(dir, "build/start-server.js"), version };
}

/** Runs one round of `spec` against `target`: `streams` streams, `concurrency` at a time. */
async function round(
  spec: PhaseSpec,
  target: Target,
  dispatcher: ReturnType<typeof createDispatcher>,
): Promise<StreamResult[]> {
  const expected = expectedText(CHUNKS);
  const results: StreamResult[] = [];
  for (let started = 0; started < spec.streams; started += spec.concurrency) {
    const batch = Math.min(spec.concurrency, spec.streams - started);
    if (batch === 1) results.push(await streamOnce(target, dispatcher, expected));
    else {
      const streams = Array.from({ length: batch }, () => streamOnce(target, dispatcher, expected));
      results.push(...(await Promise.all(streams)));
    }
  }
  return results;
}

async function main(): Promise<number> {
  const quick = process.argv.includes("--quick");
  // `--profile`: the floor and ours run under `node --cpu-prof`; profiles in .out/gateway-profiles.
  const profileDir = join(benchDir, ".out", "gateway-profiles");
  const profile = process.argv.includes("--profile")
    ? ["--cpu-prof", "--cpu-prof-dir", profileDir]
    : [];
  // `--phase=paced-200`: run one phase only (e.g. while profiling); the goals need all three.
  const only = process.argv.find((arg) => arg.startsWith("--phase="))?.slice(8);
  const phases = (quick ? QUICK : FULL).filter((phase) => !only || phase.id === only);
  const startedAt = new Date();
  const watchdog = setTimeout(
    () => {
      log("gateway bench: over its time bound; stopping");
      process.exit(1);
    },
    quick ? 28_000 : 170_000,
  );
  watchdog.unref();

  const scripts = await bundleChildren(
    join(benchDir, ".out", "gateway-build"),
    Object.fromEntries(
      CHILDREN.map((name) => [name, join(benchDir, "src/gateway", `${name}.ts`)]),
    ) as Record<(typeof CHILDREN)[number], string>,
    // Our gateway is the demo's own source, bundled in (apps/demo is not a bench dependency).
    { alias: { "demo-gateway": join(benchDir, "../apps/demo/src/gateway/start-gateway.ts") } },
  );
  const guard = ["--import", scripts.guard];
  const portkey = portkeyPaths();
  const processes: ServerProcess[] = [];
  const dispatchers = new Map<string, ReturnType<typeof createDispatcher>>();
  try {
    const upstream = await startServerProcess(scripts["upstream-main"], {});
    processes.push(upstream);
    const env = { UPSTREAM: upstream.url };
    const [floor, floorUndici, translateUndici, ours, portkeyGateway] = await Promise.all([
      startServerProcess(scripts["floor-main"], {
        execArgv: [...guard, ...profile],
        env,
      }),
      // References: undici's transport alone, and with the least SSE re-encoding.
      startServerProcess(scripts["floor-undici-main"], { execArgv: guard, env }),
      startServerProcess(scripts["translate-undici-main"], { execArgv: guard, env }),
      startServerProcess(scripts["ours-main"], { execArgv: [...guard, ...profile], env }),
      startServerProcess(portkey.script, {
        args: ["--port=0", "--headless"],
        execArgv: guard,
        env: { NODE_ENV: "production", BENCH_COPY_FETCH_HEADERS: "1" },
      }),
    ]);
    processes.push(floor, floorUndici, translateUndici, ours, portkeyGateway);
    const gateways = new Map<string, ServerProcess>([
      ["floor", floor],
      ["floor-undici", floorUndici],
      ["translate-undici", translateUndici],
      ["ours", ours],
      ["portkey", portkeyGateway],
    ]);
    const targets: Target[] = [
      { id: "direct", label: "direct (no gateway)", url: upstream.url, headers: {} },
      { id: "floor", label: "floor: node:http pass-through", url: floor.url, headers: {} },
      {
        id: "floor-undici",
        label: "floor-undici (reference): undici pass-through",
        url: floorUndici.url,
        headers: {},
      },
      {
        id: "translate-undici",
        label: "translate-undici (reference): undici + SSE re-encode, no adapter",
        url: translateUndici.url,
        headers: {},
      },
      { id: "ours", label: "ours: demo gateway + @x/openai", url: ours.url, headers: {} },
      {
        id: "portkey",
        label: `Portkey gateway ${portkey.version}`,
        url: portkeyGateway.url,
        headers: {
          authorization: "Bearer sk-bench",
          "x-portkey-provider": "openai",
          "x-portkey-custom-host": `${upstream.url}/v1`,
        },
      },
    ];
    for (const target of targets) dispatchers.set(target.id, createDispatcher());
    log(`gateway bench${quick ? " (quick)" : ""}: model ${MODEL}, ${CHUNKS} chunks per answer`);

    const reports: PhaseReport[] = [];
    for (const spec of phases) {
      await upstream.setMode({ type: "mode", chunks: CHUNKS, intervalMs: spec.intervalMs });
      const report: PhaseReport = { id: spec.id, title: spec.title, totals: new Map() };
      for (const target of targets)
        report.totals.set(target.id, emptyTotals(target.id !== "direct"));
      // One unmeasured round each: connections open, JIT warm.
      for (const target of targets) {
        await round(
          spec,
          target,
          dispatchers.get(target.id) as ReturnType<typeof createDispatcher>,
        );
      }
      for (let r = 0; r < spec.rounds; r++) {
        // Rotate who goes first, so drift on a shared machine hits every target alike.
        const order = targets.map((_, i) => targets[(i + r) % targets.length] as Target);
        for (const target of order) {
          const gateway = gateways.get(target.id);
          const cpuBefore = gateway ? await gateway.cpuSeconds() : 0;
          const started = performance.now();
          const results = await round(
            spec,
            target,
            dispatchers.get(target.id) as ReturnType<typeof createDispatcher>,
          );
          const wall = (performance.now() - started) / 1000;
          const cpu = gateway ? (await gateway.cpuSeconds()) - cpuBefore : undefined;
          addRound(
            report.totals.get(target.id) as ReturnType<typeof emptyTotals>,
            results,
            wall,
            cpu,
          );
        }
      }
      reports.push(report);
      log(`  ${spec.title}: done`);
    }

    const info = {
      quick,
      startedAt,
      seconds: (Date.now() - startedAt.getTime()) / 1000,
      machine: `${cpus()[0]?.model.trim() ?? "unknown CPU"} × ${cpus().length}`,
      node: process.version,
      portkey: portkey.version,
      chunksPerStream: CHUNKS,
    };
    const markdown = renderReport(info, targets, reports);
    // Only a full run of every phase, unprofiled, is the record.
    const partial = quick || only !== undefined || profile.length > 0;
    const file = join(benchDir, partial ? ".out/GATEWAY.partial.md" : "GATEWAY.md");
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, markdown);
    process.stdout.write(`${markdown}\n`);
    log(`wrote ${file}`);
    const failures = reports.some((report) =>
      [...report.totals.values()].some((totals) => totals.failures > 0 || totals.streams === 0),
    );
    return failures ? 1 : 0;
  } finally {
    await Promise.all([...dispatchers.values()].map((dispatcher) => dispatcher.close()));
    await Promise.all(processes.map((child) => child.stop()));
    clearTimeout(watchdog);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    log(
      `gateway bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    process.exitCode = 1;
  },
);
