import { InvalidRequestError } from "../errors/errors.js";
import type { Message } from "../types/message.js";
import type { StreamOptions } from "../types/stream-options.js";
import { timeoutsProblem } from "./time-limit.js";

/** Who checks the input: the adapter's name and model for the error, and what it must not show. */
export interface StreamInputContext {
  /** The adapter's provider name; every message starts with `"<provider>: "`. */
  provider: string;
  /** The adapter's model, carried by the error. */
  model?: string;
  /** Credential values to keep out of the error (see `collectSecrets`). */
  secrets?: readonly string[];
}

/** The caller's input once {@link checkStreamInput} has accepted it (the same objects, typed). */
export interface CheckedStreamInput {
  /** The messages, as given. */
  messages: Message[];
  /** The options, as given, or `{}` when there were none. */
  options: StreamOptions;
}

const ROLES = new Set(["system", "user", "assistant", "tool"]);
const THINK_LEVELS = new Set(["low", "medium", "high"]);
const TOOL_CHOICES = new Set(["auto", "none", "required"]);
const NUMBER_OPTIONS = ["temperature", "topP", "maxTokens", "seed"] as const;

/**
 * Checks the input of `AIAdapter.stream()` against the shapes of `Message` and `StreamOptions`,
 * the checks every adapter needs whatever its protocol, so that every adapter refuses the same
 * input with the same message. Call it first thing in `stream()`'s generator, before sending:
 *
 * - `messages`: an array of objects, each with a `role` (system, user, assistant or tool) and a
 *   string `content`; when present, `images` is an array of strings, `thinking`, `toolCallId`
 *   and `name` are strings, `toolCalls` is an array of `{ id: string, name: string, arguments:
 *   object }`. Which role may carry which field is the adapter's decision.
 * - `options` (optional): an object whose fields, when present, have their `StreamOptions`
 *   types: finite numbers (`temperature`, `topP`, `maxTokens`, `seed`), a string array `stop`,
 *   `think` a boolean or `"low" | "medium" | "high"`, `tools` function tools with a string name,
 *   `toolChoice`, `responseFormat` `"json"` or a `json_schema` with an object schema, an object
 *   `providerOptions`, an AbortSignal-like `signal`, valid `timeouts` (see `timeoutsProblem`).
 *
 * Protocol-specific checks stay in the adapter: which image forms the wire accepts, whether the
 * body can be serialised as JSON (BigInt, circular values), options the protocol cannot carry.
 *
 * @returns the same `messages` and `options` (`{}` when undefined), typed.
 * @throws `InvalidRequestError` (status 0, not retryable) naming the first problem, e.g.
 *   `"ollama: options.temperature must be a finite number"`. It throws nothing else, whatever
 *   the input: a getter or proxy that throws while being read is reported the same way, with
 *   what it threw as the `cause`.
 */
export function checkStreamInput(
  messages: unknown,
  options: unknown,
  context: StreamInputContext,
): CheckedStreamInput {
  let problem: string | undefined;
  try {
    problem = messagesProblem(messages) ?? optionsProblem(options);
  } catch (cause) {
    throw invalidRequest(
      "the messages or options cannot be read (reading them threw)",
      context,
      cause,
    );
  }
  if (problem !== undefined) throw invalidRequest(problem, context);
  return {
    messages: messages as Message[],
    options: (options ?? {}) as StreamOptions,
  };
}

/**
 * The error for caller input that cannot be sent: an `InvalidRequestError` with status 0 (no HTTP
 * exchange happened), named for the provider. Every adapter raises bad input with it, from the
 * first `next()` of its stream.
 */
export function invalidRequest(
  problem: string,
  context: StreamInputContext,
  cause?: unknown,
): InvalidRequestError {
  return new InvalidRequestError(`${context.provider}: ${problem}`, {
    provider: context.provider,
    model: context.model,
    secrets: context.secrets,
    cause,
    status: 0,
  });
}

