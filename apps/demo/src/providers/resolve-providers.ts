import { AnthropicAdapter } from "@x/anthropic";
import type { AIAdapter } from "@x/core";
import { OllamaAdapter } from "@x/ollama";
import { OpenAIAdapter } from "@x/openai";
import { createPool, type OrchestratorEvent, type ReplicaPool } from "@x/orchestrator";
import type { RunningServer } from "../http/listen.js";
import { startAnthropicSim } from "../sim/anthropic-sim.js";
import { startOllamaSim } from "../sim/ollama-sim.js";
import { startOpenAISim } from "../sim/openai-sim.js";

/** Command-line choices about which servers to use. */
export interface ProviderFlags {
  /** Ollama URL (`--ollama`), or several, comma-separated: one pool. Default `OLLAMA_HOST` or http://127.0.0.1:11434. */
  ollama?: string;
  /** OpenAI-compatible API root (`--openai`), e.g. https://api.openai.com/v1; several, comma-separated: one pool. */
  openai?: string;
  /** Anthropic API root without `/v1` (`--anthropic`); default https://api.anthropic.com when a key is set. */
  anthropic?: string;
  /** Model for every provider (`--model`). */
  model?: string;
  /** Ollama model (`--ollama-model`), wins over `model`. */
  ollamaModel?: string;
  /** OpenAI model (`--openai-model`), wins over `model`. */
  openaiModel?: string;
  /** Anthropic model (`--anthropic-model`), wins over `model`. */
  anthropicModel?: string;
  /** API key (`--api-key`, else `OPENAI_API_KEY`). */
  apiKey?: string;
  /** Anthropic key (`--anthropic-key`, else `ANTHROPIC_API_KEY`). */
  anthropicKey?: string;
  /** Use the built-in simulators even if a real server is reachable (`--sim`). */
  sim?: boolean;
  /** Pause between simulated tokens, ms (default 25 for a visible stream). */
  simTokenDelayMs?: number;
}

/** The adapters a command will use, in fallback order. */
export interface ResolvedProviders {
  /** Reachable adapters, primary first (a provider given several URLs is one `createPool`). */
  adapters: AIAdapter[];
  /** True when the built-in simulators stand in for real servers. */
  simulated: boolean;
  /** Human-readable lines describing the choice (print them). */
  notes: string[];
  /**
   * Receives the events of every pool among `adapters` (a pool's replica attempts, failures and
   * `replica-served`, which the chain around it does not see), with the pool; set it before use.
   */
  poolEvents: { listener?: (event: OrchestratorEvent, pool: ReplicaPool) => void };
  /** Closes adapters and simulators. */
  close(): Promise<void>;
}

const HEALTH_TIMEOUT_MS = 1500;

/** Where the real servers are looked for, from the flags and the environment. */
export interface ProviderTargets {
  /**
   * Ollama: `--ollama`, else `OLLAMA_HOST` (a bare host:port gets `http://`), else 127.0.0.1:11434.
   * `urls`: every host of a comma-separated list (one pool).
   */
  ollama: { urls: string[] };
  /**
   * An OpenAI-compatible server: `--openai`, else `OPENAI_BASE_URL`, else OpenAI's own API when a
   * key is given (`--api-key` or `OPENAI_API_KEY`); absent when none of them is set.
   */
  openai?: { urls: string[]; apiKey?: string };
  /**
   * Anthropic's Messages API: `--anthropic`, else Anthropic's own API when a key is given
   * (`--anthropic-key` or `ANTHROPIC_API_KEY`); absent when neither is set.
   */
  anthropic?: { url: string; apiKey?: string };
}

/** A comma-separated URL list, trimmed, without empty entries. */
function splitUrls(list: string): string[] {
  return list
    .split(",")
    .map((url) => url.trim())
    .filter(Boolean);
}

function withScheme(host: string): string {
  return /^https?:\/\//.test(host) ? host : `http://${host}`;
}

/**
 * The one place for the demo's server defaults and keys: `resolveProviders` health-checks these
 * URLs, and `serve` puts its fault proxies in front of the same ones.
 */
export function providerTargets(
  flags: ProviderFlags,
  env: Record<string, string | undefined> = process.env,
): ProviderTargets {
  const host = env.OLLAMA_HOST;
  const ollamaUrls = splitUrls(flags.ollama || (host ? host : "http://127.0.0.1:11434")).map(
    withScheme,
  );
  const apiKey = flags.apiKey ?? env.OPENAI_API_KEY;
  const openai =
    flags.openai ?? env.OPENAI_BASE_URL ?? (apiKey ? "https://api.openai.com/v1" : undefined);
  const openaiUrls = openai ? splitUrls(openai) : [];
  const anthropicKey = flags.anthropicKey ?? env.ANTHROPIC_API_KEY;
  const anthropic = flags.anthropic ?? (anthropicKey ? "https://api.anthropic.com" : undefined);
  return {
    ollama: { urls: ollamaUrls },
    ...(openaiUrls.length > 0
      ? { openai: { urls: openaiUrls, ...(apiKey ? { apiKey } : {}) } }
      : {}),
    ...(anthropic
      ? { anthropic: { url: anthropic, ...(anthropicKey ? { apiKey: anthropicKey } : {}) } }
      : {}),
  };
}

