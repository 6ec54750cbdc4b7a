import type { Attributes } from "@opentelemetry/api";
import type { FinishReason, StreamOptions, Usage } from "@x/core";
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_TYPE,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_SEED,
  ATTR_GEN_AI_REQUEST_STOP_SEQUENCES,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_P,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
} from "./semconv.js";
import { addServerAttributes, type ServerAddress } from "./server-address.js";

/** The one operation a `stream()` call is. */
export const OPERATION = "chat";

/** The attributes every signal of a request carries (span, metrics). */
export function baseAttributes(
  provider: string,
  model: string,
  server: ServerAddress | undefined,
): Attributes {
  const attributes: Attributes = {
    [ATTR_GEN_AI_OPERATION_NAME]: OPERATION,
    [ATTR_GEN_AI_PROVIDER_NAME]: provider,
    [ATTR_GEN_AI_REQUEST_MODEL]: model,
  };
  addServerAttributes(attributes, server);
  return attributes;
}

/** Adds the request parameters that are set (and only those) to `attributes`. */
export function addRequestParameters(
  attributes: Attributes,
  options: StreamOptions | undefined,
): void {
  attributes[ATTR_GEN_AI_REQUEST_STREAM] = true;
  if (options === undefined) return;
  if (typeof options.maxTokens === "number")
    attributes[ATTR_GEN_AI_REQUEST_MAX_TOKENS] = options.maxTokens;
  if (typeof options.temperature === "number")
    attributes[ATTR_GEN_AI_REQUEST_TEMPERATURE] = options.temperature;
  if (typeof options.topP === "number") attributes[ATTR_GEN_AI_REQUEST_TOP_P] = options.topP;
  if (Array.isArray(options.stop) && options.stop.length > 0)
    attributes[ATTR_GEN_AI_REQUEST_STOP_SEQUENCES] = options.stop.filter(
      (s) => typeof s === "string",
    );
  if (typeof options.seed === "number") attributes[ATTR_GEN_AI_REQUEST_SEED] = options.seed;
  if (options.responseFormat !== undefined) attributes[ATTR_GEN_AI_OUTPUT_TYPE] = "json";
}

/** Usage counts as attributes (only those the provider reported). */
export function addUsage(attributes: Attributes, usage: Usage | undefined): void {
  if (usage === undefined) return;
  if (usage.inputTokens !== undefined)
    attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS] = usage.inputTokens;
  if (usage.outputTokens !== undefined)
    attributes[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] = usage.outputTokens;
  if (usage.cachedInputTokens !== undefined)
    attributes[ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] = usage.cachedInputTokens;
  if (usage.reasoningTokens !== undefined)
    attributes[ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS] = usage.reasoningTokens;
}

/**
 * Our finish reason in the conventions' vocabulary (`stop`, `length`, `content_filter`,
 * `tool_call`, `error`); `other` passes through as a custom value.
 */
export function finishReasonOf(reason: FinishReason): string {
  return reason === "tool_calls" ? "tool_call" : reason;
}
