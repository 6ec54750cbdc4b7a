import type {
  AdapterErrorOptions,
  ResponseFormat,
  StreamOptions,
  Timeouts,
  ToolChoice,
} from "@x/core";
import { checkStreamInput, invalidRequest, mergeTimeouts } from "@x/core/http";
import { convertToOpenAIMessages } from "./convert-to-openai-messages.js";

/** Request-shaping settings resolved from the adapter options. @internal */
export interface RequestSettings {
  model: string;
  includeUsage: boolean;
  maxTokensField: "max_tokens" | "max_completion_tokens";
  reasoningEffort: boolean;
  /** The adapter's default time limits (per-call `timeouts` override them field by field). */
  timeouts: Timeouts | undefined;
}

/** A checked request, ready to send. @internal */
export interface OpenAIRequest {
  /** The JSON body of `POST /chat/completions`. */
  body: string;
  /** The merged, valid time limits. */
  timeouts: Timeouts;
  /** The caller's signal. */
  signal: AbortSignal | undefined;
}

/** `stream_options` asking for the usage chunk: shared, only ever serialised. */
const INCLUDE_USAGE = Object.freeze({ include_usage: true });

/**
 * Checks the caller's input and builds the `POST /chat/completions` body: messages, tools,
 * sampling options, response format, `stream_options.include_usage`, reasoning effort, then
 * `providerOptions` merged on top. The shared `checkStreamInput` refuses wrong types and invalid
 * time limits; what only Chat Completions cannot carry (images other than on user messages or in
 * another form, values JSON cannot carry such as BigInt or circular objects) is checked here.
 * Every problem throws `InvalidRequestError`; nothing is sent.
 */
export function buildOpenAIRequest(
  messages: unknown,
  options: unknown,
  settings: RequestSettings,
  errors: AdapterErrorOptions,
): OpenAIRequest {
  const input = checkStreamInput(messages, options, errors);
  const o = input.options;
  const timeouts = mergeTimeouts(settings.timeouts, o.timeouts);
  const body = buildBody(convertToOpenAIMessages(input.messages, errors), o, settings);
  return { body: serialise(body, errors), timeouts, signal: o.signal };
}

function buildBody(
  messages: unknown[],
  options: StreamOptions,
  settings: RequestSettings,
): Record<string, unknown> {
  const body: Record<string, unknown> = { model: settings.model, messages, stream: true };
  if (settings.includeUsage) body.stream_options = INCLUDE_USAGE;
  if (options.tools && options.tools.length > 0) body.tools = options.tools;
  if (options.toolChoice !== undefined) body.tool_choice = toolChoice(options.toolChoice);
  if (options.temperature !== undefined) body.temperature = options.temperature;
  if (options.topP !== undefined) body.top_p = options.topP;
  if (options.maxTokens !== undefined) body[settings.maxTokensField] = options.maxTokens;
  if (options.stop !== undefined && options.stop.length > 0) body.stop = options.stop;
  if (options.seed !== undefined) body.seed = options.seed;
  if (options.responseFormat !== undefined) {
    body.response_format = responseFormat(options.responseFormat);
  }
  const think = options.think;
  if (settings.reasoningEffort && think !== undefined && think !== false) {
    body.reasoning_effort = think === true ? "medium" : think;
  }
  if (options.providerOptions) Object.assign(body, options.providerOptions);
  return body;
}

function toolChoice(choice: ToolChoice): unknown {
  return typeof choice === "string"
    ? choice
    : { type: "function", function: { name: choice.name } };
}

function responseFormat(format: ResponseFormat): unknown {
  if (format === "json") return { type: "json_object" };
  const schema: Record<string, unknown> = {
    name: format.name ?? "response",
    schema: format.schema,
  };
  if (format.strict !== undefined) schema.strict = format.strict;
  return { type: "json_schema", json_schema: schema };
}

/** The body as JSON; on failure, names the part that cannot be serialised. */
function serialise(body: Record<string, unknown>, errors: AdapterErrorOptions): string {
  try {
    return JSON.stringify(body);
  } catch (cause) {
    const part = Object.keys(body).find((key) => !serialisable(body[key])) ?? "the request";
    throw invalidRequest(
      `${part} cannot be serialised as JSON (BigInt or a circular value?)`,
      errors,
      cause,
    );
  }
}

function serialisable(value: unknown): boolean {
  try {
    JSON.stringify(value);
    return true;
  } catch {
    return false;
  }
}
