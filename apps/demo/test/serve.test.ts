import { once } from "node:events";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { startServe } from "./browser/serve-process.js";
import { gatewayAnswer, send } from "./http-client.js";
import { runCli } from "./run-cli.js";

describe("serve command", () => {
  it("serves the page and the gateway, and stops cleanly on SIGTERM", async () => {
    const served = await startServe(["--sim"]);
    try {
      const page = await send(`${served.url}/`, "GET");
      expect(page.status).toBe(200);
      expect(page.text).toContain("x-demo chat");
      const answer = await gatewayAnswer(served.url);
      expect(answer).toEqual({ done: true, provider: "ollama", resets: 0 });
      expect(served.stderr()).toMatch(/built-in simulators/);
      const chain = JSON.parse((await send(`${served.url}/api/chain`, "GET")).text);
      expect(chain.mode).toBe("chain");
      expect(chain.members.map((m: { label: string }) => m.label)).toEqual([
        "ollama/sim-llama",
        "openai/sim-gpt",
        "anthropic/sim-claude",
      ]);
    } finally {
      expect(await served.stop()).toBe(0);
    }
  });

  it("--fault breaks a member from the start; the page's fault switch heals it", async () => {
    const served = await startServe(["--sim", "--fault", "die-mid-stream,none"]);
    try {
      const chain = JSON.parse((await send(`${served.url}/api/chain`, "GET")).text);
      expect(chain.members.map((m: { fault: string }) => m.fault)).toEqual([
        "die-mid-stream",
        "none",
        "none",
      ]);
      // The primary dies after a few words: the chain restarts visibly on the secondary.
      expect(await gatewayAnswer(served.url)).toEqual({
        done: true,
        provider: "openai",
        resets: 1,
      });
      expect(served.stderr()).toMatch(/ollama\/sim-llama failed at mid-stream/);

      const healed = await send(`${served.url}/api/faults`, "POST", { member: 0, fault: "none" });
      expect(healed.status).toBe(200);
      expect(JSON.parse(healed.text).members[0].fault).toBe("none");
      expect(await gatewayAnswer(served.url)).toEqual({
        done: true,
        provider: "ollama",
        resets: 0,
      });

      await send(`${served.url}/api/faults`, "POST", { member: 0, fault: "http-503" });
      expect(await gatewayAnswer(served.url)).toEqual({
        done: true,
        provider: "openai",
        resets: 0,
      });
    } finally {
      expect(await served.stop()).toBe(0);
    }
  });

  it("on a port that is taken: one line on stderr, exit code 1, nothing left running", async () => {
    const blocker = createServer();
    blocker.listen(0, "127.0.0.1");
    await once(blocker, "listening");
    const { port } = blocker.address() as { port: number };
    try {
      // The simulators and proxies it started must not keep it alive: it exits on its own.
      const { code, stdout, stderr } = await runCli(["serve", "--sim", "--port", String(port)]);
      expect(code).toBe(1);
      expect(stdout).not.toContain("web chat:");
      const errorLines = stderr
        .trimEnd()
        .split("\n")
        .filter((line) => !/simulat/.test(line));
      expect(errorLines).toEqual([
        `x-demo: port ${port} on 127.0.0.1 is already in use (choose another with --port, or --port 0 for any free port)`,
      ]);
      expect(stderr).not.toMatch(/\n\s+at /);
    } finally {
      blocker.close();
    }
  });
});
