import type { StreamOptions, Timeouts } from "@x/core";
import { mergeTimeouts, timeoutsProblem } from "@x/core/http";
import { convertToOllamaMessages, isRecord } from "./convert-to-ollama-messages.js";
import { type ErrorContext, invalidRequest } from "./map-ollama-error.js";
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

const NUMBER_OPTIONS = ["temperature", "topP", "maxTokens", "seed"] as const;

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
 * Checks the caller's input and builds the `/api/chat` body (always `stream: true`). Anything
 * that cannot be sent as given (wrong types, invalid time limits, BigInt or circular values in
 * `providerOptions` or tool schemas, image URLs) throws `InvalidRequestError`; nothing is sent.
 * @internal
 */
export function buildOllamaRequest(
  messages: unknown,
  options: unknown,
  defaults: OllamaRequestDefaults,
  context: ErrorContext,
): OllamaRequest {
  const checked = checkOptions(options, context);
  const timeouts = mergeTimeouts(defaults.timeouts, checked.timeouts);
  const problem = timeoutsProblem(checked.timeouts) ?? timeoutsProblem(timeouts);
  if (problem !== undefined) throw invalidRequest(problem, context);
  const body: OllamaChatRequest = {
    model: context.model,
    messages: convertToOllamaMessages(messages, context),
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

/** Checks the shape of every `StreamOptions` field the adapter reads. */
function checkOptions(value: unknown, context: ErrorContext): StreamOptions {
  if (value === undefined) return {};
  if (!isRecord(value)) throw invalidRequest("options must be an object", context);
  const options = value as StreamOptions;
  const fail = (message: string) => invalidRequest(`options.${message}`, context);
  for (const key of NUMBER_OPTIONS) {
    const n = options[key];
    if (n !== undefined && (typeof n !== "number" || !Number.isFinite(n))) {
      throw fail(`${key} must be a finite number`);
    }
  }
  if (options.stop !== undefined && !isStringArray(options.stop)) {
    throw fail("stop must be an array of strings");
  }
  if (options.think !== undefined && !["boolean", "string"].includes(typeof options.think)) {
    throw fail('think must be a boolean or "low" | "medium" | "high"');
  }
  if (options.tools !== undefined && !isToolList(options.tools)) {
    throw fail('tools must be an array of { type: "function", function: { name: string } }');
  }
  if (options.responseFormat !== undefined && !isResponseFormat(options.responseFormat)) {
    throw fail('responseFormat must be "json" or { type: "json_schema", schema: object }');
  }
  if (options.providerOptions !== undefined && !isRecord(options.providerOptions)) {
    throw fail("providerOptions must be an object");
  }
  if (options.signal !== undefined && !isAbortSignal(options.signal)) {
    throw fail("signal must be an AbortSignal");
  }
  return options;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

function isToolList(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.every(
      (tool: unknown) =>
        isRecord(tool) &&
        tool.type === "function" &&
        isRecord(tool.function) &&
        typeof tool.function.name === "string",
    )
  );
}

function isResponseFormat(value: unknown): boolean {
  return value === "json" || (isRecord(value) && isRecord(value.schema));
}

function isAbortSignal(value: unknown): value is AbortSignal {
  return (
    isRecord(value) &&
    typeof value.aborted === "boolean" &&
    typeof value.addEventListener === "function"
  );
}
