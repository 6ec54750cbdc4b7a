import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runScenario } from "../src/commands/scenario.js";
import { createStyle } from "../src/terminal/style.js";
import { CLI as cli } from "./browser/serve-process.js";
import { runCli } from "./run-cli.js";

function countTimeouts(): number {
  return process.getActiveResourcesInfo().filter((name) => name === "Timeout").length;
}

describe("scenario", () => {
  it("survives each primary failure and leaves no timer or server behind", async () => {
    const before = countTimeouts();
    let text = "";
    const results = await runScenario({
      out: {
        write: (chunk: string) => {
          text += chunk;
        },
      },
      style: createStyle(false),
    });
    expect(results.map((result) => [result.fault, result.passed, result.servedBy])).toEqual([
      ["refuse", true, "openai"],
      ["hang", true, "openai"],
      ["die-mid-stream", true, "openai"],
      ["die-before-commit", true, "openai"],
      ["two-down", true, "anthropic"],
    ]);
    expect(text).toContain("falling back from ollama/sim-llama");
    expect(text).toContain("↺ answer restarted by openai");
    expect(text).toContain("falling back from openai/sim-gpt");
    expect(text).toContain("served by anthropic/sim-claude after 3 attempt(s)");
    expect(text).toContain("All scenarios passed: 5/5");
    expect(countTimeouts()).toBeLessThanOrEqual(before);
  });

  it("runs as the default command without a terminal and exits 0", async () => {
    expect(existsSync(cli), "build first: pnpm --filter @x/demo build").toBe(true);
    const { code, stdout, stderr } = await runCli([]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain("x-demo scenario");
    expect(stdout).toContain("falling back from ollama/sim-llama");
    expect(stdout).toContain("All scenarios passed: 5/5");
  });

  it("demonstrates a chosen fault (--fault http-503)", async () => {
    expect(existsSync(cli)).toBe(true);
    const { code, stdout } = await runCli(["scenario", "--fault", "http-503"]);
    expect(code).toBe(0);
    expect(stdout).toContain("503");
    expect(stdout).toContain("All scenarios passed: 1/1");
  });
});
