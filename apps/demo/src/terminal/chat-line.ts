/** What one line typed into the terminal chat asks for. */
export type ChatLine =
  | { kind: "empty" }
  | { kind: "message"; text: string }
  | { kind: "command"; name: "exit" | "clear" | "help" }
  | { kind: "unknown-command"; name: string };

const COMMANDS: Record<string, "exit" | "clear" | "help"> = {
  "/exit": "exit",
  "/quit": "exit",
  "/clear": "clear",
  "/help": "help",
};

/**
 * Reads one typed line. A line starting with `/` is a command (its first word; the rest is
 * ignored), never sent to the model; `//` sends the line from its second `/` on, for a
 * message that starts with a slash.
 */
export function parseChatLine(raw: string): ChatLine {
  const line = raw.trim();
  if (line === "") return { kind: "empty" };
  if (line.startsWith("//")) return { kind: "message", text: line.slice(1) };
  if (!line.startsWith("/")) return { kind: "message", text: line };
  const name = (line.split(/\s/, 1)[0] ?? line).toLowerCase();
  const command = COMMANDS[name];
  return command ? { kind: "command", name: command } : { kind: "unknown-command", name };
}
