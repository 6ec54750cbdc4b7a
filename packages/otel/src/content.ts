import type { Message, StreamChunk, ToolCall, ToolDefinition } from "@x/core";
import { redact } from "@x/core/http";

// Message content in the shapes of the conventions' JSON schemas (gen-ai-input-messages.json,
// gen-ai-output-messages.json, v1.41.0): `{ role, parts: [{ type, ... }] }`. Recorded only when
// the application sets `captureContent`, and redacted like error messages even then.

type Part = Record<string, unknown> & { type: string };

function imagePart(image: string): Part {
  if (/^https?:\/\//i.test(image)) return { type: "uri", modality: "image", uri: image };
  // Inline bytes (base64 or a data: URL) would make a span megabytes long: say one was there.
  const mime = /^data:([^;,]+)/i.exec(image)?.[1];
  return { type: "image", modality: "image", ...(mime ? { mime_type: mime } : {}), omitted: true };
}

function toolCallPart(call: ToolCall): Part {
  return { type: "tool_call", id: call.id, name: call.name, arguments: call.arguments };
}

function partsOf(message: Message): Part[] {
  if (message.role === "tool") {
    return [
      { type: "tool_call_response", id: message.toolCallId ?? null, response: message.content },
    ];
  }
  const parts: Part[] = [];
  if (message.thinking) parts.push({ type: "reasoning", content: message.thinking });
  if (message.content !== "") parts.push({ type: "text", content: message.content });
  for (const image of message.images ?? []) parts.push(imagePart(image));
  for (const call of message.toolCalls ?? []) parts.push(toolCallPart(call));
  return parts;
}

/** `gen_ai.input.messages` as a JSON string, redacted. */
export function inputMessagesJson(
  messages: readonly Message[],
  secrets: readonly string[],
): string {
  const out = messages.map((message) => ({
    role: message.role,
    parts: partsOf(message),
    ...(message.name && message.role !== "tool" ? { name: message.name } : {}),
  }));
  return redact(JSON.stringify(out), secrets);
}

/** `gen_ai.tool.definitions` as a JSON string, redacted. */
export function toolDefinitionsJson(
  tools: readonly ToolDefinition[],
  secrets: readonly string[],
): string {
  const out = tools.map((tool) => ({
    type: tool.type,
    name: tool.function.name,
    ...(tool.function.description ? { description: tool.function.description } : {}),
    ...(tool.function.parameters ? { parameters: tool.function.parameters } : {}),
  }));
  return redact(JSON.stringify(out), secrets);
}

/** The answer as it streams, for `gen_ai.output.messages`. */
export class OutputRecorder {
  #content = "";
  #thinking = "";
  #toolCalls: ToolCall[] = [];

  /** Takes in one chunk; a `reset` discards everything before it, as the consumer must. */
  add(chunk: StreamChunk): void {
    switch (chunk.type) {
      case "content":
        this.#content += chunk.content;
        break;
      case "thinking":
        this.#thinking += chunk.thinking;
        break;
      case "tool_calls":
        this.#toolCalls.push(...chunk.toolCalls);
        break;
      case "reset":
        this.#content = "";
        this.#thinking = "";
        this.#toolCalls = [];
        break;
      default:
        break;
    }
  }

  /** `gen_ai.output.messages` as a JSON string, redacted. */
  json(finishReason: string, secrets: readonly string[]): string {
    const parts: Part[] = [];
    if (this.#thinking !== "") parts.push({ type: "reasoning", content: this.#thinking });
    if (this.#content !== "") parts.push({ type: "text", content: this.#content });
    for (const call of this.#toolCalls) parts.push(toolCallPart(call));
    const out = [{ role: "assistant", parts, finish_reason: finishReason }];
    return redact(JSON.stringify(out), secrets);
  }
}
