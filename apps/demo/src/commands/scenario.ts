import type { AIAdapter } from "@x/core";
import { createFallbackChain } from "@x/orchestrator";
import type { RunningServer } from "../http/listen.js";
import { CHAIN_MODEL } from "../providers/build-chain.js";
import {
  SIM_ANTHROPIC_KEY,
  SIM_OPENAI_KEY,
  simulatorAdapters,
} from "../providers/resolve-providers.js";
import { startAnthropicSim } from "../sim/anthropic-sim.js";
import { startOllamaSim } from "../sim/ollama-sim.js";
import { startOpenAISim } from "../sim/openai-sim.js";
import type { SimFault } from "../sim/sim-fault.js";
import {
  createDemoTracing,
  type DemoTracing,
  printTraceBeside,
} from "../telemetry/demo-tracing.js";
import { describeError, formatEvent } from "../terminal/format-event.js";
import { LineWriter, type Output } from "../terminal/line-writer.js";
import { renderStream } from "../terminal/render-stream.js";
import type { Style } from "../terminal/style.js";

/** The failures the scenario can inject into the primary. */
export type ScenarioFault =
  | Extract<SimFault, "refuse" | "hang" | "die-mid-stream" | "http-503">
  /** Dies mid-stream inside the commit window (`commitAfter`): the fallback is invisible. */
  | "die-before-commit"
  /** The primary refuses and the secondary (OpenAI) answers 503: the third member, Anthropic, answers. */
  | "two-down";

/** Every fault, in the order the default run shows them. */
export const SCENARIO_FAULTS: readonly ScenarioFault[] = [
  "refuse",
  "hang",
  "die-mid-stream",
  "die-before-commit",
  "two-down",
];

const TITLES: Record<ScenarioFault, string> = {
  refuse: "the primary (Ollama) refuses connections: it is not running",
  hang: "the primary accepts the request but never sends a byte (a model load that never ends)",
  "die-mid-stream": "the primary streams a few tokens, then its connection dies",
  "http-503": "the primary answers 503 server busy",
  "die-before-commit":
    "the primary dies after a few tokens, but the chain held them back (commitAfter 200 chars)",
  "two-down":
    "the primary refuses and the secondary (OpenAI) answers 503: the third member (Anthropic) answers",
};

/** Options for {@link runScenario}. */
export interface ScenarioOptions {
  /** Where to print. */
  out: Output;
  /** Styling (plain for pipes). */
  style: Style;
  /** Which faults to demonstrate. Default {@link SCENARIO_FAULTS}. */
  faults?: readonly ScenarioFault[];
  /** Pause between simulated tokens. Default 0. */
  tokenDelayMs?: number;
  /** How long the chain waits for the primary's first byte. Default 1000 ms. */
  firstChunkMs?: number;
  /** `--trace`: where to print each request's spans (the CLI: stderr). Default: not printed. */
  trace?: Output;
}

/** The outcome of one fault's run. */
export interface ScenarioResult {
  fault: ScenarioFault;
  /** True when the expected member answered (the secondary; Anthropic for `two-down`). */
  passed: boolean;
  /** Provider that served (when any). */
  servedBy?: string;
  /** Wall time of the whole request, ms. */
  elapsedMs: number;
}

/** The healthy servers every scenario shares: the secondary (OpenAI) and the third member (Anthropic). */
interface SharedServers {
  openai: RunningServer;
  anthropic: RunningServer;
}

