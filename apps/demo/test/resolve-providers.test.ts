import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isPool, providerTargets, resolveProviders } from "../src/providers/resolve-providers.js";
import { startAnthropicSim } from "../src/sim/anthropic-sim.js";
import { startOllamaSim } from "../src/sim/ollama-sim.js";

const saved = { ...process.env };
beforeEach(() => {
  for (const key of ["OPENAI_API_KEY", "OPENAI_BASE_URL", "OLLAMA_HOST", "OPENAI_MODEL"])
    delete process.env[key];
});
afterEach(() => {
  process.env = { ...saved };
});

describe("resolveProviders", () => {
  it("uses a reachable Ollama and its first model", async () => {
    const sim = await startOllamaSim({ model: "tiny:1b" });
    const providers = await resolveProviders({ ollama: sim.url });
    try {
      expect(providers.simulated).toBe(false);
      expect(providers.adapters.map((a) => `${a.provider}/${a.model}`)).toEqual(["ollama/tiny:1b"]);
    } finally {
      await providers.close();
      await sim.close();
    }
  });

  it("falls back to the simulators and says so when nothing is reachable", async () => {
    const gone = await startOllamaSim({ fault: "refuse" });
    const providers = await resolveProviders({ ollama: gone.url, simTokenDelayMs: 0 });
    try {
      expect(providers.simulated).toBe(true);
      expect(providers.notes.join("\n")).toMatch(/SIMULATED/);
      expect(providers.adapters.map((a) => a.provider)).toEqual(["ollama", "openai", "anthropic"]);
      expect(await providers.adapters[1]?.healthCheck()).toBe(true);
      expect(await providers.adapters[2]?.healthCheck()).toBe(true);
    } finally {
      await providers.close();
    }
  });
});

describe("resolveProviders: pools and Anthropic", () => {
  it("makes one pool of several Ollama URLs and puts a reachable Anthropic last", async () => {
    const [one, two] = await Promise.all([startOllamaSim(), startOllamaSim()]);
    const claude = await startAnthropicSim({ apiKey: "sk-ant-t" });
    const providers = await resolveProviders({
      ollama: `${one.url},${two.url}`,
      anthropic: claude.url,
      anthropicKey: "sk-ant-t",
      anthropicModel: "sim-claude",
    });
    try {
      expect(providers.simulated).toBe(false);
      const [pool, anthropic] = providers.adapters;
      expect(providers.adapters).toHaveLength(2);
      expect(pool && isPool(pool)).toBe(true);
      if (!pool || !isPool(pool)) return;
      expect(pool.replicas.map((r) => (r.adapter as { baseUrl?: string }).baseUrl)).toEqual([
        one.url,
        two.url,
      ]);
      expect(`${anthropic?.provider}/${anthropic?.model}`).toBe("anthropic/sim-claude");
      expect(providers.notes.join("\n")).toContain(`pool of 2 at ${one.url}, ${two.url}`);
    } finally {
      await providers.close();
      await Promise.all([one.close(), two.close(), claude.close()]);
    }
  });
});

describe("providerTargets (the defaults resolveProviders and serve's fault proxies share)", () => {
  it("reads flags first, then the environment, then the defaults", () => {
    expect(providerTargets({}, {})).toEqual({
      ollama: { urls: ["http://127.0.0.1:11434"] },
    });
    expect(providerTargets({}, { OLLAMA_HOST: "10.0.0.2:11434" }).ollama.urls).toEqual([
      "http://10.0.0.2:11434",
    ]);
    expect(providerTargets({}, { OLLAMA_HOST: "https://gpu.local" }).ollama.urls).toEqual([
      "https://gpu.local",
    ]);
    expect(providerTargets({ ollama: "http://o:1" }, { OLLAMA_HOST: "x:2" }).ollama.urls).toEqual([
      "http://o:1",
    ]);
    // A key alone means OpenAI's own API; a base URL alone needs no key.
    expect(providerTargets({}, { OPENAI_API_KEY: "sk-env" }).openai).toEqual({
      urls: ["https://api.openai.com/v1"],
      apiKey: "sk-env",
    });
    expect(providerTargets({}, { OPENAI_BASE_URL: "http://127.0.0.1:8080/v1" }).openai).toEqual({
      urls: ["http://127.0.0.1:8080/v1"],
    });
    expect(
      providerTargets(
        { openai: "http://v:8000/v1", apiKey: "sk-flag" },
        { OPENAI_BASE_URL: "http://env/v1", OPENAI_API_KEY: "sk-env" },
      ).openai,
    ).toEqual({ urls: ["http://v:8000/v1"], apiKey: "sk-flag" });
  });

  it("splits comma-separated hosts (one pool) and finds Anthropic by URL or key", () => {
    const targets = providerTargets(
      { ollama: "http://a:1, b:2", openai: "http://v1:8000/v1,http://v2:8000/v1" },
      {},
    );
    expect(targets.ollama).toEqual({ urls: ["http://a:1", "http://b:2"] });
    expect(targets.openai?.urls).toEqual(["http://v1:8000/v1", "http://v2:8000/v1"]);
    expect(targets.anthropic).toBeUndefined();
    expect(providerTargets({}, { ANTHROPIC_API_KEY: "sk-ant-env" }).anthropic).toEqual({
      url: "https://api.anthropic.com",
      apiKey: "sk-ant-env",
    });
    expect(
      providerTargets(
        { anthropic: "http://127.0.0.1:9/", anthropicKey: "sk-ant-flag" },
        { ANTHROPIC_API_KEY: "sk-ant-env" },
      ).anthropic,
    ).toEqual({ url: "http://127.0.0.1:9/", apiKey: "sk-ant-flag" });
  });
});
