import type { FinishReason, Usage } from "@x/core";

type Json = Record<string, unknown>;

/** A plain JSON object (not an array, not null). */
export function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A finite number, else undefined. */
export function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** Maps a wire `finish_reason` (OpenAI's and the ones gateways leak) to ours. */
export function mapFinishReason(reason: string): FinishReason {
  switch (reason) {
    case "stop":
    case "end_turn":
    case "stop_sequence":
    case "eos":
      return "stop";
    case "length":
    case "max_tokens":
      return "length";
    case "tool_calls":
    case "function_call":
    case "tool_use":
      return "tool_calls";
    case "content_filter":
      return "content_filter";
    case "error":
      return "error";
    default:
      return "other";
  }
}

/**
 * Reads OpenAI `usage` and the variants: `prompt_tokens_details.cached_tokens` or DeepSeek's
 * `prompt_cache_hit_tokens`, `completion_tokens_details.reasoning_tokens`. Unknown stays undefined.
 */
export function mapUsage(raw: Json): Usage {
  const usage: Usage = {};
  const input = num(raw.prompt_tokens);
  const output = num(raw.completion_tokens);
  const total = num(raw.total_tokens);
  if (input !== undefined) usage.inputTokens = input;
  if (output !== undefined) usage.outputTokens = output;
  const promptDetails = raw.prompt_tokens_details;
  const cached =
    (isObject(promptDetails) ? num(promptDetails.cached_tokens) : undefined) ??
    num(raw.prompt_cache_hit_tokens);
  if (cached !== undefined) usage.cachedInputTokens = cached;
  const completionDetails = raw.completion_tokens_details;
  const reasoning = isObject(completionDetails)
    ? num(completionDetails.reasoning_tokens)
    : undefined;
  if (reasoning !== undefined) usage.reasoningTokens = reasoning;
  if (total !== undefined) usage.totalTokens = total;
  else if (input !== undefined && output !== undefined) usage.totalTokens = input + output;
  return usage;
}
