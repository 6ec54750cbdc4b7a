import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { startOllamaSim } from "../src/sim/ollama-sim.js";
import { CLI as cli } from "./browser/serve-process.js";
import { runCli } from "./run-cli.js";

describe("chat command (piped input, simulators)", () => {
  it("answers each line, runs demo tool calls and prints the done line", async () => {
    expect(existsSync(cli), "build first: pnpm --filter @x/demo build").toBe(true);
    const { code, stdout, stderr } = await runCli(["chat", "--sim", "--tools"], {
      input: "hello\nweather in Oslo?\n/exit\n",
    });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain("fallback chain: ollama/sim-llama → openai/sim-gpt");
    expect(stdout).toContain('You said: "hello"');
    expect(stdout).toContain('🔧 get_weather({"city":"Oslo"})');
    expect(stdout).toMatch(/↳ get_weather → \{"city":"Oslo"/);
    expect(stdout).toMatch(
      /\[done · ollama\/sim-llama · stop · [\d.]+ tok\/s · tokens in \d+ \/ out \d+\]/,
    );
  });

  it("answers an unknown /command itself; the model never sees it", async () => {
    const { code, stdout } = await runCli(["chat", "--sim"], { input: "/nope\nhi\n/exit\n" });
    expect(code).toBe(0);
    expect(stdout).toContain("unknown command /nope; /help lists the commands");
    expect(stdout.match(/You said: /g)).toHaveLength(1);
    expect(stdout).not.toContain('You said: "/nope"');
  });

  it("uses a single provider with --no-fallback", async () => {
    const { code, stdout } = await runCli(["chat", "--sim", "--no-fallback"], { input: "hi\n" });
    expect(code).toBe(0);
    expect(stdout).toContain("x-demo chat · ollama/sim-llama\n");
  });

  it("puts several --ollama hosts in one pool and says which replica served", async () => {
    let busyRequests = 0;
    const busy = await startOllamaSim({
      fault: "http-503",
      onChatRequest: () => {
        busyRequests += 1;
      },
    });
    const healthy = await startOllamaSim();
    try {
      const { code, stdout } = await runCli(["chat", "--ollama", `${busy.url},${healthy.url}`], {
        input: "one\ntwo\n/exit\n",
        env: {
          OPENAI_API_KEY: undefined,
          OPENAI_BASE_URL: undefined,
          ANTHROPIC_API_KEY: undefined,
        },
      });
      expect(code).toBe(0);
      expect(stdout).toContain(`Ollama pool of 2 at ${busy.url}, ${healthy.url} (model sim-llama)`);
      expect(stdout).toContain("x-demo chat · pool/sim-llama\n");
      expect(stdout.match(/You said: /g)).toHaveLength(2);
      const served = stdout.match(/⇢ replica (\S+) served/g) ?? [];
      expect(served).toEqual([
        `⇢ replica ollama:sim-llama@${healthy.url} served`,
        `⇢ replica ollama:sim-llama@${healthy.url} served`,
      ]);
      expect(busyRequests).toBeGreaterThanOrEqual(1);
      expect(stdout).toContain("ollama/sim-llama failed at connect");
    } finally {
      await Promise.all([busy.close(), healthy.close()]);
    }
  });
});
