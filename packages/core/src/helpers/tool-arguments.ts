import { type AdapterErrorOptions, ProtocolError } from "../errors/errors.js";

/**
 * Parses tool-call arguments into an object. Accepts a JSON string (empty = `{}`), or an object as
 * some servers send. Anything else (invalid JSON, a JSON array, a number) throws a
 * `ProtocolError` (`invalid_tool_arguments`) naming the tool and carrying the text as `excerpt`.
 */
export function parseToolArguments(
  value: unknown,
  toolName: string,
  options: AdapterErrorOptions,
): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  if (typeof value === "string") {
    if (value.trim() === "") return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch (cause) {
      throw new ProtocolError(`Tool "${toolName}" arguments are not valid JSON: ${value.slice(0, 200)}`, {
        ...options,
        cause,
        reason: "invalid_tool_arguments",
        excerpt: value,
      });
    }
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
  }
  const text = typeof value === "string" ? value : JSON.stringify(value);
  throw new ProtocolError(`Tool "${toolName}" arguments are not a JSON object: ${text.slice(0, 200)}`, {
    ...options,
    reason: "invalid_tool_arguments",
    excerpt: text,
  });
}

let counter = 0;

/** A fresh tool-call id (`call_` + 24 random-ish hex chars), for providers that send none. */
export function createToolCallId(): string {
  counter = (counter + 1) % 0x1000000;
  const random = Math.floor(Math.random() * 0xffffffffffff)
    .toString(16)
    .padStart(12, "0");
  return `call_${Date.now().toString(16).slice(-6)}${counter.toString(16).padStart(6, "0")}${random}`;
}
