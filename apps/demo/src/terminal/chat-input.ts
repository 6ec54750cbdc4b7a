import { createInterface } from "node:readline";
import type { Output } from "./line-writer.js";

/** The input side of the terminal chat: `process.stdin` or a stream standing in for it. */
export interface InputStream extends NodeJS.ReadableStream {
  readonly isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

/** How the chat reads its user. */
export interface ChatInput {
  /**
   * Shows `prompt` and resolves the next line, or `undefined` when the user leaves: end of
   * input, or Ctrl-C / Ctrl-D at an interactive prompt (the cursor then moves to a new line).
   */
  read(prompt: string): Promise<string | undefined>;
  /**
   * For the time an answer streams: Ctrl-C calls `onStop`. On a terminal, every other key is
   * discarded, unechoed (typing ahead into a streaming answer would interleave with it, and a
   * line sent half-seen is worse than one retyped). Piped lines stay queued. Returns the
   * function that ends this phase.
   */
  whileStreaming(onStop: () => void): () => void;
  /** Releases the input (the process can exit). */
  close(): void;
}

/**
 * A terminal: each prompt gets its own readline interface (line editing, shared up-arrow
 * history), and between prompts the terminal stays in raw mode with nothing echoed, so a key
 * pressed while an answer streams never lands in the middle of it.
 */
function terminalInput(input: InputStream, output: Output): ChatInput {
  const history: string[] = [];
  return {
    read: (prompt) =>
      new Promise((resolve) => {
        const rl = createInterface({
          input,
          output: output as NodeJS.WritableStream,
          terminal: true,
          history,
          historySize: 200,
        });
        let answer: string | undefined;
        let settled = false;
        const settle = (line: string | undefined) => {
          if (settled) return;
          settled = true;
          answer = line;
          rl.close();
        };
        rl.on("line", (line) => settle(line));
        rl.on("SIGINT", () => settle(undefined)); // Ctrl-C at the prompt: leave
        rl.once("close", () => {
          settled = true;
          // Ctrl-C or Ctrl-D leaves the cursor after the prompt: end that line first.
          if (answer === undefined) output.write("\n");
          resolve(answer);
        });
        rl.setPrompt(prompt);
        rl.prompt();
      }),
    whileStreaming(onStop) {
      const onData = (data: Buffer | string) => {
        if (String(data).includes("\x03")) onStop();
      };
      input.setRawMode?.(true);
      input.on("data", onData);
      input.resume();
      return () => {
        input.off("data", onData);
        input.pause();
        input.setRawMode?.(false);
      };
    },
    close() {
      input.pause();
    },
  };
}

/**
 * Piped input (`printf 'hi\n/exit\n' | chat`): one readline interface whose async iterator
 * queues lines, so none is lost while an answer streams; each line is echoed after its prompt
 * so the transcript reads like a session.
 */
function pipedInput(input: InputStream, output: Output): ChatInput {
  const rl = createInterface({ input, terminal: false });
  const lines = rl[Symbol.asyncIterator]();
  return {
    async read(prompt) {
      output.write(prompt);
      const next = await lines.next();
      if (next.done) {
        output.write("\n");
        return undefined;
      }
      output.write(`${next.value}\n`);
      return next.value;
    },
    whileStreaming: () => () => {},
    close: () => rl.close(),
  };
}

/** The {@link ChatInput} for `input`: interactive on a terminal, queued lines otherwise. */
export function createChatInput(input: InputStream, output: Output): ChatInput {
  return input.isTTY === true ? terminalInput(input, output) : pipedInput(input, output);
}
