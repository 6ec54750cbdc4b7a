/**
 * `pnpm bench [--quick] [--only=id,id] [--profile=id,id] [--no-memory] [--corrupt]`
 *
 * Builds the child entries with esbuild, starts the loopback server in its own process, then runs
 * every client's jobs one at a time, each in a fresh process (never two measurements at once),
 * and writes the Markdown report. Exits non-zero when any client's output failed verification or
 * any job failed; never because of a timing.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { bundleChildren } from "./bundle-children.js";
import type {
  ChildMessage,
  Job,
  MemoryResult,
  PairedResult,
  ResilienceResult,
} from "./child/jobs.js";
import { runJob, startServer } from "./child-process.js";
import { CLIENTS } from "./clients/registry.js";
import { FULL, QUICK } from "./config.js";
import { measureBundles } from "./report/bundle-size.js";
import { benchDir, machineInfo } from "./report/machine.js";
import { renderMarkdown } from "./report/markdown.js";
import { failures, type Outcome, type RunResults, toOutcome } from "./report/results.js";
import { runSpeedPhase } from "./speed-phase.js";

interface Args {
  quick: boolean;
  only?: string[];
  profile?: string[];
  memory: boolean;
  corrupt: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, memory: true, corrupt: false };
  for (const arg of argv) {
    if (arg === "--quick") args.quick = true;
    else if (arg.startsWith("--only=")) args.only = arg.slice(7).split(",");
    else if (arg.startsWith("--profile=")) args.profile = arg.slice(10).split(",");
    else if (arg === "--no-memory") args.memory = false;
    else if (arg === "--corrupt") args.corrupt = true;
    else if (arg !== "--") throw new Error(`unknown argument ${arg}`);
  }
  return args;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = args.quick ? QUICK : FULL;
  const startedAt = new Date();
  const outDir = join(benchDir, ".out");
  const scripts = await bundleChildren(
    join(outDir, "build"),
    {
      "client-main": join(benchDir, "src/child/client-main.ts"),
      "server-main": join(benchDir, "src/server/server-main.ts"),
    },
    { sourcemap: true },
  );
  const profileDir = join(outDir, "profiles");
  const clients = CLIENTS.filter((c) => !args.only || args.only.includes(c.id));
  const server = await startServer(scripts["server-main"], args.corrupt);
  const results: RunResults = {
    config,
    machine: machineInfo(),
    startedAt,
    durationMs: 0,
    clients,
    speed: new Map(),
    memory: new Map(),
    bundles: [],
  };
  const run = async (label: string, job: Job, execArgv: string[] = []): Promise<ChildMessage> => {
    const start = performance.now();
    const message = await runJob(scripts["client-main"], job, {
      execArgv,
      timeoutMs: config.childTimeoutMs,
    });
    const seconds = ((performance.now() - start) / 1000).toFixed(1);
    log(
      `${message.ok ? "ok  " : "FAIL"} ${label} (${seconds} s)${message.ok ? "" : `: ${message.error}`}`,
    );
    return message;
  };
  try {
    results.speed = await runSpeedPhase({
      script: scripts["client-main"],
      clients,
      origin: server.origin,
      plan: config.speed,
      timeoutMs: config.childTimeoutMs,
      execArgvFor: (client) =>
        args.profile?.includes(client.id) ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [],
      log,
    });
    if (args.profile)
      log(`     cpu profiles of ${args.profile.join(", ")} written to ${profileDir}`);
    for (const client of clients) {
      if (!args.memory || !client.memory || !config.memory.kinds.includes(client.kind)) continue;
      const { kinds: _kinds, ...memory } = config.memory;
      const message = await run(
        `memory ${client.id}`,
        { kind: "memory", client: client.id, origin: server.origin, ...memory },
        ["--expose-gc"],
      );
      results.memory.set(client.id, toOutcome<MemoryResult>(message));
    }
    if (!args.only || args.only.includes("resilience")) {
      const message = await run("fallback + healthCheck", {
        kind: "resilience",
        origin: server.origin,
        refusedPort: server.refusedPort,
        hungPort: server.hungPort,
        ...config.resilience,
      });
      results.resilience = toOutcome<ResilienceResult>(message) as Outcome<ResilienceResult>;
    }
    const ids = new Set(clients.map((client) => client.id));
    const pairs = (
      [
        ["raw-ndjson", "raw-ndjson-twin"],
        ["raw-ndjson", "raw-ndjson-generator"],
        ["raw-ndjson", "x-ollama"],
        ["raw-sse", "raw-sse-twin"],
        ["raw-sse", "raw-sse-generator"],
        ["raw-sse", "x-openai"],
        ["raw-anthropic", "x-anthropic"],
        ["x-ollama", "x-chain-ollama"],
        ["x-ollama", "x-ollama-forwarded"],
        ["x-openai", "x-chain-openai"],
        ["x-openai", "x-openai-forwarded"],
      ] as [string, string][]
    ).filter(([a, b]) => ids.has(a) && ids.has(b));
    if (pairs.length > 0) {
      const message = await run("adapter and chain overhead, paired in one process", {
        kind: "paired",
        origin: server.origin,
        pairs,
        ...config.paired,
      });
      results.paired = toOutcome<PairedResult>(message);
    }
  } finally {
    await server.stop();
  }
  results.bundles = await measureBundles(join(benchDir, ".."));
  results.durationMs = Date.now() - startedAt.getTime();
  const output = join(
    benchDir,
    args.corrupt ? ".out/RESULTS.corrupt.md" : args.only ? ".out/RESULTS.only.md" : config.output,
  );
  mkdirSync(dirname(output), { recursive: true });
  writeFileSync(output, renderMarkdown(results));
  const failed = failures(results);
  log(`wrote ${output} in ${(results.durationMs / 1000).toFixed(0)} s`);
  if (failed.length > 0) {
    log(`${failed.length} failure(s):\n${failed.map((line) => `  ${line}`).join("\n")}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
