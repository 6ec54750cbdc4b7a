import type { SpeedResult } from "../child/jobs.js";
import type { ClientDefinition } from "../clients/types.js";
import { failures, type RunResults } from "./results.js";
import { fmt, fmtSummary, mb, ratio, type Summary, summarize } from "./stats.js";
import { type TargetRow, targetRows } from "./targets.js";

function rawFor(results: RunResults, client: ClientDefinition): SpeedResult | undefined {
  const raw = results.clients.find((c) => c.kind === "raw" && c.format === client.format);
  const outcome = raw ? results.speed.get(raw.id) : undefined;
  return outcome?.ok ? outcome.value : undefined;
}

function throughputSection(results: RunResults): string[] {
  const plans = results.config.speed.throughput;
  const head = plans.map((p) => `N=${fmt(p.n)}${p.mode === "frame" ? ", 1 write/frame" : ""}`);
  const lines = [
    "## Throughput",
    "",
    "Chunks per second, median of the timed responses (min–max) ×number of responses; `× raw` is",
    "the client's median time divided by the raw undici lower bound of the same format, size and write mode (lower is",
    "better, 1.00× = as fast as raw).",
    "",
    `| client | format | ${head.map((h) => `${h} chunks/s | × raw`).join(" | ")} |`,
    `|---|---|${head.map(() => "---:|---:").join("|")}|`,
  ];
  for (const client of results.clients) {
    const outcome = results.speed.get(client.id);
    if (!outcome) continue;
    if (!outcome.ok) {
      lines.push(`| ${client.label} | ${client.format} | **FAILED**: ${outcome.error} |`);
      continue;
    }
    const raw = rawFor(results, client);
    const cells = outcome.value.throughput.map((t, i) => {
      const time = summarize(t.ms);
      const rate: Summary = {
        median: t.n / (time.median / 1000),
        min: t.n / (time.max / 1000),
        max: t.n / (time.min / 1000),
        count: time.count,
      };
      const rawTimes = raw?.throughput[i]?.ms;
      const r = rawTimes ? ratio(time.median / summarize(rawTimes).median) : "–";
      return `${fmtSummary(rate)} ×${time.count} | ${r}`;
    });
    lines.push(`| ${client.label} | ${client.format} | ${cells.join(" | ")} |`);
  }
  lines.push(...cpuSection(results));
  return lines;
}

/** Client CPU time per response for each throughput figure, and its ratio to raw. */
function cpuSection(results: RunResults): string[] {
  const plans = results.config.speed.throughput;
  const head = plans.map((p) => `N=${fmt(p.n)}${p.mode === "frame" ? ", 1 write/frame" : ""}`);
  const lines = [
    "",
    "Client CPU time per response (user + system of the client process, median ms) and its ratio",
    "to the raw lower bound's: the same work as above without the time a process spends",
    "descheduled, so it moves less between runs on a busy host.",
    "",
    `| client | ${head.map((h) => `${h} CPU ms | × raw`).join(" | ")} |`,
    `|---|${head.map(() => "---:|---:").join("|")}|`,
  ];
  for (const client of results.clients) {
    const outcome = results.speed.get(client.id);
    if (!outcome?.ok) continue;
    const raw = rawFor(results, client);
    const cells = outcome.value.throughput.map((t, i) => {
      if (t.cpuMs.length === 0) return "– | –";
      const median = summarize(t.cpuMs).median;
      const rawCpu = raw?.throughput[i]?.cpuMs;
      const r = rawCpu && rawCpu.length > 0 ? ratio(median / summarize(rawCpu).median) : "–";
      return `${fmt(median, median < 10 ? 2 : 0)} | ${r}`;
    });
    lines.push(`| ${client.label} | ${cells.join(" | ")} |`);
  }
  return lines;
}

function overheadSection(results: RunResults): string[] {
  const o = results.config.speed.overhead;
  const lines = [
    `## Per-request overhead (N=${o.n})`,
    "",
    `Median of ${fmt(o.minReps)}–${fmt(o.reps)} sequential requests (×count; slow clients stop after`,
    `${fmt(o.budgetMs / 1000, 1)} s) on one keep-alive connection after ${fmt(o.warmup)} warm-up requests, in µs from`,
    "the call to the first content chunk and to the end of the stream (min–max).",
    "",
    "| client | format | first chunk µs | × raw | full response µs | × raw |",
    "|---|---|---:|---:|---:|---:|",
  ];
  for (const client of results.clients) {
    const outcome = results.speed.get(client.id);
    if (!outcome?.ok) continue;
    const raw = rawFor(results, client);
    const first = summarize(outcome.value.overhead.firstUs);
    const full = summarize(outcome.value.overhead.fullUs);
    const rf = raw ? ratio(first.median / summarize(raw.overhead.firstUs).median) : "–";
    const rt = raw ? ratio(full.median / summarize(raw.overhead.fullUs).median) : "–";
    lines.push(
      `| ${client.label} | ${client.format} | ${fmtSummary(first)} ×${first.count} | ${rf} | ${fmtSummary(full)} | ${rt} |`,
    );
  }
  return lines;
}

