import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resolveProviders } from "../src/providers/resolve-providers.js";
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
      expect(providers.adapters.map((a) => a.provider)).toEqual(["ollama", "openai"]);
      expect(await providers.adapters[1]?.healthCheck()).toBe(true);
    } finally {
      await providers.close();
    }
  });
});
