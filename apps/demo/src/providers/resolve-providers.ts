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

function ollamaUrl(flags: ProviderFlags): string {
  if (flags.ollama) return flags.ollama;
  const host = process.env.OLLAMA_HOST;
  if (host) return /^https?:\/\//.test(host) ? host : `http://${host}`;
  return "http://127.0.0.1:11434";
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
    const apiKey = flags.apiKey ?? process.env.OPENAI_API_KEY;
    const openaiRoot =
      flags.openai ??
      process.env.OPENAI_BASE_URL ??
      (apiKey ? "https://api.openai.com/v1" : undefined);
    const probeOllama = new OllamaAdapter({ baseUrl: ollamaUrl(flags), model: "probe" });
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
        adapters.push(new OllamaAdapter({ baseUrl: ollamaUrl(flags), model }));
        notes.push(`Ollama at ${ollamaUrl(flags)} (model ${model})`);
      } else {
        notes.push(
          `Ollama at ${ollamaUrl(flags)} has no models (try: ollama pull llama3.2); not used`,
        );
      }
    } else {
      notes.push(`Ollama not reachable at ${ollamaUrl(flags)}`);
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
