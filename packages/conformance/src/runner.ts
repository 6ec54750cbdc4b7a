import { randomBytes } from "node:crypto";
import type { AIAdapter, Capabilities } from "@x/core";
import { conformanceCases } from "./cases/all-cases.js";
import { CAPABILITY_FLAGS } from "./cases/capability-cases.js";
import type { AdapterFactoryContext, ConformanceCodec, ConformanceOptions } from "./codec.js";
import { settleWithin } from "./observe.js";
import { authHeaders, SUITE_MODEL, TOKEN_HEADER } from "./scenarios.js";
import { LoopbackServer } from "./server/loopback-server.js";
import type { CaseContext, CaseNeed, CaseResult, ConformanceCase, PlannedCase } from "./types.js";

type Env = Record<string, string | undefined>;

/** A fresh secret that matches no well-known key pattern, so only real redaction hides it. */
function createSecret(): string {
  return `cfk-conformance-${randomBytes(12).toString("hex")}`;
}

function factoryContext(
  codec: ConformanceCodec,
  baseUrl: string,
  model: string,
  apiKey: string,
  token: string,
): AdapterFactoryContext {
  const headers: Record<string, string> = {};
  if (apiKey !== "") Object.assign(headers, authHeaders(codec, apiKey));
  if (token !== "") headers[TOKEN_HEADER] = token;
  return { baseUrl, model, apiKey, headers };
}

/** Reads the adapter's own `capabilities` from a throw-away instance (it never connects). */
export function probeCapabilities(options: ConformanceOptions): Capabilities {
  const adapter = options.create(
    factoryContext(
      options.codec,
      `http://127.0.0.1:9${options.codec.basePath}`,
      SUITE_MODEL,
      createSecret(),
      createSecret(),
    ),
  );
  const capabilities = { ...adapter.capabilities };
  void adapter.close?.().catch(() => undefined);
  return capabilities;
}

function skipReason(
  need: CaseNeed,
  options: ConformanceOptions,
  adapterCaps: Capabilities,
  env: Env,
): string | undefined {
  const claimed = options.capabilities ?? {};
  switch (need) {
    case "live": {
      const live = options.live;
      if (!live) return "live mode is not configured (options.live)";
      const missing = [live.urlEnv, live.modelEnv].filter((name) => !env[name]);
      return missing.length > 0
        ? `live mode off: set ${missing.join(" and ")} to run against a real server`
        : undefined;
    }
    case "invalidToolArguments":
      return options.codec.encodeInvalidToolArguments
        ? undefined
        : `codec ${options.codec.name} has no encodeInvalidToolArguments (the protocol cannot carry invalid tool JSON)`;
    case "cutToolCall":
      return options.codec.encodeCutToolCall
        ? undefined
        : `codec ${options.codec.name} has no encodeCutToolCall (the protocol cannot carry a tool call cut off by the token limit)`;
    case "keepAlive":
      return options.codec.keepAliveFrames
        ? undefined
        : `codec ${options.codec.name} has no keepAliveFrames (the protocol has no keep-alive or empty frames)`;
    case "toolChoice":
      return options.codec.toolChoices?.length
        ? undefined
        : `codec ${options.codec.name} declares no toolChoices (the protocol cannot carry a tool choice)`;
    case "finishReasons":
      return (options.codec.finishReasons ?? []).some((r) => r !== "stop" && r !== "length")
        ? undefined
        : `codec ${options.codec.name} declares no finishReasons beyond stop and length`;
    case "timings":
      return options.codec.timings?.length
        ? undefined
        : `codec ${options.codec.name} declares no server timings`;
    case "listModels":
      return claimed.listModels === false ? "capabilities.listModels is false" : undefined;
    case "tokensPerSec":
      return claimed.tokensPerSec ? undefined : "needs capability tokensPerSec (not claimed)";
    default: {
      const flag = CAPABILITY_FLAGS[need];
      if (claimed[need] === true || adapterCaps[flag] === true) return undefined;
      return `needs capability ${need} (not claimed, and adapter.capabilities.${flag} is false)`;
    }
  }
}

