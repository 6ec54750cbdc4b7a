import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { send, sseEvents } from "./http-client.js";

const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

describe("serve command", () => {
  it("serves the page and the gateway, and stops cleanly on SIGTERM", async () => {
    expect(existsSync(cli), "build first: pnpm --filter @x/demo build").toBe(true);
    const child = spawn(process.execPath, [cli, "serve", "--sim", "--port", "0"], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    const exited = new Promise<number | null>((resolve) => child.once("close", resolve));
    let stdout = "";
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (part: string) => {
      stderr += part;
    });
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.setEncoding("utf8").on("data", (part: string) => {
        stdout += part;
        const match = /web chat: +(http:\/\/127\.0\.0\.1:\d+)\//.exec(stdout);
        if (match?.[1]) resolve(match[1]);
      });
      child.once("close", () => reject(new Error(`serve exited early: ${stdout}${stderr}`)));
    });
    try {
      const page = await send(`${url}/`, "GET");
      expect(page.status).toBe(200);
      expect(page.text).toContain("x-demo chat");
      const res = await send(`${url}/v1/chat/completions`, "POST", {
        model: "x",
        stream: true,
        messages: [{ role: "user", content: "ping" }],
      });
      const events = sseEvents(res.text);
      expect(events.at(-1)?.data).toBe("[DONE]");
      const finish = events
        .map((e) => (e.data === "[DONE]" ? undefined : JSON.parse(e.data)))
        .find((c) => c?.x_provider);
      expect(finish.x_provider).toBe("ollama");
      expect(stderr).toMatch(/built-in simulators/);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  });
});
