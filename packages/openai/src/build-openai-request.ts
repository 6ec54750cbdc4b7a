import type {
  AdapterErrorOptions,
  ResponseFormat,
  StreamOptions,
  Timeouts,
  ToolChoice,
} from "@x/core";
import { mergeTimeouts, timeoutsProblem } from "@x/core/http";
import { convertToOpenAIMessages } from "./convert-to-openai-messages.js";
import { invalidRequest } from "./map-openai-error.js";

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
const THINK_LEVELS = new Set(["low", "medium", "high"]);
const TOOL_CHOICES = new Set(["auto", "none", "required"]);

/**
 * Checks the caller's input and builds the `POST /chat/completions` body: messages, tools,
 * sampling options, response format, `stream_options.include_usage`, reasoning effort, then
 * `providerOptions` merged on top. Every problem (wrong types, invalid time limits, values JSON
 * cannot carry such as BigInt or circular objects) throws `InvalidRequestError`; nothing is sent.
 */
export function buildOpenAIRequest(
  messages: unknown,
  options: unknown,
  settings: RequestSettings,
  errors: AdapterErrorOptions,
): OpenAIRequest {
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    throw invalidRequest("options must be an object", errors);
  }
  const o = (options ?? {}) as StreamOptions;
  checkOptions(o, errors);
  const timeouts = mergeTimeouts(settings.timeouts, o.timeouts);
  const body = buildBody(convertToOpenAIMessages(messages, errors), o, settings);
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

/** Type checks of every option the body uses (TypeScript callers cannot get these wrong). */
function checkOptions(o: StreamOptions, errors: AdapterErrorOptions): void {
  const problem = optionProblem(o);
  if (problem !== undefined) throw invalidRequest(problem, errors);
}

function optionProblem(o: StreamOptions): string | undefined {
  for (const key of ["temperature", "topP", "maxTokens", "seed"] as const) {
    const value = o[key];
    if (value !== undefined && (typeof value !== "number" || !Number.isFinite(value))) {
      return `${key} must be a finite number`;
    }
  }
  if (
    o.stop !== undefined &&
    !(Array.isArray(o.stop) && o.stop.every((s) => typeof s === "string"))
  ) {
    return "stop must be an array of strings";
  }
  if (o.think !== undefined && typeof o.think !== "boolean" && !THINK_LEVELS.has(o.think)) {
    return 'think must be a boolean, "low", "medium" or "high"';
  }
  if (o.signal !== undefined && !isSignal(o.signal)) return "signal must be an AbortSignal";
  if (o.providerOptions !== undefined && !isRecord(o.providerOptions)) {
    return "providerOptions must be an object";
  }
  return timeoutsProblem(o.timeouts) ?? toolsProblem(o) ?? responseFormatProblem(o.responseFormat);
}

function toolsProblem(o: StreamOptions): string | undefined {
  if (o.tools !== undefined) {
    if (!Array.isArray(o.tools)) return "tools must be an array";
    const bad = o.tools.findIndex(
      (tool) =>
        !isRecord(tool) || !isRecord(tool.function) || typeof tool.function.name !== "string",
    );
    if (bad !== -1) return `tools[${bad}] must be { type: "function", function: { name, ... } }`;
  }
  const choice = o.toolChoice;
  if (choice === undefined || (typeof choice === "string" && TOOL_CHOICES.has(choice))) return;
  if (isRecord(choice) && typeof choice.name === "string") return;
  return 'toolChoice must be "auto", "none", "required" or { type: "function", name }';
}

function responseFormatProblem(format: ResponseFormat | undefined): string | undefined {
  if (format === undefined || format === "json") return;
  if (isRecord(format) && format.type === "json_schema" && isRecord(format.schema)) return;
  return 'responseFormat must be "json" or { type: "json_schema", schema }';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isSignal(value: unknown): boolean {
  return (
    isRecord(value) &&
    typeof value.aborted === "boolean" &&
    typeof value.addEventListener === "function"
  );
}