/**
 * Decides for every case whether it runs, and if not, why. A capability counts as claimed when
 * `options.capabilities` claims it or the adapter's own `capabilities` advertise it (so an adapter
 * cannot advertise tools to the orchestrator and dodge the tool cases).
 */
export function planConformance(
  options: ConformanceOptions,
  env: Env = process.env,
  cases: readonly ConformanceCase[] = conformanceCases,
): PlannedCase[] {
  const adapterCaps = probeCapabilities(options);
  return cases.map((c) => {
    const userSkip = options.skip?.[c.id];
    if (userSkip !== undefined)
      return { case: c, skipReason: `skipped by options.skip: ${userSkip}` };
    for (const need of c.needs) {
      const reason = skipReason(need, options, adapterCaps, env);
      if (reason !== undefined) return { case: c, skipReason: reason };
    }
    return { case: c, skipReason: undefined };
  });
}

/** Runs one planned case; throws what the case throws (the failure), after cleaning up. */
export async function executeCase(
  planned: PlannedCase,
  options: ConformanceOptions,
  env: Env = process.env,
): Promise<void> {
  const live = planned.case.needs.includes("live") && options.live ? options.live : undefined;
  const server = await LoopbackServer.start({
    [options.codec.paths.health]: { kind: "answer", answer: options.codec.encodeHealth() },
    [options.codec.paths.models]: {
      kind: "answer",
      answer: options.codec.encodeModels([SUITE_MODEL]),
    },
  });
  const model = live ? env[live.modelEnv]! : SUITE_MODEL;
  const apiKey = live ? (live.apiKeyEnv ? (env[live.apiKeyEnv] ?? "") : "") : createSecret();
  const token = live ? "" : createSecret();
  const defaultBaseUrl = live ? env[live.urlEnv]! : server.origin + options.codec.basePath;
  const adapters: AIAdapter[] = [];
  const ctx: CaseContext = {
    options,
    codec: options.codec,
    server,
    live: live !== undefined,
    model,
    apiKey,
    secrets: [apiKey, token].filter((s) => s !== ""),
    adapter(overrides = {}) {
      const adapter = options.create({
        ...factoryContext(options.codec, defaultBaseUrl, model, apiKey, token),
        ...overrides,
      });
      adapters.push(adapter);
      return adapter;
    },
  };
  try {
    await planned.case.run(ctx);
  } finally {
    // Server first: it destroys any socket an adapter leaked, so close() cannot wait on it.
    await server.close();
    for (const adapter of adapters) {
      if (adapter.close)
        await settleWithin(
          adapter.close().catch(() => undefined),
          2_000,
        );
    }
  }
}

/** Runs one planned case and reports the outcome instead of throwing. */
export async function runCase(
  planned: PlannedCase,
  options: ConformanceOptions,
  env: Env = process.env,
): Promise<CaseResult> {
  const { id, title } = planned.case;
  if (planned.skipReason !== undefined)
    return { id, title, status: "skipped", reason: planned.skipReason, durationMs: 0 };
  const start = performance.now();
  try {
    await executeCase(planned, options, env);
    return { id, title, status: "passed", durationMs: performance.now() - start };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { id, title, status: "failed", reason, error, durationMs: performance.now() - start };
  }
}

/** Options for {@link runConformanceCases}. */
export interface RunCasesOptions {
  /** Run only these case ids. */
  only?: readonly string[];
  /** Environment for live mode. Default `process.env`. */
  env?: Env;
}

/** Runs the whole suite (or `only` some ids) one case after another, without any test runner. */
export async function runConformanceCases(
  options: ConformanceOptions,
  run: RunCasesOptions = {},
): Promise<CaseResult[]> {
  const env = run.env ?? process.env;
  const results: CaseResult[] = [];
  for (const planned of planConformance(options, env)) {
    if (run.only && !run.only.includes(planned.case.id)) continue;
    results.push(await runCase(planned, options, env));
  }
  return results;
}
