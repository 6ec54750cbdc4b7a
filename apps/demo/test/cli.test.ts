import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

describe("the built CLI's command line", () => {
  it("answers an unknown option with one friendly line and the usage, exit 2", () => {
    expect(existsSync(cli), "build first: pnpm --filter @x/demo build").toBe(true);
    const run = spawnSync(process.execPath, [cli, "chat", "--frobnicate"], { encoding: "utf8" });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe("");
    const [first, blank, usage] = run.stderr.split("\n");
    expect(first).toBe("unknown option --frobnicate");
    expect(blank).toBe("");
    expect(usage).toBe("Usage: node apps/demo/dist/cli.js [chat|serve|scenario] [options]");
  });

  it("prints the usage for --help, exit 0", () => {
    const run = spawnSync(process.execPath, [cli, "--help"], { encoding: "utf8" });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Usage: node apps\/demo\/dist\/cli\.js/);
  });
});