function memorySection(results: RunResults): string[] {
  const m = results.config.memory;
  const lines = [
    `## Memory (N=${fmt(m.n)})`,
    "",
    "In a fresh process, after warm-up. Settled growth = RSS after a full GC at the last content",
    "chunk − RSS after a full GC at the first; live heap = the same for V8's",
    "used heap (what the client holds per chunk; keeping the text for `error.partial` costs about",
    `its size). Peak = highest RSS of ${m.samples} samples while streaming − RSS before the request`,
    "(includes garbage not yet collected: V8 sizes its heap to the allocation rate). Committed =",
    "growth of V8's committed heap (`heapTotal`) between the two GCs: RSS the heap keeps after",
    "collecting, grown in proportion to live old-space data. The < 20 MB target is checked against",
    "the larger of settled and committed growth (RSS after a GC also depends on when pages are",
    "returned to the OS, which can even make it negative).",
    "",
    "| client | time s | RSS before | settled growth | live heap growth | committed heap growth | peak − before |",
    "|---|---:|---:|---:|---:|---:|---:|",
  ];
  for (const client of results.clients) {
    const outcome = results.memory.get(client.id);
    if (!outcome) continue;
    if (!outcome.ok) {
      lines.push(`| ${client.label} | **FAILED**: ${outcome.error} |`);
      continue;
    }
    const v = outcome.value;
    lines.push(
      `| ${client.label} | ${fmt(v.ms / 1000, 2)} | ${mb(v.baseline)} | ${mb(v.rssLast - v.rssFirst)} | ${mb(v.heapLast - v.heapFirst)} | ${mb(v.committedLast - v.committedFirst)} | ${mb(v.peak - v.baseline)} |`,
    );
  }
  return lines;
}

/** The chain-overhead pairs measured in one process. */
function pairedSection(results: RunResults): string[] {
  const paired = results.paired;
  if (!paired) return [];
  const lines = [
    "## Adapter and chain overhead, paired in one process",
    "",
    "Each raw undici client and its adapter, and each adapter and the same adapter in a",
    "one-member chain, in one process, taking turns response by response (ABBA order): both",
    "share the heap, the JIT state and any background load, which separate processes do not",
    "(their spread on a shared machine, ±15 % and more, is larger than the effects measured",
    "here). The `-twin` rows are a control: the raw client against a second instance of",
    "itself, which shows the method's own resolution (ideally 1.00×). The `-generator` and",
    "`-forwarded` rows are references: raw undici with one",
    "async-generator yield per frame (the per-chunk contract alone), and the",
    "adapter seen through one async generator that only forwards each chunk, the least any",
    "adapter that wraps another one (a chain) adds per chunk. Medians (min–max).",
    "",
  ];
  if (!paired.ok) return [...lines, `**FAILED**: ${paired.error}`, ""];
  lines.push(
    "| pair | streaming ms | × | client CPU ms | × | first chunk µs | added |",
    "|---|---:|---:|---:|---:|---:|---:|",
  );
  for (const row of paired.value.rows) {
    for (const side of [0, 1] as const) {
      const ms = summarize(row.streamMs[side]);
      const cpu = summarize(row.streamCpuMs[side]);
      const first = summarize(row.firstUs[side]);
      const base = side === 0;
      const r = (a: number, b: number) => (base ? "1.00×" : ratio(a / b));
      lines.push(
        `| ${base ? row.base : row.candidate} (N=${fmt(row.streamN)} / ${fmt(row.firstN)}) | ${fmtSummary(ms)} | ${r(ms.median, summarize(row.streamMs[0]).median)} | ${fmt(cpu.median)} | ${r(cpu.median, summarize(row.streamCpuMs[0]).median)} | ${fmtSummary(first)} | ${base ? "" : `${fmt(first.median - summarize(row.firstUs[0]).median, 1)} µs`} |`,
      );
    }
  }
  lines.push("");
  return lines;
}

