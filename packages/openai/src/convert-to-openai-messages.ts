import type { AdapterErrorOptions, Message, ToolCall } from "@x/core";
import { invalidRequest } from "@x/core/http";

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

const DATA_IMAGE_URL = /^data:image\/[a-z0-9.+-]+;base64,/i;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * Translates checked universal messages (see `checkStreamInput`) to Chat Completions messages:
 * images become content parts, assistant tool calls carry their arguments as JSON strings, tool
 * results carry `tool_call_id`. Assistant `thinking` is not sent back (Chat Completions has no
 * field for it). What Chat Completions cannot carry (images on a message other than a user's,
 * an image that is neither base64, a `data:image/...;base64,` URL nor an http(s) URL, tool-call
 * arguments JSON cannot serialise) throws `InvalidRequestError`.
 */
export function convertToOpenAIMessages(
  messages: readonly Message[],
  errors: AdapterErrorOptions,
): OpenAIMessage[] {
  const out: OpenAIMessage[] = [];
  for (let i = 0; i < messages.length; i++) {
    out.push(convertMessage(messages[i] as Message, `messages[${i}]`, errors));
  }
  return out;
}

function convertMessage(
  message: Message,
  where: string,
  errors: AdapterErrorOptions,
): OpenAIMessage {
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
      return convertToolResult(message);
  }
}

function convertUser(message: Message, where: string, errors: AdapterErrorOptions): OpenAIMessage {
  const images = message.images;
  if (images === undefined || images.length === 0) {
    return { role: "user", content: message.content };
  }
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
  if (calls === undefined || calls.length === 0) {
    return { role: "assistant", content: message.content };
  }
  return {
    role: "assistant",
    content: message.content === "" ? null : message.content,
    tool_calls: calls.map((call, i) => convertToolCall(call, `${where}.toolCalls[${i}]`, errors)),
  };
}

function convertToolCall(call: ToolCall, where: string, errors: AdapterErrorOptions) {
  let args: string;
  try {
    args = JSON.stringify(call.arguments);
  } catch (cause) {
    throw invalidRequest(`${where}.arguments cannot be serialised as JSON`, errors, cause);
  }
  return { id: call.id, type: "function" as const, function: { name: call.name, arguments: args } };
}

function convertToolResult(message: Message): OpenAIMessage {
  const id = message.toolCallId;
  if (id === undefined) return { role: "tool", content: message.content };
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
function toImageUrl(image: unknown): string | undefined {
  if (typeof image !== "string" || image === "") return undefined;
  if (/^https?:\/\//i.test(image)) return image;
  if (image.startsWith("data:")) return DATA_IMAGE_URL.test(image) ? image : undefined;
  return BASE64.test(image) ? `data:${mediaType(image)};base64,${image}` : undefined;
}
