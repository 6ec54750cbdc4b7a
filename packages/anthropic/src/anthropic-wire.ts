// The Messages API's wire shapes, as far as this adapter reads or writes them. Only the types
// users may meet on `done.raw` or pass back in `anthropicContent` are exported from the package.
// Reference: https://docs.anthropic.com/en/api/messages-streaming

/**
 * One content block of an Anthropic message, as the API sends and accepts it: `text`,
 * `thinking` (with its `signature`), `redacted_thinking` (opaque `data`), `tool_use`, and any
 * block type this adapter does not interpret (server tools, citations), kept as received.
 */
export interface AnthropicContentBlock {
  /** `"text"`, `"thinking"`, `"redacted_thinking"`, `"tool_use"`, `"image"`, `"tool_result"`, ... */
  type: string;
  /** Every other field of the block, as the API defines it for that type. */
  [field: string]: unknown;
}

/** Token counts as the API reports them (`message_start`, updated by `message_delta`). */
export interface AnthropicUsage {
  /** Uncached prompt tokens. */
  input_tokens?: number | null;
  /** Generated tokens, thinking included. */
  output_tokens?: number | null;
  /** Prompt tokens written to the cache. */
  cache_creation_input_tokens?: number | null;
  /** Prompt tokens read from the cache. */
  cache_read_input_tokens?: number | null;
  /** Breakdown of `output_tokens` (newer API versions). */
  output_tokens_details?: { thinking_tokens?: number | null } | null;
  /** Any other usage field the API reports (`server_tool_use`, `service_tier`, ...). */
  [field: string]: unknown;
}

/**
 * The whole assistant message a stream carried, assembled from its events: what
 * `done.raw` holds, and what `@anthropic-ai/sdk`'s `finalMessage()` would return. Its
 * `content` is what a follow-up request must send back for extended thinking with tools (see
 * `AnthropicInputMessage.anthropicContent`).
 */
export interface AnthropicResponseMessage {
  /** The message id (`msg_...`). */
  id: string;
  /** Always `"message"`. */
  type: "message";
  /** Always `"assistant"`. */
  role: "assistant";
  /** The model that answered. */
  model: string;
  /** Every content block, in order: thinking with its signature, text, tool_use with parsed input, ... */
  content: AnthropicContentBlock[];
  /** `end_turn`, `max_tokens`, `stop_sequence`, `tool_use`, `pause_turn`, `refusal`, ... */
  stop_reason: string | null;
  /** The stop sequence that ended the answer, if one did. */
  stop_sequence: string | null;
  /** Token counts, merged from `message_start` and `message_delta`. */
  usage: AnthropicUsage;
}

/** One `data:` payload of the stream, loosely typed: fields are checked where they are read. @internal */
export interface AnthropicEvent {
  type: string;
  index?: unknown;
  message?: {
    id?: unknown;
    model?: unknown;
    usage?: AnthropicUsage;
    [field: string]: unknown;
  };
  content_block?: AnthropicContentBlock;
  delta?: {
    type?: unknown;
    text?: unknown;
    thinking?: unknown;
    signature?: unknown;
    partial_json?: unknown;
    citation?: unknown;
    stop_reason?: unknown;
    stop_sequence?: unknown;
  };
  usage?: AnthropicUsage;
  error?: { type?: unknown; message?: unknown };
}