function resilienceSection(results: RunResults): string[] {
  const outcome = results.resilience;
  if (!outcome) return [];
  if (!outcome.ok) return ["## Fallback and healthCheck", "", `**FAILED**: ${outcome.error}`];
  const lines = ["## Fallback latency", ""];
  const { fallback, fallbackError, health, healthError } = outcome.value;
  if (fallback) {
    const alone = summarize(fallback.aloneUs);
    lines.push(
      "First content chunk of a 10-chunk answer from the secondary (@x/openai), in µs, median of",
      `${fmt(alone.count)} interleaved requests (min–max). The primary is an @x/ollama adapter on a`,
      'port that refuses connections; "refusing" uses a fresh chain per request (breaker closed);',
      '"breaker open" reuses one chain whose primary breaker opened on its first failure.',
      "",
      "| scenario | first chunk µs | added vs secondary alone |",
      "|---|---:|---:|",
      `| secondary alone | ${fmtSummary(alone)} | – |`,
    );
    for (const [name, values] of [
      ["chain, primary refusing", fallback.refusedUs],
      ["chain, primary breaker open", fallback.breakerOpenUs],
    ] as const) {
      const s = summarize(values);
      lines.push(`| ${name} | ${fmtSummary(s)} | ${fmt(s.median - alone.median)} µs |`);
    }
  } else {
    lines.push(`**FAILED**: ${fallbackError}`);
  }
  lines.push("", "## healthCheck", "");
  if (health) {
    const timeout =
      health.hungTimeoutMs === "default"
        ? "the default timeout"
        : `timeoutMs ${health.hungTimeoutMs}`;
    lines.push(
      `Time for \`healthCheck()\` to resolve, ms, median (min–max), with ${timeout}.`,
      "",
      "| adapter | server | ms | result |",
      "|---|---|---:|---|",
    );
    for (const row of health.rows) {
      lines.push(
        `| ${row.adapter} | ${row.target} | ${fmtSummary(summarize(row.ms), 2)} | ${[...new Set(row.results)].join(", ")} |`,
      );
    }
  } else {
    lines.push(`**FAILED**: ${healthError}`);
  }
  return lines;
}

function bundleSection(results: RunResults): string[] {
  const lines = [
    "## Bundle size",
    "",
    "esbuild bundle of each package's built `dist/index.js` (ESM, minified, node20, undici",
    'external), then gzip -9. "with @x/core" is what an application ships; "own code" leaves',
    "`@x/*` external.",
    "",
    "| package | with @x/core: min | min+gzip | own code: min | min+gzip |",
    "|---|---:|---:|---:|---:|",
  ];
  for (const row of results.bundles) {
    if (!row.withCore || !row.own) {
      lines.push(`| ${row.name} | ${row.error ?? "?"} | | | |`);
      continue;
    }
    lines.push(
      `| ${row.name} | ${fmt(row.withCore.min)} B | ${fmt(row.withCore.gzip)} B | ${fmt(row.own.min)} B | ${fmt(row.own.gzip)} B |`,
    );
  }
  return lines;
}

function targetSection(rows: TargetRow[]): string[] {
  return [
    "## Guards (DESIGN §7)",
    "",
    "| target | measured | verdict |",
    "|---|---|---|",
    ...rows.map((row) => `| ${row.target} | ${row.measured} | ${row.verdict} |`),
  ];
}

/** Renders the whole report. */
export function renderMarkdown(results: RunResults): string {
  const { machine, config } = results;
  const failed = failures(results);
  const lines = [
    config.quick
      ? "# Benchmark results (quick smoke run: figures are indicative only)"
      : "# Benchmark results",
    "",
    `- Date: ${results.startedAt.toISOString()} (run took ${fmt(results.durationMs / 1000, 0)} s, ${config.quick ? "`pnpm bench --quick`" : "`pnpm bench`"})`,
    `- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memory} RAM, ${machine.os}`,
    `- Node ${machine.node}`,
    `- Packages: ${machine.versions.map((v) => `${v.name} ${v.version}`).join(", ")}`,
    "- Method: see `bench/README.md` (server and every client in separate processes, run one at a",
    "  time in interleaved rounds; warm-up before timing; medians). Hot spots behind missed targets",
    "  and proposed fixes: `bench/PROFILING.md`.",
    "",
    ...targetSection(targetRows(results)),
    "",
    ...throughputSection(results),
    "",
    ...overheadSection(results),
    "",
    ...memorySection(results),
    "",
    ...pairedSection(results),
    ...resilienceSection(results),
    "",
    ...bundleSection(results),
    "",
    "## Verification",
    "",
    failed.length === 0
      ? "Every client received exactly the text the server sent (length and FNV-1a hash) in every response."
      : `**${failed.length} failure(s)**:\n\n${failed.map((line) => `- ${line}`).join("\n")}`,
    "",
  ];
  return lines.join("\n");
}
