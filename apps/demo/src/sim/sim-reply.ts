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
 * offered yields a `get_weather` call instead of text (to show tool-call rendering).
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
  const text =
    lastTool !== undefined
      ? `The tool answered ${lastTool}. (${label})`
      : `Hello from the ${label}. You said: "${prompt.slice(0, 200)}". This is a canned, deterministic answer; point the demo at a real server for real output.`;
  return { thinking, content: words(text), inputTokens };
}
