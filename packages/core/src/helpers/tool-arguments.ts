import { type AdapterErrorOptions, ProtocolError } from "../errors/errors.js";
import { redact } from "../errors/redact.js";

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
    } catch (error) {
      throw new ProtocolError(
        `Tool "${toolName}" arguments are not valid JSON: ${excerptOf(value, options.secrets)}`,
        {
          ...options,
          cause: withoutJsonExcerpt(error),
          reason: "invalid_tool_arguments",
          excerpt: value,
        },
      );
    }
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
  }
  const text = typeof value === "string" ? value : describe(value);
  throw new ProtocolError(
    `Tool "${toolName}" arguments are not a JSON object: ${excerptOf(text, options.secrets)}`,
    { ...options, reason: "invalid_tool_arguments", excerpt: text },
  );
}

/** The first 200 characters of `text`, redacted before cutting so no key fragment survives. */
function excerptOf(text: string, secrets: readonly string[] | undefined): string {
  return redact(text.slice(0, 1024), secrets).slice(0, 200);
}

/** `value` as text for a message, for any type (`JSON.stringify` throws on BigInt, skips functions). */
function describe(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * V8's JSON errors quote the start of the input (`Unexpected token 'x', "{"key": sk-abc"... is
 * not valid JSON`), which may cut an API key too short to be recognised. Keep the error, drop the
 * quote; the text itself travels, redacted, as the ProtocolError's `excerpt`.
 */
function withoutJsonExcerpt(error: unknown): unknown {
  if (!(error instanceof SyntaxError)) return error;
  const quote = error.message.indexOf(', "');
  if (quote === -1) return error;
  return new SyntaxError(`${error.message.slice(0, quote)} in the JSON text`);
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
