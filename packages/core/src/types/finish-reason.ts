/**
 * Why generation ended.
 *
 * - `stop`: natural end or a stop sequence.
 * - `length`: the token limit was reached.
 * - `tool_calls`: the model stopped to call tools.
 * - `content_filter`: the provider's filter cut the answer.
 * - `error`: the provider reported an error as a finish reason (streams that fail throw instead).
 * - `other`: anything else the provider sent.
 */
export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter" | "error" | "other";
