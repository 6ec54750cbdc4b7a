export type { AnthropicAdapterOptions } from "./anthropic-adapter.js";
export { ANTHROPIC_VERSION, AnthropicAdapter } from "./anthropic-adapter.js";
export type { AnthropicProtocolErrorOptions } from "./anthropic-errors.js";
export { AnthropicProtocolError, AnthropicUnavailableError } from "./anthropic-errors.js";
export type {
  AnthropicContentBlock,
  AnthropicResponseMessage,
  AnthropicUsage,
} from "./anthropic-wire.js";
export { DEFAULT_MAX_TOKENS, THINKING_BUDGETS } from "./build-anthropic-request.js";
export type { AnthropicInputMessage } from "./convert-to-anthropic-messages.js";
