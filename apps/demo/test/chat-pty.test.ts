import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { listen, type RunningServer } from "../src/http/listen.js";

const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

function hasScript(): boolean {
  try {
    execFileSync("script", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

interface ChatRequest {
  messages: Array<{ role: string; content: string }>;
}

/**
 * A loopback Ollama: the first chat streams two words and then never finishes (until the client
 * goes away); every later chat answers in full. Records what each request asked.
 */
async function startOllama(): Promise<{ server: RunningServer; requests: ChatRequest[] }> {
  const requests: ChatRequest[] = [];
  const frame = (res: ServerResponse, content: string) =>
    res.write(
      `${JSON.stringify({ model: "m", message: { role: "assistant", content }, done: false })}\n`,
    );
  const server = await listen(async (req, res) => {
    if (req.url === "/api/version") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"version":"0.9.0"}');
      return;
    }
    const parts: Buffer[] = [];
    for await (const part of req) parts.push(part as Buffer);
    requests.push(JSON.parse(Buffer.concat(parts).toString("utf8")) as ChatRequest);
    res.writeHead(200, { "content-type": "application/x-ndjson" });
    if (requests.length === 1) {
      frame(res, "Partial ");
      frame(res, "answer ");
      return; // hangs: the test stops it with Ctrl-C
    }
    frame(res, "Second answer.");
    res.end(
      `${JSON.stringify({ model: "m", message: { role: "assistant", content: "" }, done: true, done_reason: "stop", prompt_eval_count: 3, eval_count: 2, eval_duration: 1_000_000 })}\n`,
    );
  });
  return { server, requests };
}

/** The built CLI in a real pseudo-terminal of 40 columns (util-linux `script`). */
class PtySession {
  readonly child: ChildProcess;
  text = "";
  readonly exited: Promise<number | null>;
  #waiters: Array<() => void> = [];

  constructor(args: string[]) {
    const command = `stty cols 40 rows 24; exec ${process.execPath} ${cli} ${args.join(" ")}`;
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
    delete env.OPENAI_API_KEY;
    delete env.OPENAI_BASE_URL;
    this.child = spawn("script", ["-qfec", command, "/dev/null"], {
      stdio: ["pipe", "pipe", "pipe"],
      env,
    });
    this.child.stdout?.setEncoding("utf8").on("data", (part: string) => {
      this.text += part;
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.exited = new Promise((resolve) => this.child.once("close", resolve));
  }

  /** Resolves once the screen output, from `from` on, contains `expected`. */
  until(expected: string, from = 0): Promise<number> {
    return new Promise((resolve) => {
      const check = () => {
        const at = this.text.indexOf(expected, from);
        if (at !== -1) resolve(at);
        else this.#waiters.push(check);
      };
      check();
    });
  }

  type(keys: string): void {
    this.child.stdin?.write(keys);
  }
}

let ollama: RunningServer | undefined;
let session: PtySession | undefined;

afterEach(async () => {
  if (session && session.child.exitCode === null) session.child.kill("SIGKILL");
  await session?.exited;
  session = undefined;
  await ollama?.close();
  ollama = undefined;
});

describe.skipIf(!hasScript())("chat in a real terminal (built CLI in a pseudo-terminal)", () => {
  it("stops an answer with Ctrl-C, keeps it, never echoes keys typed meanwhile, and ends the line on Ctrl-D", async () => {
    expect(existsSync(cli), "build first: pnpm --filter @x/demo build").toBe(true);
    const started = await startOllama();
    ollama = started.server;
    session = new PtySession(["chat", "--ollama", ollama.url, "--ollama-model", "m"]);
    const pty = session;

    await pty.until("you › ");
    pty.type("first question\r");
    const partialAt = await pty.until("Partial answer");
    pty.type("typed ahead");
    pty.type("\x03");
    const stoppedAt = await pty.until("(stopped)", partialAt);
    await pty.until("you › ", stoppedAt);
    pty.type("second\r");
    const doneAt = await pty.until("[done", stoppedAt);
    await pty.until("you › ", doneAt);
    pty.type("\x04");
    expect(await pty.exited).toBe(0);

    expect(pty.text.slice(partialAt)).not.toContain("typed ahead");
    expect(started.requests[1]?.messages).toEqual([
      { role: "user", content: "first question" },
      { role: "assistant", content: "Partial answer " },
      { role: "user", content: "second" },
    ]);
    // After Ctrl-D the prompt's line is ended, so the shell's prompt starts on a line of its own.
    const afterLastPrompt = pty.text.slice(pty.text.lastIndexOf("you › ") + "you › ".length);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escapes start with ESC
    const cursorMoves = /\x1b\[[0-9;]*[A-Za-z]/g;
    expect(afterLastPrompt.replaceAll(cursorMoves, "")).toMatch(/^\r?\n$/);
  });
});
