import { PassThrough, Writable } from "node:stream";
import type { AIAdapter } from "@x/core";
import { createMockAdapter, type MockStep, textSteps } from "@x/core/testing";
import { describe, expect, it } from "vitest";
import { createChatInput } from "../src/terminal/chat-input.js";
import { runChatSession } from "../src/terminal/chat-session.js";
import { LineWriter } from "../src/terminal/line-writer.js";
import { createStyle } from "../src/terminal/style.js";

const PROMPT = "you › ";

/**
 * A terminal stand-in: a TTY input that readline drives in raw mode, and a 40-column TTY output
 * that records everything written. `until()` waits on writes, never on time.
 */
class FakeTerminal {
  readonly input = Object.assign(new PassThrough(), {
    isTTY: true,
    rawModes: [] as boolean[],
    setRawMode(mode: boolean) {
      this.rawModes.push(mode);
      return this;
    },
  });
  text = "";
  #waiters: Array<() => void> = [];
  readonly output = Object.assign(
    new Writable({
      write: (chunk: Buffer | string, _encoding, done) => {
        this.text += String(chunk);
        for (const wake of this.#waiters.splice(0)) wake();
        done();
      },
    }),
    { isTTY: true, columns: 40 },
  );

  /** Resolves once the output, from `from` on, contains `expected`. */
  until(expected: string, from = 0): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.text.indexOf(expected, from) !== -1) resolve();
        else this.#waiters.push(check);
      };
      check();
    });
  }

  /** Resolves at the next prompt after `marker` (keys typed before it would be discarded). */
  async promptAfter(marker: string): Promise<void> {
    await this.until(marker);
    await this.until(PROMPT, this.text.lastIndexOf(marker));
  }

  type(keys: string): void {
    this.input.write(keys);
  }
}

function startSession(adapter: AIAdapter, terminal: FakeTerminal): Promise<void> {
  return runChatSession({
    adapter,
    input: createChatInput(terminal.input, terminal.output),
    out: new LineWriter(terminal.output),
    style: createStyle(false),
  });
}

describe("terminal chat on a TTY", () => {
  it("keeps a stopped answer in the conversation, discards keys typed while it streamed, and asks the next question after it", async () => {
    const first: MockStep[] = [...textSteps("Partial answer so "), { type: "hang" }];
    const second: MockStep[] = [...textSteps("Second answer."), { type: "done" }];
    const adapter = createMockAdapter({ script: (call) => (call === 0 ? first : second) });
    const terminal = new FakeTerminal();
    const session = startSession(adapter, terminal);

    await terminal.until(PROMPT);
    terminal.type("first question\r");
    await terminal.until("Partial answer");
    const streamingFrom = terminal.text.length;
    terminal.type("typed ahead"); // while the answer streams: not echoed, not kept
    terminal.type("\x03"); // Ctrl-C stops the answer
    await terminal.until("(stopped)", streamingFrom);
    await terminal.until(PROMPT, streamingFrom);
    terminal.type("second question\r");
    await terminal.promptAfter("Second answer.");
    terminal.type("\x04"); // Ctrl-D at the prompt leaves
    await session;

    expect(terminal.text.slice(streamingFrom)).not.toContain("typed ahead");
    expect(adapter.calls).toHaveLength(2);
    expect(adapter.calls[0]?.outcome).toBe("aborted");
    expect(adapter.calls[1]?.messages).toEqual([
      { role: "user", content: "first question" },
      { role: "assistant", content: "Partial answer so " },
      { role: "user", content: "second question" },
    ]);
    // Leaving at the prompt ends that line, so the shell's prompt starts on its own.
    const end = terminal.text.slice(terminal.text.lastIndexOf(PROMPT) + PROMPT.length);
    expect(end.replace("\x1b[7G", "")).toBe("\n"); // readline parks the cursor after the prompt
    expect(adapter.openStreams).toBe(0);
  });

  it("leaves on Ctrl-C at the prompt with a newline", async () => {
    const adapter = createMockAdapter({ script: [{ type: "done" }] });
    const terminal = new FakeTerminal();
    const session = startSession(adapter, terminal);
    await terminal.until(PROMPT);
    terminal.type("half typed\x03");
    await session;
    expect(terminal.text).toMatch(/half typed\n$/);
    expect(adapter.calls).toHaveLength(0);
  });

  it("answers an unknown /command itself instead of sending it to the model", async () => {
    const adapter = createMockAdapter({ script: [...textSteps("Sure."), { type: "done" }] });
    const terminal = new FakeTerminal();
    const session = startSession(adapter, terminal);
    await terminal.until(PROMPT);
    terminal.type("/nope\r");
    await terminal.promptAfter("unknown command /nope;");
    terminal.type("//etc is a folder?\r");
    await terminal.promptAfter("Sure.");
    terminal.type("/exit\r");
    await session;
    expect(adapter.calls).toHaveLength(1);
    expect(adapter.calls[0]?.messages).toEqual([{ role: "user", content: "/etc is a folder?" }]);
  });

  it("wraps a streamed answer at word boundaries", async () => {
    const text =
      "Fallback chains keep a local model useful: when it stalls, a hosted one answers instead.";
    const adapter = createMockAdapter({ script: [...textSteps(text, 3), { type: "done" }] });
    const terminal = new FakeTerminal();
    const session = startSession(adapter, terminal);
    await terminal.until(PROMPT);
    terminal.type("why?\r");
    await terminal.promptAfter("[done");
    terminal.type("/exit\r");
    await session;
    const answer = terminal.text.slice(
      terminal.text.indexOf("why?\r\n") + 6,
      terminal.text.indexOf("[done"),
    );
    const lines = answer.trimEnd().split("\n");
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(40);
    expect(lines.map((line) => line.trim()).join(" ")).toBe(text);
  });

  it("drops a failed answer together with its question", async () => {
    const adapter = createMockAdapter({
      script: (call) =>
        call === 0
          ? [...textSteps("Half "), { type: "truncate" }]
          : [...textSteps("Fine."), { type: "done" }],
    });
    const terminal = new FakeTerminal();
    const session = startSession(adapter, terminal);
    await terminal.until(PROMPT);
    terminal.type("one\r");
    await terminal.promptAfter("error:");
    terminal.type("two\r");
    await terminal.promptAfter("Fine.");
    terminal.type("/exit\r");
    await session;
    expect(adapter.calls[1]?.messages).toEqual([{ role: "user", content: "two" }]);
  });
});

describe("LineWriter", () => {
  it("never breaks a word at the terminal width, however the text is cut", () => {
    const text = "The quick brown fox jumps over the lazy dog and keeps running far away.";
    for (const size of [1, 2, 5, 13]) {
      let written = "";
      const out = new LineWriter({
        isTTY: true,
        columns: 16,
        write: (part: string) => {
          written += part;
        },
      });
      for (let i = 0; i < text.length; i += size) out.write(text.slice(i, i + size));
      out.endLine();
      const lines = written.trimEnd().split("\n");
      for (const line of lines) expect(line.length, `cut ${size}: ${line}`).toBeLessThanOrEqual(16);
      expect(lines.map((line) => line.trim()).join(" ")).toBe(text);
    }
  });

  it("writes as is when the output is not a terminal", () => {
    let written = "";
    const out = new LineWriter({
      write: (part: string) => {
        written += part;
      },
    });
    out.write("a long line that no terminal width applies to at all");
    out.line("event");
    expect(written).toBe("a long line that no terminal width applies to at all\nevent\n");
  });
});