async function runOne(
  fault: ScenarioFault,
  shared: SharedServers,
  options: ScenarioOptions,
  run: { out: LineWriter; tracing: DemoTracing; index: number; count: number },
): Promise<ScenarioResult> {
  const { style } = options;
  const { out, tracing, index, count } = run;
  out.write(`\n${style.bold(`Scenario ${index}/${count}: ${TITLES[fault]}`)}\n`);
  const held = fault === "die-before-commit";
  const twoDown = fault === "two-down";
  const pace = options.tokenDelayMs !== undefined ? { tokenDelayMs: options.tokenDelayMs } : {};
  const primaryServer = await startOllamaSim({
    fault: held ? "die-mid-stream" : twoDown ? "refuse" : fault,
    ...pace,
  });
  // "two-down": a secondary of its own that answers 503, so the chain reaches its third member.
  const busyServer = twoDown
    ? await startOpenAISim({ apiKey: SIM_OPENAI_KEY, fault: "http-503", ...pace })
    : undefined;
  const secondaryServer = busyServer ?? shared.openai;
  const [primary, secondary, third] = simulatorAdapters({
    ollama: primaryServer.url,
    openai: secondaryServer.url,
    anthropic: shared.anthropic.url,
  });
  const expected = twoDown ? third : secondary;
  const firstChunkMs = options.firstChunkMs ?? 1000;
  out.write(
    style.dim(
      `  primary   ollama/sim-llama at ${primaryServer.url} (fault: ${fault}, firstChunkMs ${firstChunkMs})\n`,
    ),
  );
  out.write(
    style.dim(
      `  secondary openai/sim-gpt   at ${secondaryServer.url}/v1${twoDown ? " (fault: http-503)" : ""}\n`,
    ),
  );
  out.write(style.dim(`  third     anthropic/sim-claude at ${shared.anthropic.url}\n`));
  // The primary gets a first-chunk budget (a local model may be loading); past it, fall back.
  const chain: AIAdapter = tracing.chain(
    createFallbackChain([{ adapter: primary, firstChunkMs }, secondary, third], {
      model: CHAIN_MODEL, // its spans read `chat chain`, not the primary's model name
      midStream: "restart",
      // Holding the first 200 characters back lets an early failure fall back invisibly; the
      // other scenarios commit at the first chunk (not the chain's default window), so a death
      // mid-stream shows the visible restart.
      commitAfter: held ? { chars: 200 } : {},
      onEvent: tracing.listener((event) => out.line(formatEvent(event, style))),
    }),
  );
  const started = performance.now();
  try {
    out.write(style.dim("  answer:\n"));
    const result = await renderStream(
      chain.stream([{ role: "user", content: "Why do fallback chains matter for local models?" }]),
      out,
      style,
    );
    if (result.done === undefined) throw result.error;
    const elapsedMs = performance.now() - started;
    // A restart must be visible (one reset) after a committed failure, and absent otherwise.
    const expectedResets = fault === "die-mid-stream" ? 1 : 0;
    const passed = result.done.provider === expected.provider && result.resets === expectedResets;
    out.write(
      passed
        ? style.green(
            `  ✓ survived: ${expected.provider} answered after ${twoDown ? "the first two members" : "the primary"} failed (${Math.round(elapsedMs)} ms)\n`,
          )
        : style.red(`  ✗ unexpected: served by ${result.done.provider}\n`),
    );
    return { fault, passed, servedBy: result.done.provider, elapsedMs };
  } catch (error) {
    out.write(style.red(`  ✗ the chain failed: ${describeError(error)}\n`));
    return { fault, passed: false, elapsedMs: performance.now() - started };
  } finally {
    await chain.close?.(); // closes every member
    await primaryServer.close();
    await busyServer?.close();
  }
}

/**
 * A scripted, non-interactive demonstration: for each fault, start a simulated Ollama that
 * fails that way, with a healthy simulated OpenAI server and a simulated Anthropic one behind it,
 * stream one question through `createFallbackChain([ollama, openai, anthropic])`, print the
 * chain's events and the answer, and check that the secondary served it (Anthropic for
 * `two-down`, where OpenAI answers 503 too). Resolves the per-fault results; needs no network
 * or model.
 */
export async function runScenario(options: ScenarioOptions): Promise<ScenarioResult[]> {
  const faults = options.faults ?? SCENARIO_FAULTS;
  const { style } = options;
  const out = new LineWriter(options.out);
  const tracing = createDemoTracing(options.trace ? printTraceBeside(out, options.trace) : {});
  out.write(
    `${style.bold("x-demo scenario")}: a fallback chain surviving failures, using built-in SIMULATED servers on 127.0.0.1\n`,
  );
  const results: ScenarioResult[] = [];
  try {
    const pace = options.tokenDelayMs !== undefined ? { tokenDelayMs: options.tokenDelayMs } : {};
    const [openai, anthropic] = await Promise.all([
      startOpenAISim({ apiKey: SIM_OPENAI_KEY, ...pace }),
      startAnthropicSim({ apiKey: SIM_ANTHROPIC_KEY, ...pace }),
    ]);
    try {
      for (const [index, fault] of faults.entries()) {
        results.push(
          await runOne(fault, { openai, anthropic }, options, {
            out,
            tracing,
            index: index + 1,
            count: faults.length,
          }),
        );
      }
    } finally {
      await Promise.all([openai.close(), anthropic.close()]);
    }
  } finally {
    await tracing.shutdown(); // prints what is pending, sends the last OTLP batch
  }
  const passed = results.filter((result) => result.passed).length;
  out.write(
    `\n${passed === results.length ? style.green("All scenarios passed") : style.red("Some scenarios failed")}: ${passed}/${results.length} answered by the fallback.\n`,
  );
  return results;
}