function messagesProblem(messages: unknown): string | undefined {
  if (!Array.isArray(messages)) return "messages must be an array of messages";
  for (let i = 0; i < messages.length; i++) {
    const problem = messageProblem(messages[i], `messages[${i}]`);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function messageProblem(message: unknown, where: string): string | undefined {
  if (!isRecord(message)) return `${where} must be an object`;
  if (!ROLES.has(message.role as string)) {
    return `${where}.role must be system, user, assistant or tool`;
  }
  if (typeof message.content !== "string") {
    return `${where}.content must be a string (use "" for none)`;
  }
  const images = message.images;
  if (images !== undefined) {
    if (!Array.isArray(images)) return `${where}.images must be an array`;
    const bad = images.findIndex((image) => typeof image !== "string");
    if (bad !== -1) {
      return `${where}.images[${bad}] must be a string (base64, a data: URL or an http(s) URL)`;
    }
  }
  for (const key of ["thinking", "toolCallId", "name"] as const) {
    if (message[key] !== undefined && typeof message[key] !== "string") {
      return `${where}.${key} must be a string`;
    }
  }
  const calls = message.toolCalls;
  if (calls !== undefined) {
    if (!Array.isArray(calls)) return `${where}.toolCalls must be an array`;
    const bad = calls.findIndex((call) => !isToolCall(call));
    if (bad !== -1) {
      return `${where}.toolCalls[${bad}] must be { id: string, name: string, arguments: object }`;
    }
  }
  return undefined;
}

function isToolCall(call: unknown): boolean {
  return (
    isRecord(call) &&
    typeof call.id === "string" &&
    typeof call.name === "string" &&
    isRecord(call.arguments)
  );
}

function optionsProblem(options: unknown): string | undefined {
  if (options === undefined) return undefined;
  if (!isRecord(options)) return "options must be an object";
  const problem =
    toolsProblem(options.tools) ??
    toolChoiceProblem(options.toolChoice) ??
    samplingProblem(options) ??
    responseFormatProblem(options.responseFormat);
  if (problem !== undefined) return `options.${problem}`;
  if (options.signal !== undefined && !isAbortSignal(options.signal)) {
    return "options.signal must be an AbortSignal";
  }
  const timeouts = timeoutsProblem(options.timeouts);
  if (timeouts !== undefined) return `options.${timeouts}`;
  if (options.providerOptions !== undefined && !isRecord(options.providerOptions)) {
    return "options.providerOptions must be an object";
  }
  return undefined;
}

function toolsProblem(tools: unknown): string | undefined {
  if (tools === undefined) return undefined;
  if (!Array.isArray(tools)) return "tools must be an array";
  for (let i = 0; i < tools.length; i++) {
    const tool: unknown = tools[i];
    if (
      !isRecord(tool) ||
      tool.type !== "function" ||
      !isRecord(tool.function) ||
      typeof tool.function.name !== "string"
    ) {
      return `tools[${i}] must be { type: "function", function: { name: string } }`;
    }
    const { description, parameters } = tool.function;
    if (description !== undefined && typeof description !== "string") {
      return `tools[${i}].function.description must be a string`;
    }
    if (parameters !== undefined && !isRecord(parameters)) {
      return `tools[${i}].function.parameters must be an object (a JSON schema)`;
    }
  }
  return undefined;
}

function toolChoiceProblem(choice: unknown): string | undefined {
  if (choice === undefined || TOOL_CHOICES.has(choice as string)) return undefined;
  if (isRecord(choice) && choice.type === "function" && typeof choice.name === "string") {
    return undefined;
  }
  return 'toolChoice must be "auto", "none", "required" or { type: "function", name: string }';
}

/** `temperature`, `topP`, `maxTokens`, `seed`, `stop` and `think`. */
function samplingProblem(options: Record<string, unknown>): string | undefined {
  for (const key of NUMBER_OPTIONS) {
    const value = options[key];
    if (value !== undefined && (typeof value !== "number" || !Number.isFinite(value))) {
      return `${key} must be a finite number`;
    }
  }
  const stop = options.stop;
  if (stop !== undefined && !(Array.isArray(stop) && stop.every((s) => typeof s === "string"))) {
    return "stop must be an array of strings";
  }
  const think = options.think;
  if (think !== undefined && typeof think !== "boolean" && !THINK_LEVELS.has(think as string)) {
    return 'think must be a boolean, "low", "medium" or "high"';
  }
  return undefined;
}

function responseFormatProblem(format: unknown): string | undefined {
  if (format === undefined || format === "json") return undefined;
  if (!isRecord(format) || format.type !== "json_schema" || !isRecord(format.schema)) {
    return 'responseFormat must be "json" or { type: "json_schema", schema: object }';
  }
  if (format.name !== undefined && typeof format.name !== "string") {
    return "responseFormat.name must be a string";
  }
  if (format.strict !== undefined && typeof format.strict !== "boolean") {
    return "responseFormat.strict must be a boolean";
  }
  return undefined;
}

/** An `AbortSignal`, or one from another realm or polyfill: what `StreamDeadline` relies on. */
function isAbortSignal(value: unknown): boolean {
  return (
    isRecord(value) &&
    typeof value.aborted === "boolean" &&
    typeof value.addEventListener === "function" &&
    typeof value.removeEventListener === "function"
  );
}

/** A plain object: not null, not an array. */
function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
