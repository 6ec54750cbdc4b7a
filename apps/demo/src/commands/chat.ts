import { createInterface } from "node:readline";
import type { AIAdapter, Message, StreamOptions } from "@x/core";
import { buildChain } from "../providers/build-chain.js";
import { type ProviderFlags, resolveProviders } from "../providers/resolve-providers.js";
import { describeError, formatEvent } from "../terminal/format-event.js";
import { LineWriter } from "../terminal/line-writer.js";
import { renderStream } from "../terminal/render-stream.js";
import { createStyle, type Style, wantsColor } from "../terminal/style.js";
import { DEMO_TOOLS, runDemoTool } from "./demo-tools.js";

/** Options of the `chat` command. */
export interface ChatOptions extends ProviderFlags {
  /** Use only the first reachable provider. */
  noFallback?: boolean;
  /** Offer the demo tools (get_weather, get_time) and run the calls the model makes. */
  tools?: boolean;
  /** Ask for reasoning (`think: true`). */
  think?: boolean;
}

/** Tool rounds per question before the chat stops asking the model again. */
const MAX_TOOL_ROUNDS = 4;

const HELP =
  "Commands: /clear (forget the conversation), /exit. Ctrl-C stops an answer; at the prompt, exits.";

interface Turn {
  chain: AIAdapter;
  history: Message[];
  out: LineWriter;
  style: Style;
  options: ChatOptions;
  signal: AbortSignal;
}

/** Streams one answer (and, with `--tools`, the follow-ups after running the tool calls). */
async function answer(turn: Turn): Promise<void> {
  const { chain, history, out, style, options, signal } = turn;
  const streamOptions: StreamOptions = { signal };
  if (options.tools) streamOptions.tools = DEMO_TOOLS;
  if (options.think) streamOptions.think = true;
  for (let round = 0; round < MAX_TOOL_ROUNDS; round++) {
    const result = await renderStream(chain.stream(history, streamOptions), out, style);
    history.push(result.message);
    if (!options.tools || !result.message.toolCalls) return;
    for (const call of result.message.toolCalls) {
      const content = runDemoTool(call);
      out.line(style.dim(`  ↳ ${call.name} → ${content}`));
      history.push({ role: "tool", content, toolCallId: call.id, name: call.name });
    }
  }
}

/**
 * Interactive terminal chat: reads lines with readline, streams each answer through the chain
 * (thinking dimmed, tool calls on their own lines, the chain's fallback events, and a done line
 * with provider, tokens/s and usage). Ctrl-C while streaming aborts the answer (the request is
 * cancelled and its socket freed); Ctrl-C or Ctrl-D at the prompt exits. Piped input works too
 * (`echo hi | x-demo chat`): lines are queued and answered in order.
 */
export async function runChat(options: ChatOptions): Promise<void> {
  const style = createStyle(wantsColor(process.stdout));
  const out = new LineWriter(process.stdout);
  const providers = await resolveProviders(options);
  for (const note of providers.notes) out.line(style.dim(note));
  const chain = buildChain(providers.adapters, {
    ...(options.noFallback ? { noFallback: true } : {}),
    onEvent: (event) => {
      if (event.type !== "attempt" && event.type !== "success") out.line(formatEvent(event, style));
    },
  });
  const order = providers.adapters.map((adapter) => `${adapter.provider}/${adapter.model}`);
  const route =
    options.noFallback || order.length === 1 ? order[0] : `fallback chain: ${order.join(" → ")}`;
  out.line(`${style.bold("x-demo chat")} · ${route}`);
  out.line(style.dim(HELP));

  const interactive = process.stdin.isTTY === true;
  const rl = createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: interactive,
  });
  rl.setPrompt(style.green("you › "));
  const history: Message[] = [];
  let current: AbortController | undefined;
  rl.on("SIGINT", () => {
    if (current) current.abort();
    else rl.close();
  });
  try {
    rl.prompt();
    // The async iterator queues lines, so piped input is not lost while an answer streams.
    for await (const raw of rl) {
      const line = raw.trim();
      if (!interactive) out.write(`${line}\n`);
      if (line === "/exit" || line === "/quit") break;
      if (line === "/clear") {
        history.length = 0;
        out.line(style.dim("(conversation cleared)"));
      } else if (line === "/help") {
        out.line(style.dim(HELP));
      } else if (line !== "") {
        const turnStart = history.length;
        history.push({ role: "user", content: line });
        current = new AbortController();
        try {
          await answer({ chain, history, out, style, options, signal: current.signal });
        } catch (error) {
          history.length = turnStart;
          out.line(
            current.signal.aborted
              ? style.dim("(stopped)")
              : style.red(`error: ${describeError(error)}`),
          );
        } finally {
          current = undefined;
        }
      }
      rl.prompt();
    }
  } finally {
    rl.close();
    out.endLine();
    await providers.close(); // closes every adapter (the chain holds nothing else)
  }
}
