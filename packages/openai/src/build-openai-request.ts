import type { Message, StreamOptions, ToolChoice } from "@x/core";
import { convertToOpenAIMessages } from "./convert-to-openai-messages.js";

/** Request-shaping settings resolved from the adapter options. @internal */
export interface RequestSettings {
  model: string;
  includeUsage: boolean;
  maxTokensField: "max_tokens" | "max_completion_tokens";
  reasoningEffort: boolean;
}

/** `stream_options` asking for the usage chunk: shared, only ever serialised. */
const INCLUDE_USAGE = Object.freeze({ include_usage: true });

function toolChoice(choice: ToolChoice): unknown {
  return typeof choice === "string"
    ? choice
    : { type: "function", function: { name: choice.name } };
}

/**
 * Builds the `POST /chat/completions` body: messages, tools, sampling options, response format,
 * `stream_options.include_usage`, reasoning effort, then `providerOptions` merged on top.
 */
export function buildOpenAIRequest(
  messages: readonly Message[],
  options: StreamOptions,
  settings: RequestSettings,
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model: settings.model,
    messages: convertToOpenAIMessages(messages),
    stream: true,
  };
  if (settings.includeUsage) body.stream_options = INCLUDE_USAGE;
  if (options.tools && options.tools.length > 0) body.tools = options.tools;
  if (options.toolChoice !== undefined) body.tool_choice = toolChoice(options.toolChoice);
  if (options.temperature !== undefined) body.temperature = options.temperature;
  if (options.topP !== undefined) body.top_p = options.topP;
  if (options.maxTokens !== undefined) body[settings.maxTokensField] = options.maxTokens;
  if (options.stop !== undefined && options.stop.length > 0) body.stop = options.stop;
  if (options.seed !== undefined) body.seed = options.seed;
  const format = options.responseFormat;
  if (format === "json") {
    body.response_format = { type: "json_object" };
  } else if (format !== undefined) {
    const schema: Record<string, unknown> = {
      name: format.name ?? "response",
      schema: format.schema,
    };
    if (format.strict !== undefined) schema.strict = format.strict;
    body.response_format = { type: "json_schema", json_schema: schema };
  }
  const think = options.think;
  if (settings.reasoningEffort && think !== undefined && think !== false) {
    body.reasoning_effort = think === true ? "medium" : think;
  }
  if (options.providerOptions) Object.assign(body, options.providerOptions);
  return body;
}
