import type { Message } from "@x/core";

/** A Chat Completions message as sent on the wire. @internal */
export type OpenAIMessage =
  | { role: "system" | "user"; content: string | OpenAIContentPart[] }
  | { role: "assistant"; content: string | null; tool_calls?: OpenAIToolCall[] }
  | { role: "tool"; content: string; tool_call_id: string };

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

/** Guesses an image's media type from the first bytes of its base64 text. */
function mediaType(base64: string): string {
  if (base64.startsWith("/9j/")) return "image/jpeg";
  if (base64.startsWith("R0lGOD")) return "image/gif";
  if (base64.startsWith("UklGR")) return "image/webp";
  return "image/png";
}

/** An image as OpenAI's `image_url.url`: http(s) and data: URLs as they are, base64 as a data: URL. */
export function toImageUrl(image: string): string {
  if (image.startsWith("data:") || image.startsWith("http://") || image.startsWith("https://")) {
    return image;
  }
  return `data:${mediaType(image)};base64,${image}`;
}

/**
 * Translates universal messages to Chat Completions messages: images become content parts,
 * assistant tool calls carry their arguments as JSON strings, tool results carry `tool_call_id`.
 * Assistant `thinking` is not sent back (Chat Completions has no field for it).
 */
export function convertToOpenAIMessages(messages: readonly Message[]): OpenAIMessage[] {
  const out: OpenAIMessage[] = [];
  for (const message of messages) {
    switch (message.role) {
      case "system":
        out.push({ role: "system", content: message.content });
        break;
      case "user":
        if (message.images && message.images.length > 0) {
          const parts: OpenAIContentPart[] = [];
          if (message.content !== "") parts.push({ type: "text", text: message.content });
          for (const image of message.images) {
            parts.push({ type: "image_url", image_url: { url: toImageUrl(image) } });
          }
          out.push({ role: "user", content: parts });
        } else {
          out.push({ role: "user", content: message.content });
        }
        break;
      case "assistant": {
        const calls = message.toolCalls;
        if (calls && calls.length > 0) {
          out.push({
            role: "assistant",
            content: message.content === "" ? null : message.content,
            tool_calls: calls.map((call) => ({
              id: call.id,
              type: "function",
              function: { name: call.name, arguments: JSON.stringify(call.arguments) },
            })),
          });
        } else {
          out.push({ role: "assistant", content: message.content });
        }
        break;
      }
      case "tool":
        out.push({
          role: "tool",
          content: message.content,
          tool_call_id: message.toolCallId ?? "",
        });
        break;
    }
  }
  return out;
}
