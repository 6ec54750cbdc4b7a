import type {
  JsonSchema,
  StreamOptions,
  ThinkOption,
  Timeouts,
  ToolChoice,
  ToolDefinition,
} from "@x/core";
import { checkStreamInput, invalidRequest, mergeTimeouts } from "@x/core/http";
import type { AnthropicContentBlock } from "./anthropic-wire.js";
import {
  type AnthropicInputMessage,
  type AnthropicWireMessage,
  convertToAnthropicMessages,
} from "./convert-to-anthropic-messages.js";
import type { ErrorContext } from "./map-anthropic-error.js";

/** `max_tokens` when neither the adapter nor the call sets `maxTokens` (the API requires one). */
export const DEFAULT_MAX_TOKENS = 4096;

/**
 * `think` → `budget_tokens` (the API's minimum is 1024). `true` is `"medium"`. The budget is
 * added to `max_tokens`, since thinking counts toward it: `maxTokens` stays the answer's own.
 */
export const THINKING_BUDGETS = { low: 1024, medium: 4096, high: 16384 } as const;

/** A tool on the wire. @internal */
export interface AnthropicWireTool {
  name: string;
  description?: string;
  input_schema: JsonSchema;
}

/** The `POST /v1/messages` body. @internal */
export interface AnthropicWireRequest {
  model: string;
  max_tokens: number;
  stream: true;
  system?: string | AnthropicContentBlock[];
  messages: AnthropicWireMessage[];
  tools?: AnthropicWireTool[];
  tool_choice?: { type: "auto" | "any" | "none" | "tool"; name?: string };
  temperature?: number;
  top_p?: number;
  stop_sequences?: string[];
  thinking?: { type: "enabled"; budget_tokens: number } | { type: "disabled" };
  output_config?: { format: { type: "json_schema"; schema: JsonSchema } };
  [providerOption: string]: unknown;
}

/** A request ready to send. @internal */
export interface AnthropicRequest {
  /** The JSON body. */
  body: string;
  /** The limits for this call (adapter defaults, overridden field by field). */
  timeouts: Timeouts;
}

/** What the adapter contributes to every request. @internal */
export interface RequestDefaults {
  timeouts: Timeouts | undefined;
  maxTokens: number;
}

/**
 * Checks the caller's input and builds the request body. Bad input (wrong types, invalid
 * timeouts, what Anthropic cannot carry, options that cannot be serialised) throws
 * `InvalidRequestError`: the stream then fails from its first `next()`, and nothing is sent.
 *
 * `seed` is left out: the Messages API has none (`StreamOptions.seed` is "where supported").
 * @internal
 */
export function buildAnthropicRequest(
  messages: unknown,
  options: unknown,
  defaults: RequestDefaults,
  context: ErrorContext,
): AnthropicRequest {
  const input = checkStreamInput(messages, options, context);
  const o: StreamOptions = input.options;
  const conversation = convertToAnthropicMessages(
    input.messages as AnthropicInputMessage[],
    context,
  );
  const budget = thinkingBudget(o.think);
  const wire: AnthropicWireRequest = {
    model: context.model,
    max_tokens: (o.maxTokens ?? defaults.maxTokens) + (budget ?? 0),
    stream: true,
    messages: conversation.messages,
  };
  if (conversation.system !== undefined) wire.system = conversation.system;
  if (o.tools && o.tools.length > 0) wire.tools = o.tools.map(toWireTool);
  if (o.toolChoice !== undefined) wire.tool_choice = toWireToolChoice(o.toolChoice);
  if (o.temperature !== undefined) wire.temperature = o.temperature;
  if (o.topP !== undefined) wire.top_p = o.topP;
  if (o.stop !== undefined && o.stop.length > 0) wire.stop_sequences = o.stop;
  if (budget !== undefined) wire.thinking = { type: "enabled", budget_tokens: budget };
  else if (o.think === false) wire.thinking = { type: "disabled" };
  const format = o.responseFormat;
  if (format === "json") {
    // Structured outputs need a schema; there is no "any JSON" mode to map "json" to.
    throw invalidRequest(
      'responseFormat "json" has no Anthropic equivalent: pass a json_schema responseFormat (sent as output_config.format)',
      context,
    );
  }
  if (format !== undefined) {
    // Anthropic's format has no name and is always strict: `name` and `strict` have no field.
    wire.output_config = { format: { type: "json_schema", schema: format.schema } };
  }
  // Passed through untouched, at the top level of the body (top_k, metadata, service_tier, ...).
  if (o.providerOptions) Object.assign(wire, o.providerOptions);
  let body: string;
  try {
    body = JSON.stringify(wire);
  } catch (cause) {
    // A BigInt or a circular object in the options: the one check only the protocol knows.
    throw invalidRequest("the request cannot be serialised to JSON", context, cause);
  }
  return { body, timeouts: mergeTimeouts(defaults.timeouts, o.timeouts) };
}

function thinkingBudget(think: ThinkOption | undefined): number | undefined {
  if (think === undefined || think === false) return undefined;
  return THINKING_BUDGETS[think === true ? "medium" : think];
}

function toWireTool(tool: ToolDefinition): AnthropicWireTool {
  // input_schema is required; a tool without parameters takes an empty object.
  const wire: AnthropicWireTool = {
    name: tool.function.name,
    input_schema: tool.function.parameters ?? { type: "object", properties: {} },
  };
  if (tool.function.description !== undefined) wire.description = tool.function.description;
  return wire;
}

function toWireToolChoice(choice: ToolChoice): AnthropicWireRequest["tool_choice"] {
  if (typeof choice === "object") return { type: "tool", name: choice.name };
  return { type: choice === "required" ? "any" : choice };
}
