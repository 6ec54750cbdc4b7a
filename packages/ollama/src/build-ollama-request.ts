import type { StreamOptions, Timeouts } from "@x/core";
import { checkStreamInput, invalidRequest, mergeTimeouts, timeoutsProblem } from "@x/core/http";
import { convertToOllamaMessages } from "./convert-to-ollama-messages.js";
import type { ErrorContext } from "./map-ollama-error.js";
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

/** What {@link buildOllamaRequest} needs besides the call's input. @internal */
export interface OllamaRequestDefaults {
  /** Ollama's `keep_alive` from the adapter options. */
  keepAlive: number | string | undefined;
  /** The adapter's default time limits. */
  timeouts: Timeouts | undefined;
}

/** A checked call: the `/api/chat` body as JSON text and the merged time limits. @internal */
export interface OllamaRequest {
  body: string;
  timeouts: Timeouts;
}

/**
 * Checks the caller's input and builds the `/api/chat` body (always `stream: true`). The shared
 * `checkStreamInput` refuses wrong types and invalid time limits; what only Ollama cannot carry
 * (image URLs, BigInt or circular values in `providerOptions` or tool schemas) and an invalid
 * default limit are checked here. Every problem throws `InvalidRequestError`; nothing is sent.
 * @internal
 */
export function buildOllamaRequest(
  messages: unknown,
  options: unknown,
  defaults: OllamaRequestDefaults,
  context: ErrorContext,
): OllamaRequest {
  const input = checkStreamInput(messages, options, context);
  const checked = input.options;
  const timeouts = mergeTimeouts(defaults.timeouts, checked.timeouts);
  // The adapter's own default limits, which checkStreamInput does not see.
  const problem = timeoutsProblem(timeouts);
  if (problem !== undefined) throw invalidRequest(problem, context);
  const body: OllamaChatRequest = {
    model: context.model,
    messages: convertToOllamaMessages(input.messages, context),
    stream: true,
  };
  // Ollama has no tool_choice: "none" is expressed by not offering the tools at all.
  if (checked.tools && checked.tools.length > 0 && checked.toolChoice !== "none") {
    body.tools = checked.tools;
  }
  if (checked.think !== undefined) body.think = checked.think;
  const format = checked.responseFormat;
  if (format !== undefined) body.format = format === "json" ? "json" : format.schema;
  if (defaults.keepAlive !== undefined) body.keep_alive = defaults.keepAlive;
  const modelOptions = toModelOptions(checked);
  for (const [key, value] of Object.entries(checked.providerOptions ?? {})) {
    if (TOP_LEVEL_KEYS.has(key)) body[key] = value;
    else modelOptions[key] = value;
  }
  if (Object.keys(modelOptions).length > 0) body.options = modelOptions;
  return { body: serialise(body, context), timeouts };
}

function toModelOptions(options: StreamOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (options.temperature !== undefined) out.temperature = options.temperature;
  if (options.topP !== undefined) out.top_p = options.topP;
  if (options.maxTokens !== undefined) out.num_predict = options.maxTokens;
  if (options.stop !== undefined && options.stop.length > 0) out.stop = options.stop;
  if (options.seed !== undefined) out.seed = options.seed;
  return out;
}

function serialise(body: OllamaChatRequest, context: ErrorContext): string {
  try {
    return JSON.stringify(body);
  } catch (cause) {
    // BigInt and circular values (in providerOptions, tool schemas or tool-call arguments).
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw invalidRequest(`the request cannot be sent as JSON (${reason})`, context, cause);
  }
}
