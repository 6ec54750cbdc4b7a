import type { Message } from "@x/core";
import { invalidRequest } from "@x/core/http";
import type { AnthropicContentBlock } from "./anthropic-wire.js";
import type { ErrorContext } from "./map-anthropic-error.js";

/**
 * A {@link Message} that may carry Anthropic content blocks. `stream()` accepts plain
 * `Message`s; this is for follow-up requests that must send back what only Anthropic's blocks
 * hold (thinking signatures, redacted thinking).
 */
export interface AnthropicInputMessage extends Message {
  /**
   * On `assistant` messages: the content blocks to send instead of `content`, `thinking` and
   * `toolCalls`, as received. Pass `(done.raw as AnthropicResponseMessage).content` back when
   * extended thinking is on and the answer made tool calls: the API then requires the thinking
   * blocks with their signatures (`thinking` text alone cannot be sent back).
   */
  anthropicContent?: AnthropicContentBlock[];
}

/** A message on the wire: `user` or `assistant`, always with content blocks. @internal */
export interface AnthropicWireMessage {
  role: "user" | "assistant";
  content: AnthropicContentBlock[];
}

/** The translated conversation. @internal */
export interface AnthropicConversation {
  /** The top-level `system` prompt: one string, or text blocks when there were several. */
  system: string | AnthropicContentBlock[] | undefined;
  messages: AnthropicWireMessage[];
}

const MEDIA_TYPES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);

/**
 * `Message`s → Anthropic's `system` and `messages`:
 * - `system` messages, wherever they are, become the top-level `system` (the Messages API has
 *   no system role in `messages`);
 * - `user`: images (base64 or `url` source blocks) then the text;
 * - `assistant`: its text, then its tool calls as `tool_use` blocks (or `anthropicContent`
 *   verbatim); `thinking` without its signature cannot be sent and is left out;
 * - `tool`: a `tool_result` block (`tool_use_id` = `toolCallId`) in a user message;
 * - consecutive messages of one role are merged (the API wants user and assistant turns to
 *   alternate), with `tool_result` blocks first in a user turn, as the API requires;
 * - empty text is left out (the API refuses empty text blocks), and a final assistant message
 *   (a prefill) loses its trailing whitespace, which the API refuses too.
 * @throws `InvalidRequestError` for what the API cannot carry: images on system or assistant
 *   messages, images whose type cannot be told, a tool message without `toolCallId`, malformed
 *   `anthropicContent`.
 * @internal
 */
export function convertToAnthropicMessages(
  input: readonly AnthropicInputMessage[],
  context: ErrorContext,
): AnthropicConversation {
  const system: string[] = [];
  const messages: AnthropicWireMessage[] = [];
  input.forEach((message, i) => {
    const where = `messages[${i}]`;
    if (message.role === "system") {
      if (message.images?.length)
        throw invalidRequest(`${where}: a system message cannot carry images`, context);
      if (message.content !== "") system.push(message.content);
      return;
    }
    const content =
      message.role === "user"
        ? userBlocks(message, where, context)
        : message.role === "assistant"
          ? assistantBlocks(message, where, context)
          : [toolResult(message, where, context)];
    if (content.length === 0) return;
    const role = message.role === "assistant" ? "assistant" : "user";
    const last = messages.at(-1);
    if (last?.role === role) last.content.push(...content);
    else messages.push({ role, content });
  });
  for (const message of messages) {
    if (message.role === "user") message.content = toolResultsFirst(message.content);
  }
  trimPrefill(messages);
  return {
    system:
      system.length === 0
        ? undefined
        : system.length === 1
          ? system[0]
          : system.map((text) => ({ type: "text", text })),
    messages,
  };
}

function userBlocks(
  message: Message,
  where: string,
  context: ErrorContext,
): AnthropicContentBlock[] {
  const blocks = (message.images ?? []).map((image, j) =>
    imageBlock(image, `${where}.images[${j}]`, context),
  );
  if (message.content !== "") blocks.push({ type: "text", text: message.content });
  return blocks;
}