/** The keys to keep out of traces (`@x/otel` redacts them as literal secrets). */
export function providerSecrets(flags: ProviderFlags): string[] {
  const targets = providerTargets(flags);
  return [targets.openai?.apiKey ?? "", targets.anthropic?.apiKey ?? ""].filter(Boolean);
}

async function pickOllamaModel(
  adapter: OllamaAdapter,
  wanted: string | undefined,
): Promise<string | undefined> {
  if (wanted) return wanted;
  try {
    const models = await adapter.listModels({ signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
    return models[0];
  } catch {
    return undefined;
  }
}

/** One adapter for one URL, a `createPool` of one adapter per URL for several. */
function oneOrPool(adapters: AIAdapter[], poolEvents: ResolvedProviders["poolEvents"]): AIAdapter {
  const [first] = adapters;
  if (!first) throw new Error("No adapter to use");
  if (adapters.length === 1) return first;
  const pool: ReplicaPool = createPool(adapters, {
    onEvent: (event) => poolEvents.listener?.(event, pool),
  });
  return pool;
}

/** True for a `createPool` adapter (read duck-typed: it lists its replicas and their status). */
export function isPool(adapter: AIAdapter): adapter is ReplicaPool {
  const pool = adapter as Partial<ReplicaPool>;
  return Array.isArray(pool.replicas) && typeof pool.replicaStatus === "function";
}

function hosts(urls: readonly string[]): string {
  return urls.length === 1 ? `at ${urls[0]}` : `pool of ${urls.length} at ${urls.join(", ")}`;
}

/** A note for each host of a pool that did not answer its health check. */
function downReplicas(urls: readonly string[], up: readonly boolean[]): string[] {
  if (urls.length === 1) return [];
  return urls
    .filter((_, index) => !up[index])
    .map((url) => `  replica ${url} not reachable now (the pool skips it)`);
}

/**
 * Finds the real servers the user has (Ollama on its default port or `--ollama`; an
 * OpenAI-compatible server when `--openai`, `--api-key`, `OPENAI_API_KEY` or `OPENAI_BASE_URL`
 * is given; Anthropic when `--anthropic`, `--anthropic-key` or `ANTHROPIC_API_KEY` is given) by
 * health-checking them in parallel, in that order. A provider given several URLs joins as one
 * `createPool` of every URL when at least one of them answers (the others may come back: the
 * pool's breakers deal with them). When none answers, starts the built-in Ollama, OpenAI and
 * Anthropic simulators on loopback and says so; with `simulators: false`, returns no adapters
 * instead (the notes say what was not reachable).
 */
export async function resolveProviders(
  flags: ProviderFlags,
  options: { simulators?: boolean } = {},
): Promise<ResolvedProviders> {
  const notes: string[] = [];
  const adapters: AIAdapter[] = [];
  const poolEvents: ResolvedProviders["poolEvents"] = {};
  if (!flags.sim) {
    const targets = providerTargets(flags);
    const ollamaUrls = targets.ollama.urls;
    const openaiUrls = targets.openai?.urls ?? [];
    const apiKey = targets.openai?.apiKey;
    const anthropicTarget = targets.anthropic;
    const check = (adapter: AIAdapter) => adapter.healthCheck({ timeoutMs: HEALTH_TIMEOUT_MS });
    const probesOllama = ollamaUrls.map(
      (url) => new OllamaAdapter({ baseUrl: url, model: "probe" }),
    );
    const openaiModel =
      flags.openaiModel ?? flags.model ?? process.env.OPENAI_MODEL ?? "gpt-4o-mini";
    const openais = openaiUrls.map(
      (url) =>
        new OpenAIAdapter({ baseUrl: url, model: openaiModel, ...(apiKey ? { apiKey } : {}) }),
    );
    const anthropic = anthropicTarget
      ? new AnthropicAdapter({
          baseUrl: anthropicTarget.url,
          model:
            flags.anthropicModel ??
            flags.model ??
            process.env.ANTHROPIC_MODEL ??
            DEFAULT_ANTHROPIC_MODEL,
          // Never the environment's key for a server the user named without one.
          apiKey: anthropicTarget.apiKey ?? "",
        })
      : undefined;
    const [ollamaUp, openaiUp, anthropicUp] = await Promise.all([
      Promise.all(probesOllama.map(check)),
      Promise.all(openais.map(check)),
      anthropic ? check(anthropic) : Promise.resolve(false),
    ]);
    const firstUp = ollamaUp.indexOf(true);
    const probe = probesOllama[firstUp];
    if (probe) {
      const model = await pickOllamaModel(probe, flags.ollamaModel ?? flags.model);
      if (model) {
        adapters.push(
          oneOrPool(
            ollamaUrls.map((url) => new OllamaAdapter({ baseUrl: url, model })),
            poolEvents,
          ),
        );
        notes.push(
          `Ollama ${hosts(ollamaUrls)} (model ${model})`,
          ...downReplicas(ollamaUrls, ollamaUp),
        );
      } else {
        notes.push(
          `Ollama at ${probe.baseUrl} has no models (try: ollama pull llama3.2); not used`,
        );
      }
    } else {
      notes.push(`Ollama not reachable at ${ollamaUrls.join(", ")}`);
    }
    await Promise.all(probesOllama.map((probeAdapter) => probeAdapter.close?.()));
    if (openaiUp.includes(true)) {
      adapters.push(oneOrPool(openais, poolEvents));
      notes.push(
        `OpenAI-compatible server ${hosts(openaiUrls)} (model ${openaiModel})`,
        ...downReplicas(openaiUrls, openaiUp),
      );
    } else {
      if (openais.length > 0)
        notes.push(
          `OpenAI-compatible server not reachable at ${openaiUrls.join(", ")} (or the key was refused)`,
        );
      await Promise.all(openais.map((adapter) => adapter.close?.()));
    }
    if (anthropic && anthropicUp) {
      adapters.push(anthropic);
      notes.push(`Anthropic at ${anthropicTarget?.url} (model ${anthropic.model})`);
    } else if (anthropic) {
      notes.push(`Anthropic not reachable at ${anthropicTarget?.url} (or the key was refused)`);
      await anthropic.close?.();
    }
    if (adapters.length > 0 || options.simulators === false) {
      return {
        adapters,
        simulated: false,
        notes,
        poolEvents,
        close: async () => {
          await Promise.all(adapters.map((adapter) => adapter.close?.()));
        },
      };
    }
  }
  const sims = await startSimulators(flags.simTokenDelayMs ?? 25);
  notes.push(...simulatorNotes(flags.sim, sims));
  adapters.push(
    ...simulatorAdapters({
      ollama: sims.ollama.url,
      openai: sims.openai.url,
      anthropic: sims.anthropic.url,
    }),
  );
  return {
    adapters,
    simulated: true,
    notes,
    poolEvents,
    close: async () => {
      await Promise.all(adapters.map((adapter) => adapter.close?.()));
      await sims.close();
    },
  };
}

/** The key the simulated OpenAI server wants. */
export const SIM_OPENAI_KEY = "sk-sim";
/** The `x-api-key` the simulated Anthropic server wants. */
export const SIM_ANTHROPIC_KEY = "sk-ant-sim";
/** The Anthropic model when none is named (`--anthropic-model`, `--model`, `ANTHROPIC_MODEL`). */
const DEFAULT_ANTHROPIC_MODEL = "claude-sonnet-4-5";

/** The three built-in simulators, running on loopback. */
export interface Simulators {
  ollama: RunningServer;
  openai: RunningServer;
  anthropic: RunningServer;
  /** Closes the three. */
  close(): Promise<void>;
}

/** Starts the simulated Ollama, OpenAI (wants {@link SIM_OPENAI_KEY}) and Anthropic servers. */
export async function startSimulators(tokenDelayMs: number): Promise<Simulators> {
  const [ollama, openai, anthropic] = await Promise.all([
    startOllamaSim({ tokenDelayMs }),
    startOpenAISim({ tokenDelayMs, apiKey: SIM_OPENAI_KEY }),
    startAnthropicSim({ tokenDelayMs, apiKey: SIM_ANTHROPIC_KEY }),
  ]);
  return {
    ollama,
    openai,
    anthropic,
    close: async () => {
      await Promise.all([ollama.close(), openai.close(), anthropic.close()]);
    },
  };
}

/**
 * The simulators' adapters, in chain order (`sim-llama`, `sim-gpt`, `sim-claude`, with the keys
 * the simulators want), each reaching its simulator at the given root URL: the simulator's own,
 * or a fault proxy in front of it.
 */
export function simulatorAdapters(roots: {
  ollama: string;
  openai: string;
  anthropic: string;
}): [ollama: AIAdapter, openai: AIAdapter, anthropic: AIAdapter] {
  return [
    new OllamaAdapter({ baseUrl: roots.ollama, model: "sim-llama" }),
    new OpenAIAdapter({ baseUrl: `${roots.openai}/v1`, model: "sim-gpt", apiKey: SIM_OPENAI_KEY }),
    new AnthropicAdapter({
      baseUrl: roots.anthropic,
      model: "sim-claude",
      apiKey: SIM_ANTHROPIC_KEY,
    }),
  ];
}

/** What to print about the simulators standing in (`--sim`, or no real server answered). */
export function simulatorNotes(
  asked: boolean | undefined,
  sims: Simulators,
  suffix = "",
): string[] {
  return [
    asked
      ? "Using the built-in simulators (--sim):"
      : "No real model server reachable: using the built-in SIMULATED servers (canned answers):",
    `  simulated Ollama at ${sims.ollama.url}, simulated OpenAI at ${sims.openai.url}/v1, simulated Anthropic at ${sims.anthropic.url}${suffix}`,
  ];
}
