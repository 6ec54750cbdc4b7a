import { spawn } from "node:child_process";
import { once } from "node:events";
import { CLI } from "./browser/serve-process.js";

/** What a finished run of the CLI printed, and its exit code. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built CLI to its end: `input` on its stdin (then closed), `env` added to the test's
 * environment (a key set to undefined is removed), NO_COLOR set. The test's OTEL_* variables are
 * left out: they would make the CLI export spans.
 */
export async function runCli(
  args: readonly string[],
  options: { input?: string; env?: Record<string, string | undefined> } = {},
): Promise<CliRun> {
  const inherited = Object.entries(process.env).filter(([key]) => !key.startsWith("OTEL_"));
  const env = { ...Object.fromEntries(inherited), NO_COLOR: "1", ...options.env };
  const child = spawn(process.execPath, [CLI, ...args], {
    stdio: ["pipe", "pipe", "pipe"],
    env: Object.fromEntries(
      Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
    ),
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (part: string) => {
    stdout += part;
  });
  child.stderr.setEncoding("utf8").on("data", (part: string) => {
    stderr += part;
  });
  child.stdin.end(options.input ?? "");
  const [code] = (await once(child, "close")) as [number | null];
  return { code, stdout, stderr };
}