function assistantBlocks(
  message: AnthropicInputMessage,
  where: string,
  context: ErrorContext,
): AnthropicContentBlock[] {
  if (message.images?.length)
    throw invalidRequest(`${where}: an assistant message cannot carry images`, context);
  const verbatim = message.anthropicContent;
  if (verbatim !== undefined) {
    if (!Array.isArray(verbatim) || !verbatim.every((b) => typeof b?.type === "string")) {
      throw invalidRequest(
        `${where}.anthropicContent must be an array of content blocks ({ type })`,
        context,
      );
    }
    return verbatim.map((block) => ({ ...block }));
  }
  const blocks: AnthropicContentBlock[] = [];
  if (message.content !== "") blocks.push({ type: "text", text: message.content });
  for (const call of message.toolCalls ?? []) {
    blocks.push({ type: "tool_use", id: call.id, name: call.name, input: call.arguments });
  }
  return blocks;
}

function toolResult(message: Message, where: string, context: ErrorContext): AnthropicContentBlock {
  if (message.toolCallId === undefined || message.toolCallId === "") {
    throw invalidRequest(`${where}: a tool message needs the toolCallId it answers`, context);
  }
  const images = (message.images ?? []).map((image, j) =>
    imageBlock(image, `${where}.images[${j}]`, context),
  );
  const content =
    images.length === 0
      ? message.content
      : [...(message.content === "" ? [] : [{ type: "text", text: message.content }]), ...images];
  return { type: "tool_result", tool_use_id: message.toolCallId, content };
}

/** An image as a `base64` source (raw base64 or a `data:` URL) or a `url` source (http/https). */
function imageBlock(image: string, where: string, context: ErrorContext): AnthropicContentBlock {
  if (/^https?:\/\//i.test(image)) return { type: "image", source: { type: "url", url: image } };
  let mediaType: string | undefined;
  let data = image;
  if (image.startsWith("data:")) {
    const match = /^data:([^;,]+);base64,/i.exec(image);
    if (!match) throw invalidRequest(`${where} is a data: URL without ;base64`, context);
    mediaType = match[1]!.toLowerCase();
    data = image.slice(match[0].length);
  } else {
    mediaType = sniffMediaType(image);
  }
  if (mediaType === undefined || !MEDIA_TYPES.has(mediaType)) {
    throw invalidRequest(
      `${where}: Anthropic takes JPEG, PNG, GIF or WebP images (raw base64 of one of them, a data: URL or an http(s) URL)`,
      context,
    );
  }
  return { type: "image", source: { type: "base64", media_type: mediaType, data } };
}

/** The image type of raw base64, from the file's first bytes. */
function sniffMediaType(base64: string): string | undefined {
  if (base64.startsWith("iVBORw0KGgo")) return "image/png";
  if (base64.startsWith("/9j/")) return "image/jpeg";
  if (base64.startsWith("R0lGOD")) return "image/gif";
  if (base64.startsWith("UklGR")) {
    const head = Buffer.from(base64.slice(0, 16), "base64");
    if (head.subarray(8, 12).toString("latin1") === "WEBP") return "image/webp";
  }
  return undefined;
}

/** The API wants a user turn's `tool_result` blocks before anything else in it. */
function toolResultsFirst(blocks: AnthropicContentBlock[]): AnthropicContentBlock[] {
  const results = blocks.filter((b) => b.type === "tool_result");
  if (results.length === 0 || results.length === blocks.length) return blocks;
  return [...results, ...blocks.filter((b) => b.type !== "tool_result")];
}

/** "final assistant content cannot end with trailing whitespace": trim a trailing prefill. */
function trimPrefill(messages: AnthropicWireMessage[]): void {
  const last = messages.at(-1);
  if (last?.role !== "assistant") return;
  const block = last.content.at(-1);
  if (block?.type !== "text" || typeof block.text !== "string") return;
  const text = block.text.trimEnd();
  if (text !== "") last.content[last.content.length - 1] = { ...block, text };
  else last.content.pop();
  if (last.content.length === 0) messages.pop();
}
