import type { ToolCall } from "./tool-call.js";

/** Who wrote a {@link Message}. */
export type Role = "system" | "user" | "assistant" | "tool";

/**
 * One provider-neutral chat message. Each adapter translates it to its wire format.
 *
 * - `system` / `user`: `content`, and on `user` optionally `images`.
 * - `assistant`: `content`, optionally the earlier `thinking` and the `toolCalls` it made.
 * - `tool`: the result of one tool call: `content` is the result text, `toolCallId` pairs it
 *   with {@link ToolCall.id} and `name` names the tool.
 */
export interface Message {
  /** Who wrote the message. */
  role: Role;
  /** The text. Always a string; use `""` when an assistant message carries only tool calls. */
  content: string;
  /**
   * Images attached to a `user` message: base64 strings (no `data:` prefix), `data:` URLs, or
   * `http(s)` URLs. Adapters convert to what their wire format accepts and reject what it cannot
   * carry with an `InvalidRequestError` before sending anything.
   */
  images?: string[];
  /** On `assistant` messages: the reasoning the model produced, sent back in history. */
  thinking?: string;
  /** On `assistant` messages: the tool calls it made, with parsed arguments. */
  toolCalls?: ToolCall[];
  /** On `tool` messages: the {@link ToolCall.id} this result answers. */
  toolCallId?: string;
  /** On `tool` messages: the name of the tool that produced this result. */
  name?: string;
}
