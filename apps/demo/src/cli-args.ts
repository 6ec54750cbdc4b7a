import { parseArgs } from "node:util";
import { SCENARIO_FAULTS, type ScenarioFault } from "./commands/scenario.js";
import { type Fault, isFault, FAULTS as MEMBER_FAULTS } from "./faults/fault-proxy.js";

/** A parsed command line. */
export interface CliArgs {
  command: "chat" | "serve" | "scenario" | "help";
  ollama?: string;
  openai?: string;
  anthropic?: string;
  model?: string;
  ollamaModel?: string;
  openaiModel?: string;
  anthropicModel?: string;
  apiKey?: string;
  anthropicKey?: string;
  noFallback: boolean;
  sim: boolean;
  tools: boolean;
  think: boolean;
  /** `--trace`: print each request's spans (OpenTelemetry) on stderr. */
  trace: boolean;
  host?: string;
  port?: number;
  faults?: ScenarioFault[];
  /** serve: the fault each chain member starts with, in chain order (`--fault`). */
  memberFaults?: Fault[];
}

/** A command line the demo cannot run; the message is one friendly line. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliError";
  }
}

/** Usage text for `--help`. */
export const USAGE = `Usage: node apps/demo/dist/cli.js [chat|serve|scenario] [options]
       pnpm demo [chat|serve|scenario] [options]    (builds first; from the repository root)

Commands
  chat       interactive terminal chat (default when stdin is a terminal)
  serve      web chat + OpenAI-compatible gateway (POST /v1/chat/completions, GET /v1/models)
  scenario   scripted fallback demo on built-in simulated servers (default without a terminal)

Options
  --ollama URL[,URL]   Ollama server (default OLLAMA_HOST or http://127.0.0.1:11434);
                       several, comma-separated: one replica pool (createPool)
  --openai URL[,URL]   OpenAI-compatible API root, e.g. https://api.openai.com/v1 (or OPENAI_BASE_URL);
                       several, comma-separated: one replica pool
  --anthropic URL      Anthropic API root (default https://api.anthropic.com when a key is set)
  --model NAME         model for every provider
  --ollama-model NAME  Ollama model (default: the first one installed)
  --openai-model NAME  OpenAI model (default OPENAI_MODEL or gpt-4o-mini)
  --anthropic-model NAME  Anthropic model (default ANTHROPIC_MODEL or claude-sonnet-4-5)
  --api-key KEY        OpenAI API key (default OPENAI_API_KEY)
  --anthropic-key KEY  Anthropic API key (default ANTHROPIC_API_KEY)
  --no-fallback        use only the first reachable provider, no chain
  --sim                use the built-in simulators even when a real server is reachable
  --tools              chat: offer demo tools (get_weather, get_time) and run the calls
  --think              chat: ask the model to show its reasoning
  --trace              print each request's OpenTelemetry spans on stderr, one line per span
                       (OTEL_EXPORTER_OTLP_ENDPOINT set: spans are also sent there over OTLP/HTTP)
  --host HOST, --port N  where serve listens (default 127.0.0.1:8787)
  --fault LIST         scenario: faults to show, comma-separated: ${SCENARIO_FAULTS.join(",")},http-503
                       serve: each member's fault, in chain order: ${MEMBER_FAULTS.join(",")}
  -h, --help           this text

With no reachable Ollama, OpenAI or Anthropic server, chat and serve use the simulators and say so.`;

const FAULTS: readonly string[] = [...SCENARIO_FAULTS, "http-503"];

const OPTIONS = {
  ollama: { type: "string" },
  openai: { type: "string" },
  anthropic: { type: "string" },
  model: { type: "string" },
  "ollama-model": { type: "string" },
  "openai-model": { type: "string" },
  "anthropic-model": { type: "string" },
  "api-key": { type: "string" },
  "anthropic-key": { type: "string" },
  "no-fallback": { type: "boolean", default: false },
  sim: { type: "boolean", default: false },
  tools: { type: "boolean", default: false },
  think: { type: "boolean", default: false },
  trace: { type: "boolean", default: false },
  host: { type: "string" },
  port: { type: "string" },
  fault: { type: "string" },
  help: { type: "boolean", short: "h", default: false },
} as const;

/** Node's parseArgs errors, told in one line (its own messages explain `--` positionals). */
function friendlyParseError(error: unknown): Error {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const option = /'(-[^' ]*)/.exec(message)?.[1];
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    return new CliError(`unknown option ${option ?? message}`);
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && option) {
    return new CliError(
      /argument missing/.test(message)
        ? `option ${option} needs a value`
        : `option ${option} takes no value`,
    );
  }
  return error instanceof Error ? error : new CliError(message);
}

function parse(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], allowPositionals: true, options: OPTIONS });
  } catch (error) {
    throw friendlyParseError(error);
  }
}

/**
 * Parses `argv` (without node and script). `stdinIsTTY` picks the default command. Throws a
 * {@link CliError} with a one-line message for anything it cannot run.
 */
export function parseCli(argv: readonly string[], stdinIsTTY: boolean): CliArgs {
  const { values, positionals } = parse(argv);
  const [first, ...rest] = positionals;
  if (rest.length > 0) throw new CliError(`unexpected argument ${rest[0]}`);
  if (
    first !== undefined &&
    first !== "chat" &&
    first !== "serve" &&
    first !== "scenario" &&
    first !== "help"
  ) {
    throw new CliError(`unknown command ${first}`);
  }
  const command = values.help ? "help" : (first ?? (stdinIsTTY ? "chat" : "scenario"));
  const args: CliArgs = {
    command,
    noFallback: values["no-fallback"],
    sim: values.sim,
    tools: values.tools,
    think: values.think,
    trace: values.trace,
  };
  if (values.ollama) args.ollama = values.ollama;
  if (values.openai) args.openai = values.openai;
  if (values.anthropic) args.anthropic = values.anthropic;
  if (values.model) args.model = values.model;
  if (values["ollama-model"]) args.ollamaModel = values["ollama-model"];
  if (values["openai-model"]) args.openaiModel = values["openai-model"];
  if (values["api-key"]) args.apiKey = values["api-key"];
  if (values["anthropic-model"]) args.anthropicModel = values["anthropic-model"];
  if (values["anthropic-key"]) args.anthropicKey = values["anthropic-key"];
  if (values.host) args.host = values.host;
  if (values.port !== undefined) {
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65_535)
      throw new CliError(`invalid --port ${values.port} (use 0 to 65535)`);
    args.port = port;
  }
  if (values.fault && command === "serve") {
    const faults = values.fault.split(",").map((fault) => fault.trim());
    const bad = faults.find((fault) => !isFault(fault));
    if (bad) throw new CliError(`unknown fault ${bad} (use ${MEMBER_FAULTS.join(", ")})`);
    args.memberFaults = faults as Fault[];
  } else if (values.fault) {
    const faults = values.fault.split(",").map((fault) => fault.trim());
    const bad = faults.find((fault) => !FAULTS.includes(fault));
    if (bad) throw new CliError(`unknown fault ${bad} (use ${FAULTS.join(", ")})`);
    args.faults = faults as ScenarioFault[];
  }
  return args;
}
