import { type ChildProcessByStdio, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";

/** The built CLI (tests of `serve` run it as a user does). */
export const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));

/**
 * The environment of a CLI run: the test's own without its OTEL_* variables (they would make the
 * CLI export spans), NO_COLOR set, then `env` added (a key set to undefined is removed).
 */
export function cliEnv(env: Record<string, string | undefined> = {}): Record<string, string> {
  const inherited = Object.entries(process.env).filter(([key]) => !key.startsWith("OTEL_"));
  return Object.fromEntries(
    Object.entries({ ...Object.fromEntries(inherited), NO_COLOR: "1", ...env }).filter(
      (entry): entry is [string, string] => entry[1] !== undefined,
    ),
  );
}

/** A running `serve` child process. */
export interface ServeProcess {
  child: ChildProcessByStdio<null, Readable, Readable>;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  /** Resolves with the exit code once it has exited. */
  exited: Promise<number | null>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `serve --port 0 ...args` and resolves once it prints its URL, in {@link cliEnv}`(env)`.
 */
export async function startServe(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<ServeProcess> {
  if (!existsSync(CLI))
    throw new Error(`build first (${CLI} is missing): pnpm --filter @x/demo build`);
  const child = spawn(process.execPath, [CLI, "serve", "--port", "0", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: cliEnv(env),
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
  return {
    child,
    url,
    stderr: () => stderr,
    exited,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}
