import { CliError, parseCli, USAGE } from "./cli-args.js";
import { runChat } from "./commands/chat.js";
import { runScenario } from "./commands/scenario.js";
import { runServe, ServeStartError } from "./commands/serve.js";
import { createStyle, wantsColor } from "./terminal/style.js";

async function main(): Promise<number> {
  let args: ReturnType<typeof parseCli>;
  try {
    args = parseCli(process.argv.slice(2), process.stdin.isTTY === true);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  const { command, faults, memberFaults, tools, think, trace, ...providerFlags } = args;
  switch (command) {
    case "help":
      process.stdout.write(`${USAGE}\n`);
      return 0;
    case "chat":
      await runChat({ ...providerFlags, tools, think, trace });
      return 0;
    case "serve":
      await runServe({ ...providerFlags, trace, ...(memberFaults ? { memberFaults } : {}) });
      return 0;
    case "scenario": {
      const results = await runScenario({
        out: process.stdout,
        style: createStyle(wantsColor(process.stdout)),
        tokenDelayMs: process.stdout.isTTY ? 20 : 0,
        ...(faults ? { faults } : {}),
        ...(trace ? { trace: process.stderr } : {}),
      });
      return results.every((result) => result.passed) ? 0 : 1;
    }
  }
}

/** Failures the user can fix (a taken port, a bad flag): their message is all they need. */
function isUserError(error: unknown): error is Error {
  return error instanceof ServeStartError || error instanceof CliError;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const text = isUserError(error)
      ? error.message
      : error instanceof Error
        ? (error.stack ?? error.message)
        : String(error);
    process.stderr.write(`x-demo: ${text}\n`);
    process.exitCode = 1;
  },
);
