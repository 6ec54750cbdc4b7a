/** What a simulated model answers to one request. */
export interface SimReply {
  /** Reasoning deltas (empty when the request did not ask for thinking). */
  thinking: string[];
  /** Content deltas. */
  content: string[];
  /** A tool call, when the request offered tools and the prompt asks for one. */
  toolCall?: { name: string; arguments: Record<string, unknown> };
  /** Prompt tokens (a word count). */
  inputTokens: number;
}

/** A request message as both wire formats carry it (only the fields the simulators read). */
export interface SimMessage {
  role?: unknown;
  content?: unknown;
}

function words(text: string): string[] {
  return text.match(/\S+\s*/g) ?? [];
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((part) =>
        typeof part === "object" &&
        part !== null &&
        typeof (part as { text?: unknown }).text === "string"
          ? (part as { text: string }).text
          : "",
      )
      .join(" ");
  }
  return "";
}

/**
 * Builds a deterministic answer: it quotes the last user message and names the simulator, so a
 * reader of the demo can see which server answered. A prompt mentioning "weather" with tools
 * offered yields a `get_weather` call instead of text (to show tool-call rendering); one asking
 * for "code" or "markdown" gets a short Markdown answer with a fenced code block.
 */
export function simReply(
  label: string,
  messages: readonly SimMessage[],
  options: { think?: boolean; toolNames?: readonly string[] } = {},
): SimReply {
  const lastUser = [...messages].reverse().find((m) => m.role === "user");
  const prompt = textOf(lastUser?.content).trim() || "(empty prompt)";
  const inputTokens = messages.reduce((sum, m) => sum + words(textOf(m.content)).length, 0);
  const thinking = options.think
    ? words(`The user wrote ${JSON.stringify(prompt.slice(0, 60))}. I will answer briefly.`)
    : [];
  const lastMessage = messages[messages.length - 1];
  const wantsTool = /weather/i.test(prompt) && lastMessage?.role === "user";
  const toolName = options.toolNames?.find((name) => /weather/i.test(name));
  if (wantsTool && toolName) {
    const city = /in ([A-Z][\w-]*)/.exec(prompt)?.[1] ?? "Paris";
    return {
      thinking,
      content: [],
      toolCall: { name: toolName, arguments: { city } },
      inputTokens,
    };
  }
  const lastTool = lastMessage?.role === "tool" ? textOf(lastMessage.content) : undefined;
  let text: string;
  if (lastTool !== undefined) text = `The tool answered ${lastTool}. (${label})`;
  else if (/\b(code|markdown)\b/i.test(prompt)) text = codeAnswer(label, prompt);
  else
    text = `Hello from the ${label}. You said: "${prompt.slice(0, 200)}". This is a canned, deterministic answer; point the demo at a real server for real output.`;
  return { thinking, content: words(text), inputTokens };
}

/** A Markdown answer with a fenced code block, so the web chat's rendering can be seen (and tested). */
function codeAnswer(label: string, prompt: string): string {
  return [
    `Hello from the **${label}**. You asked: "${prompt.slice(0, 120)}". Here is a canned example:`,
    "",
    "```js",
    "const answer = 6 * 7;",
    'console.log("the answer is", answer);',
    "```",
    "",
    "- the chain picked this member",
    "- point the demo at a real server for real output",
  ].join("\n");
}
