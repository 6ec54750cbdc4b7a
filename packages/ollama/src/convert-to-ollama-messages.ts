import { InvalidRequestError, type Message } from "@x/core";
import type { OllamaWireMessage, OllamaWireToolCall } from "./ollama-wire.js";

/** Context for errors raised while converting. @internal */
export interface ConvertContext {
  provider: string;
  model: string;
}

/**
 * Translates universal messages to Ollama's `/api/chat` messages: images as bare base64 (a
 * `data:` URL prefix is stripped; http(s) URLs cannot be sent and throw `InvalidRequestError`
 * before anything goes on the wire), assistant `tool_calls` with object arguments and their
 * index, tool results with `tool_name` and `tool_call_id` (the name is looked up from the
 * earlier call when the message does not carry it).
 */
export function convertToOllamaMessages(
  messages: readonly Message[],
  context: ConvertContext,
): OllamaWireMessage[] {
  const toolNames = new Map<string, string>();
  const out: OllamaWireMessage[] = [];
  for (const message of messages) {
    const wire: OllamaWireMessage = { role: message.role, content: message.content ?? "" };
    if (message.images && message.images.length > 0) {
      wire.images = message.images.map((image) => toBareBase64(image, context));
    }
    if (message.role === "assistant") {
      if (message.thinking) wire.thinking = message.thinking;
      if (message.toolCalls && message.toolCalls.length > 0) {
        wire.tool_calls = message.toolCalls.map((call, index): OllamaWireToolCall => {
          toolNames.set(call.id, call.name);
          return { id: call.id, function: { index, name: call.name, arguments: call.arguments } };
        });
      }
    } else if (message.role === "tool") {
      const name =
        message.name ?? (message.toolCallId ? toolNames.get(message.toolCallId) : undefined);
      if (name) wire.tool_name = name;
      if (message.toolCallId) wire.tool_call_id = message.toolCallId;
    }
    out.push(wire);
  }
  return out;
}

const DATA_URL_BASE64 = /^data:[^,]*;base64,/i;

function toBareBase64(image: string, context: ConvertContext): string {
  if (image.startsWith("data:")) {
    const match = DATA_URL_BASE64.exec(image);
    if (match) return image.slice(match[0].length);
    throw invalid("Ollama accepts images as base64 only; this data: URL is not base64", context);
  }
  if (/^https?:\/\//i.test(image)) {
    throw invalid(
      "Ollama cannot fetch image URLs; download the image and pass it as base64",
      context,
    );
  }
  return image;
}

function invalid(message: string, context: ConvertContext): InvalidRequestError {
  // Status 0: raised before sending, no HTTP exchange happened.
  return new InvalidRequestError(`${context.provider}: ${message}`, {
    provider: context.provider,
    model: context.model,
    status: 0,
  });
}
