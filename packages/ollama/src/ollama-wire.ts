/**
 * Private wire shapes of Ollama's `/api/chat`, `/api/tags` (see shared/protocols/ollama.md).
 * Everything is optional: frames are narrowed field by field at the boundary.
 * @internal
 */

/** `message.tool_calls[]` as Ollama sends and accepts it. */
export interface OllamaWireToolCall {
  id?: string;
  function?: { index?: number; name?: string; arguments?: unknown };
}

/** A message on the wire (request or response). */
export interface OllamaWireMessage {
  role: string;
  content: string;
  thinking?: string;
  images?: string[];
  tool_calls?: OllamaWireToolCall[];
  tool_name?: string;
  tool_call_id?: string;
}

/** One NDJSON line of a `/api/chat` stream. */
export interface OllamaChatFrame {
  model?: string;
  created_at?: string;
  message?: {
    role?: string;
    content?: unknown;
    thinking?: unknown;
    tool_calls?: unknown;
  } | null;
  done?: boolean;
  done_reason?: string;
  total_duration?: number;
  load_duration?: number;
  prompt_eval_count?: number;
  prompt_eval_duration?: number;
  eval_count?: number;
  eval_duration?: number;
  error?: unknown;
}

/** The `/api/chat` request body. */
export interface OllamaChatRequest {
  model: string;
  messages: OllamaWireMessage[];
  stream: true;
  tools?: unknown[];
  think?: boolean | string;
  format?: unknown;
  options?: Record<string, unknown>;
  keep_alive?: number | string;
  [key: string]: unknown;
}
