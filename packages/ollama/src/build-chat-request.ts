import type { Message, StreamOptions } from "@x/core";
import { type ConvertContext, convertToOllamaMessages } from "./convert-to-ollama-messages.js";
import type { OllamaChatRequest } from "./ollama-wire.js";

/**
 * `providerOptions` keys that are top-level `/api/chat` fields rather than model `options`
 * (api/types.go ChatRequest). Every other key is merged into `options`.
 */
const TOP_LEVEL_KEYS = new Set([
  "keep_alive",
  "think",
  "format",
  "truncate",
  "shift",
  "logprobs",
  "top_logprobs",
]);

/** Inputs for {@link buildChatRequest}. @internal */
export interface BuildChatRequestInput extends ConvertContext {
  messages: readonly Message[];
  options: StreamOptions;
  keepAlive: number | string | undefined;
}

/** Builds the `/api/chat` body (always `stream: true`). @internal */
export function buildChatRequest(input: BuildChatRequestInput): OllamaChatRequest {
  const { options } = input;
  const body: OllamaChatRequest = {
    model: input.model,
    messages: convertToOllamaMessages(input.messages, input),
    stream: true,
  };
  // Ollama has no tool_choice: "none" is expressed by not offering the tools at all.
  if (options.tools && options.tools.length > 0 && options.toolChoice !== "none") {
    body.tools = options.tools;
  }
  if (options.think !== undefined) body.think = options.think;
  const format = options.responseFormat;
  if (format !== undefined) body.format = format === "json" ? "json" : format.schema;
  if (input.keepAlive !== undefined) body.keep_alive = input.keepAlive;

  const modelOptions: Record<string, unknown> = {};
  if (options.temperature !== undefined) modelOptions.temperature = options.temperature;
  if (options.topP !== undefined) modelOptions.top_p = options.topP;
  if (options.maxTokens !== undefined) modelOptions.num_predict = options.maxTokens;
  if (options.stop !== undefined && options.stop.length > 0) modelOptions.stop = options.stop;
  if (options.seed !== undefined) modelOptions.seed = options.seed;
  if (options.providerOptions) {
    for (const [key, value] of Object.entries(options.providerOptions)) {
      if (TOP_LEVEL_KEYS.has(key)) body[key] = value;
      else modelOptions[key] = value;
    }
  }
  if (Object.keys(modelOptions).length > 0) body.options = modelOptions;
  return body;
}
