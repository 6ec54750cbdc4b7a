import type { Message } from "@x/core";
import { invalidRequest } from "@x/core/http";
import type { ErrorContext } from "./map-ollama-error.js";
import type { OllamaWireMessage } from "./ollama-wire.js";

/**
 * Translates checked universal messages (see `checkStreamInput`) to Ollama's `/api/chat`
 * messages: images as bare base64 (a `data:` URL prefix is stripped; http(s) URLs cannot be
 * sent), assistant `thinking` and `tool_calls` with object arguments and their index, tool
 * results with `tool_name` and `tool_call_id` (the name is looked up from the earlier call when
 * the message does not carry it).
 *
 * An image Ollama cannot take throws `InvalidRequestError` (status 0: nothing was sent).
 * @internal
 */
export function convertToOllamaMessages(
  messages: readonly Message[],
  context: ErrorContext,
): OllamaWireMessage[] {
  const toolNames = new Map<string, string>();
  return messages.map((message, index) => convertMessage(message, index, toolNames, context));
}

function convertMessage(
  message: Message,
  index: number,
  toolNames: Map<string, string>,
  context: ErrorContext,
): OllamaWireMessage {
  const wire: OllamaWireMessage = { role: message.role, content: message.content };
  if (message.images !== undefined) {
    wire.images = message.images.map((image, i) =>
      convertImage(image, `messages[${index}].images[${i}]`, context),
    );
  }
  if (message.role === "assistant") {
    if (message.thinking !== undefined && message.thinking !== "") {
      wire.thinking = message.thinking;
    }
    if (message.toolCalls !== undefined && message.toolCalls.length > 0) {
      wire.tool_calls = message.toolCalls.map((call, i) => {
        toolNames.set(call.id, call.name);
        return { id: call.id, function: { index: i, name: call.name, arguments: call.arguments } };
      });
    }
  } else if (message.role === "tool") {
    const id = message.toolCallId;
    const toolName = message.name ?? (id === undefined ? undefined : toolNames.get(id));
    if (toolName !== undefined) wire.tool_name = toolName;
    if (id !== undefined) wire.tool_call_id = id;
  }
  return wire;
}

const DATA_URL_BASE64 = /^data:[^,]*;base64,/i;

/** An image as Ollama takes it: bare base64. */
function convertImage(image: string, where: string, context: ErrorContext): string {
  if (image.startsWith("data:")) {
    const match = DATA_URL_BASE64.exec(image);
    if (match) return image.slice(match[0].length);
    throw invalidRequest(
      `${where}: Ollama accepts images as base64 only; this data: URL is not base64`,
      context,
    );
  }
  if (/^https?:\/\//i.test(image)) {
    throw invalidRequest(
      `${where}: Ollama cannot fetch image URLs; download the image and pass it as base64`,
      context,
    );
  }
  return image;
}

/** A plain object (not null, not an array). @internal */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
