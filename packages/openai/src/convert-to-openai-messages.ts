import type { AdapterErrorOptions, Message, ToolCall } from "@x/core";
import { invalidRequest } from "./map-openai-error.js";

/** A Chat Completions message as sent on the wire. @internal */
export type OpenAIMessage =
  | { role: "system" | "user"; content: string | OpenAIContentPart[] }
  | { role: "assistant"; content: string | null; tool_calls?: OpenAIToolCall[] }
  | { role: "tool"; content: string; tool_call_id?: string };

/** A content part of a user message. @internal */
export type OpenAIContentPart =
  | { type: "text"; text: string }
  | { type: "image_url"; image_url: { url: string } };

/** A tool call in an assistant message (arguments as a JSON string). @internal */
export interface OpenAIToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

const ROLES = new Set(["system", "user", "assistant", "tool"]);
const DATA_IMAGE_URL = /^data:image\/[a-z0-9.+-]+;base64,/i;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * Translates universal messages to Chat Completions messages, checking each as it goes: images
 * become content parts, assistant tool calls carry their arguments as JSON strings, tool results
 * carry `tool_call_id`. Assistant `thinking` is not sent back (Chat Completions has no field for
 * it). Anything malformed (not an array, an unknown role, non-string content, an image that is
 * neither base64, a `data:image/...;base64,` URL nor an http(s) URL) throws `InvalidRequestError`.
 */
export function convertToOpenAIMessages(
  messages: unknown,
  errors: AdapterErrorOptions,
): OpenAIMessage[] {
  if (!Array.isArray(messages)) {
    throw invalidRequest("messages must be an array of messages", errors);
  }
  const out: OpenAIMessage[] = [];
  for (let i = 0; i < messages.length; i++) {
    out.push(convertMessage(messages[i], i, errors));
  }
  return out;
}

function convertMessage(value: unknown, index: number, errors: AdapterErrorOptions): OpenAIMessage {
  const where = `messages[${index}]`;
  if (typeof value !== "object" || value === null) {
    throw invalidRequest(`${where} is not a message object`, errors);
  }
  const message = value as Message;
  if (!ROLES.has(message.role)) {
    throw invalidRequest(`${where}.role must be system, user, assistant or tool`, errors);
  }
  if (typeof message.content !== "string") {
    throw invalidRequest(`${where}.content must be a string`, errors);
  }
  if (message.images !== undefined && message.role !== "user") {
    throw invalidRequest(`${where}: images are only sent on user messages`, errors);
  }
  switch (message.role) {
    case "system":
      return { role: "system", content: message.content };
    case "user":
      return convertUser(message, where, errors);
    case "assistant":
      return convertAssistant(message, where, errors);
    default:
      return convertToolResult(message, where, errors);
  }
}

function convertUser(message: Message, where: string, errors: AdapterErrorOptions): OpenAIMessage {
  const images = message.images;
  if (images === undefined || (Array.isArray(images) && images.length === 0)) {
    return { role: "user", content: message.content };
  }
  if (!Array.isArray(images)) throw invalidRequest(`${where}.images must be an array`, errors);
  const parts: OpenAIContentPart[] = [];
  if (message.content !== "") parts.push({ type: "text", text: message.content });
  for (let i = 0; i < images.length; i++) {
    const url = toImageUrl(images[i]);
    if (url === undefined) {
      throw invalidRequest(
        `${where}.images[${i}]: OpenAI takes base64, a data:image/...;base64 URL or an http(s) URL`,
        errors,
      );
    }
    parts.push({ type: "image_url", image_url: { url } });
  }
  return { role: "user", content: parts };
}

function convertAssistant(
  message: Message,
  where: string,
  errors: AdapterErrorOptions,
): OpenAIMessage {
  const calls = message.toolCalls;
  if (calls === undefined || (Array.isArray(calls) && calls.length === 0)) {
    return { role: "assistant", content: message.content };
  }
  if (!Array.isArray(calls)) throw invalidRequest(`${where}.toolCalls must be an array`, errors);
  return {
    role: "assistant",
    content: message.content === "" ? null : message.content,
    tool_calls: calls.map((call, i) => convertToolCall(call, `${where}.toolCalls[${i}]`, errors)),
  };
}

function convertToolCall(call: ToolCall, where: string, errors: AdapterErrorOptions) {
  const ok =
    typeof call === "object" &&
    call !== null &&
    typeof call.id === "string" &&
    typeof call.name === "string" &&
    typeof call.arguments === "object" &&
    call.arguments !== null;
  if (!ok)
    throw invalidRequest(`${where} needs a string id and name and an arguments object`, errors);
  let args: string;
  try {
    args = JSON.stringify(call.arguments);
  } catch (cause) {
    throw invalidRequest(`${where}.arguments cannot be serialised as JSON`, errors, cause);
  }
  return { id: call.id, type: "function" as const, function: { name: call.name, arguments: args } };
}

function convertToolResult(
  message: Message,
  where: string,
  errors: AdapterErrorOptions,
): OpenAIMessage {
  const id = message.toolCallId;
  if (id === undefined) return { role: "tool", content: message.content };
  if (typeof id !== "string") throw invalidRequest(`${where}.toolCallId must be a string`, errors);
  return { role: "tool", content: message.content, tool_call_id: id };
}

/** Guesses an image's media type from the first bytes of its base64 text. */
function mediaType(base64: string): string {
  if (base64.startsWith("/9j/")) return "image/jpeg";
  if (base64.startsWith("R0lGOD")) return "image/gif";
  if (base64.startsWith("UklGR")) return "image/webp";
  return "image/png";
}

/**
 * An image as OpenAI's `image_url.url`: http(s) and `data:image/...;base64,` URLs as they are,
 * bare base64 as a data: URL; `undefined` for anything else (other schemes, non-base64 text).
 */
export function toImageUrl(image: unknown): string | undefined {
  if (typeof image !== "string" || image === "") return undefined;
  if (/^https?:\/\//i.test(image)) return image;
  if (image.startsWith("data:")) return DATA_IMAGE_URL.test(image) ? image : undefined;
  return BASE64.test(image) ? `data:${mediaType(image)};base64,${image}` : undefined;
}
