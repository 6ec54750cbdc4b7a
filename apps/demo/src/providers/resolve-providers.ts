import type { AIAdapter } from "@x/core";
import { OllamaAdapter } from "@x/ollama";
import { OpenAIAdapter } from "@x/openai";
import type { RunningServer } from "../http/listen.js";
import { startOllamaSim } from "../sim/ollama-sim.js";
import { startOpenAISim } from "../sim/openai-sim.js";

/** Command-line choices about which servers to use. */
export interface ProviderFlags {
  /** Ollama URL (`--ollama`). Default `OLLAMA_HOST` or http://127.0.0.1:11434. */
  ollama?: string;
  /** OpenAI-compatible API root (`--openai`), e.g. https://api.openai.com/v1. */
  openai?: string;
  /** Model for every provider (`--model`). */
  model?: string;
  /** Ollama model (`--ollama-model`), wins over `model`. */
  ollamaModel?: string;
  /** OpenAI model (`--openai-model`), wins over `model`. */
  openaiModel?: string;
  /** API key (`--api-key`, else `OPENAI_API_KEY`). */
  apiKey?: string;
  /** Use the built-in simulators even if a real server is reachable (`--sim`). */
  sim?: boolean;
  /** Pause between simulated tokens, ms (default 25 for a visible stream). */
  simTokenDelayMs?: number;
}

/** The adapters a command will use, in fallback order. */
export interface ResolvedProviders {
  /** Reachable adapters, primary first. */
  adapters: AIAdapter[];
  /** True when the built-in simulators stand in for real servers. */
  simulated: boolean;
  /** Human-readable lines describing the choice (print them). */
  notes: string[];
  /** Closes adapters and simulators. */
  close(): Promise<void>;
}

const HEALTH_TIMEOUT_MS = 1500;

/** Where the real servers are looked for, from the flags and the environment. */
export interface ProviderTargets {
  /** Ollama: `--ollama`, else `OLLAMA_HOST` (a bare host:port gets `http://`), else 127.0.0.1:11434. */
  ollama: { url: string };
  /**
   * An OpenAI-compatible server: `--openai`, else `OPENAI_BASE_URL`, else OpenAI's own API when a
   * key is given (`--api-key` or `OPENAI_API_KEY`); absent when none of them is set.
   */
  openai?: { url: string; apiKey?: string };
}

/**
 * The one place for the demo's server defaults: `resolveProviders` health-checks these URLs, and
 * `serve` puts its fault proxies in front of the same ones.
 */
export function providerTargets(
  flags: ProviderFlags,
  env: Record<string, string | undefined> = process.env,
): ProviderTargets {
  const host = env.OLLAMA_HOST;
  const ollama =
    flags.ollama ||
    (host ? (/^https?:\/\//.test(host) ? host : `http://${host}`) : "http://127.0.0.1:11434");
  const apiKey = flags.apiKey ?? env.OPENAI_API_KEY;
  const openai =
    flags.openai ?? env.OPENAI_BASE_URL ?? (apiKey ? "https://api.openai.com/v1" : undefined);
  return {
    ollama: { url: ollama },
    ...(openai ? { openai: { url: openai, ...(apiKey ? { apiKey } : {}) } } : {}),
  };
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

/**
 * Finds the real servers the user has (Ollama on its default port or `--ollama`; an
 * OpenAI-compatible server when `--openai`, `--api-key`, `OPENAI_API_KEY` or `OPENAI_BASE_URL`
 * is given) by health-checking them in parallel. When none answers, starts the built-in Ollama
 * and OpenAI simulators on loopback and says so.
 */
export async function resolveProviders(flags: ProviderFlags): Promise<ResolvedProviders> {
  const notes: string[] = [];
  const adapters: AIAdapter[] = [];
  if (!flags.sim) {
    const targets = providerTargets(flags);
    const ollamaUrl = targets.ollama.url;
    const openaiRoot = targets.openai?.url;
    const apiKey = targets.openai?.apiKey;
    const probeOllama = new OllamaAdapter({ baseUrl: ollamaUrl, model: "probe" });
    const openai = openaiRoot
      ? new OpenAIAdapter({
          baseUrl: openaiRoot,
          model: flags.openaiModel ?? flags.model ?? process.env.OPENAI_MODEL ?? "gpt-4o-mini",
          ...(apiKey ? { apiKey } : {}),
        })
      : undefined;
    const [ollamaUp, openaiUp] = await Promise.all([
      probeOllama.healthCheck({ timeoutMs: HEALTH_TIMEOUT_MS }),
      openai ? openai.healthCheck({ timeoutMs: HEALTH_TIMEOUT_MS }) : Promise.resolve(false),
    ]);
    if (ollamaUp) {
      const model = await pickOllamaModel(probeOllama, flags.ollamaModel ?? flags.model);
      if (model) {
        adapters.push(new OllamaAdapter({ baseUrl: ollamaUrl, model }));
        notes.push(`Ollama at ${ollamaUrl} (model ${model})`);
      } else {
        notes.push(`Ollama at ${ollamaUrl} has no models (try: ollama pull llama3.2); not used`);
      }
    } else {
      notes.push(`Ollama not reachable at ${ollamaUrl}`);
    }
    await probeOllama.close?.();
    if (openai && openaiUp) {
      adapters.push(openai);
      notes.push(`OpenAI-compatible server at ${openaiRoot} (model ${openai.model})`);
    } else if (openai) {
      notes.push(
        `OpenAI-compatible server not reachable at ${openaiRoot} (or the key was refused)`,
      );
      await openai.close?.();
    }
    if (adapters.length > 0) {
      return {
        adapters,
        simulated: false,
        notes,
        close: async () => {
          await Promise.all(adapters.map((adapter) => adapter.close?.()));
        },
      };
    }
  }
  const sims = await startSimulators(flags.simTokenDelayMs ?? 25);
  notes.push(
    flags.sim
      ? "Using the built-in simulators (--sim):"
      : "No real model server reachable: using the built-in SIMULATED servers (canned answers):",
    `  simulated Ollama at ${sims.ollama.url}, simulated OpenAI at ${sims.openai.url}/v1`,
  );
  adapters.push(
    new OllamaAdapter({ baseUrl: sims.ollama.url, model: "sim-llama" }),
    new OpenAIAdapter({ baseUrl: `${sims.openai.url}/v1`, model: "sim-gpt", apiKey: "sk-sim" }),
  );
  return {
    adapters,
    simulated: true,
    notes,
    close: async () => {
      await Promise.all(adapters.map((adapter) => adapter.close?.()));
      await Promise.all([sims.ollama.close(), sims.openai.close()]);
    },
  };
}

async function startSimulators(
  tokenDelayMs: number,
): Promise<{ ollama: RunningServer; openai: RunningServer }> {
  const [ollama, openai] = await Promise.all([
    startOllamaSim({ tokenDelayMs }),
    startOpenAISim({ tokenDelayMs, apiKey: "sk-sim" }),
  ]);
  return { ollama, openai };
}
