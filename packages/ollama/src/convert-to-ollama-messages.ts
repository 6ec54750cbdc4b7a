import type { Message } from "@x/core";
import { type ErrorContext, invalidRequest } from "./map-ollama-error.js";
import type { OllamaWireMessage, OllamaWireToolCall } from "./ollama-wire.js";

const ROLES = new Set(["system", "user", "assistant", "tool"]);

/**
 * Checks and translates universal messages to Ollama's `/api/chat` messages: images as bare
 * base64 (a `data:` URL prefix is stripped; http(s) URLs cannot be sent), assistant `tool_calls`
 * with object arguments and their index, tool results with `tool_name` and `tool_call_id` (the
 * name is looked up from the earlier call when the message does not carry it).
 *
 * Anything that is not a well-formed {@link Message} throws `InvalidRequestError` (status 0:
 * nothing was sent).
 * @internal
 */
export function convertToOllamaMessages(
  messages: unknown,
  context: ErrorContext,
): OllamaWireMessage[] {
  if (!Array.isArray(messages)) {
    throw invalidRequest("messages must be an array of messages", context);
  }
  const toolNames = new Map<string, string>();
  return messages.map((message, index) => convertMessage(message, index, toolNames, context));
}

function convertMessage(
  value: unknown,
  index: number,
  toolNames: Map<string, string>,
  context: ErrorContext,
): OllamaWireMessage {
  const where = `messages[${index}]`;
  if (!isRecord(value)) throw invalidRequest(`${where} must be an object`, context);
  const message = value as Partial<Message>;
  if (typeof message.role !== "string" || !ROLES.has(message.role)) {
    throw invalidRequest(`${where}.role must be system, user, assistant or tool`, context);
  }
  if (typeof message.content !== "string") {
    throw invalidRequest(`${where}.content must be a string (use "" for none)`, context);
  }
  const wire: OllamaWireMessage = { role: message.role, content: message.content };
  if (message.images !== undefined) wire.images = convertImages(message.images, where, context);
  if (message.role === "assistant") {
    if (message.thinking !== undefined) {
      if (typeof message.thinking !== "string") {
        throw invalidRequest(`${where}.thinking must be a string`, context);
      }
      if (message.thinking !== "") wire.thinking = message.thinking;
    }
    if (message.toolCalls !== undefined) {
      const calls = convertToolCalls(message.toolCalls, where, context);
      for (const call of calls) toolNames.set(call.id, call.function.name);
      if (calls.length > 0) wire.tool_calls = calls;
    }
  } else if (message.role === "tool") {
    const id = optionalString(message.toolCallId, `${where}.toolCallId`, context);
    const name = optionalString(message.name, `${where}.name`, context);
    const toolName = name ?? (id === undefined ? undefined : toolNames.get(id));
    if (toolName !== undefined) wire.tool_name = toolName;
    if (id !== undefined) wire.tool_call_id = id;
  }
  return wire;
}

type WireCall = OllamaWireToolCall & { id: string; function: { name: string } };

function convertToolCalls(value: unknown, where: string, context: ErrorContext): WireCall[] {
  if (!Array.isArray(value)) throw invalidRequest(`${where}.toolCalls must be an array`, context);
  return value.map((call: unknown, index): WireCall => {
    const at = `${where}.toolCalls[${index}]`;
    if (
      !isRecord(call) ||
      typeof call.id !== "string" ||
      typeof call.name !== "string" ||
      !isRecord(call.arguments)
    ) {
      throw invalidRequest(
        `${at} must be { id: string, name: string, arguments: object }`,
        context,
      );
    }
    return { id: call.id, function: { index, name: call.name, arguments: call.arguments } };
  });
}

const DATA_URL_BASE64 = /^data:[^,]*;base64,/i;

function convertImages(value: unknown, where: string, context: ErrorContext): string[] {
  if (!Array.isArray(value)) throw invalidRequest(`${where}.images must be an array`, context);
  return value.map((image: unknown) => {
    if (typeof image !== "string") {
      throw invalidRequest(`${where}.images must hold strings (base64 or data: URLs)`, context);
    }
    if (image.startsWith("data:")) {
      const match = DATA_URL_BASE64.exec(image);
      if (match) return image.slice(match[0].length);
      throw invalidRequest(
        "Ollama accepts images as base64 only; this data: URL is not base64",
        context,
      );
    }
    if (/^https?:\/\//i.test(image)) {
      throw invalidRequest(
        "Ollama cannot fetch image URLs; download the image and pass it as base64",
        context,
      );
    }
    return image;
  });
}

function optionalString(value: unknown, where: string, context: ErrorContext): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw invalidRequest(`${where} must be a string`, context);
  return value;
}

/** A plain object (not null, not an array). @internal */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
