import type { AIAdapter, Message, StreamOptions } from "@x/core";
import { DEMO_TOOLS, runDemoTool } from "../commands/demo-tools.js";
import type { ChatInput } from "./chat-input.js";
import { parseChatLine } from "./chat-line.js";
import { describeError } from "./format-event.js";
import type { LineWriter } from "./line-writer.js";
import { renderStream } from "./render-stream.js";
import type { Style } from "./style.js";

/** Tool rounds per question before the chat stops asking the model again. */
const MAX_TOOL_ROUNDS = 4;

/** The chat's help text (commands and keys). */
export const HELP = [
  "Commands: /clear (forget the conversation), /help, /exit. Start a line with // to send one that begins with /.",
  "Ctrl-C stops an answer (what arrived stays in the conversation); at the prompt, Ctrl-C or Ctrl-D exits.",
].join("\n");

/** One chat session over an adapter: what {@link runChatSession} needs. */
export interface ChatSession {
  adapter: AIAdapter;
  input: ChatInput;
  out: LineWriter;
  style: Style;
  /** Offer the demo tools and run the calls. */
  tools?: boolean;
  /** Ask for reasoning. */
  think?: boolean;
}

/**
 * Streams one answer into `history` (and, with tools, the follow-ups after running the calls).
 * Resolves "stopped" when `signal` fired: the partial answer is then kept as the assistant's
 * message, without tool calls it did not get to run, so the conversation stays user / assistant
 * alternating and the next question follows what the user saw. Throws any other failure.
 */
async function answer(
  session: ChatSession,
  history: Message[],
  signal: AbortSignal,
): Promise<"answered" | "stopped"> {
  const { adapter, out, style } = session;
  const streamOptions: StreamOptions = { signal };
  if (session.tools) streamOptions.tools = DEMO_TOOLS;
  if (session.think) streamOptions.think = true;
  for (let round = 0; round < MAX_TOOL_ROUNDS; round++) {
    // A snapshot: the adapter must not see the history grow while it streams.
    const result = await renderStream(adapter.stream([...history], streamOptions), out, style);
    if (result.done === undefined) {
      if (!signal.aborted) throw result.error;
      history.push({ role: "assistant", content: result.message.content });
      return "stopped";
    }
    history.push(result.message);
    if (!session.tools || !result.message.toolCalls) return "answered";
    for (const call of result.message.toolCalls) {
      const content = runDemoTool(call);
      out.line(style.dim(`  ↳ ${call.name} → ${content}`));
      history.push({ role: "tool", content, toolCallId: call.id, name: call.name });
    }
  }
  return "answered";
}

/**
 * The conversation loop: reads lines, runs `/` commands, streams each answer (thinking dimmed,
 * tool calls on their own lines, chain events, a done line). Ctrl-C while an answer streams
 * stops it; a failed answer is dropped with its question, so the conversation never holds two
 * user messages in a row. Resolves when the user leaves.
 */
export async function runChatSession(session: ChatSession): Promise<void> {
  const { input, out, style } = session;
  const history: Message[] = [];
  try {
    for (;;) {
      const raw = await input.read(style.green("you › "));
      if (raw === undefined) return;
      const line = parseChatLine(raw);
      if (line.kind === "empty") continue;
      if (line.kind === "unknown-command") {
        out.line(style.yellow(`unknown command ${line.name}; /help lists the commands`));
        continue;
      }
      if (line.kind === "command") {
        if (line.name === "exit") return;
        if (line.name === "help") out.line(style.dim(HELP));
        else {
          history.length = 0;
          out.line(style.dim("(conversation cleared)"));
        }
        continue;
      }
      const turnStart = history.length;
      history.push({ role: "user", content: line.text });
      const controller = new AbortController();
      const endStreaming = input.whileStreaming(() => controller.abort());
      try {
        if ((await answer(session, history, controller.signal)) === "stopped") {
          out.line(style.dim("(stopped)"));
        }
      } catch (error) {
        history.length = turnStart;
        out.line(style.red(`error: ${describeError(error)}`));
      } finally {
        endStreaming();
      }
    }
  } finally {
    out.endLine();
  }
}
