import type { Message, StreamOptions, ToolCall, ToolChoice, ToolDefinition } from "@x/core";

/**
 * A request the gateway cannot serve as asked: 400 by default (malformed), 404 for a model it
 * does not serve. Answered in OpenAI's error envelope.
 */
export class GatewayRequestError extends Error {
  /** The OpenAI `param` the problem is about, when known. */
  readonly param: string | null;
  /** The HTTP status to answer with. */
  readonly status: 400 | 404;
  /** OpenAI's `error.code` (e.g. `model_not_found`), when it has one. */
  readonly code: string | null;
  constructor(
    message: string,
    param: string | null = null,
    options: { status?: 400 | 404; code?: string } = {},
  ) {
    super(message);
    this.name = "GatewayRequestError";
    this.param = param;
    this.status = options.status ?? 400;
    this.code = options.code ?? null;
  }
}

/** An OpenAI chat-completions request, translated to our contract. */
export interface ParsedChatRequest {
  /** The `model` field as the client sent it (the chain decides who answers). */
  model: string;
  /** Translated messages. */
  messages: Message[];
  /** Translated options (without `signal`, which the gateway adds). */
  options: StreamOptions;
  /** `stream: true` was asked for. */
  stream: boolean;
  /** `stream_options.include_usage` was asked for. */
  includeUsage: boolean;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function textAndImages(content: unknown, index: number): { text: string; images: string[] } {
  if (content === null || content === undefined) return { text: "", images: [] };
  if (typeof content === "string") return { text: content, images: [] };
  if (!Array.isArray(content)) {
    throw new GatewayRequestError(
      "content must be a string or an array of parts",
      `messages[${index}].content`,
    );
  }
  let text = "";
  const images: string[] = [];
  for (const part of content) {
    if (!isObject(part)) continue;
    if (part.type === "text" && typeof part.text === "string") text += part.text;
    else if (part.type === "image_url") {
      const url = isObject(part.image_url) ? part.image_url.url : part.image_url;
      if (typeof url === "string") images.push(url);
    }
  }
  return { text, images };
}

function parseToolCalls(value: unknown, index: number): ToolCall[] {
  if (!Array.isArray(value)) return [];
  return value.map((call, callIndex) => {
    const fn = isObject(call) && isObject(call.function) ? call.function : undefined;
    const param = `messages[${index}].tool_calls[${callIndex}]`;
    if (!fn || typeof fn.name !== "string")
      throw new GatewayRequestError("tool call without a function name", param);
    let args: unknown = fn.arguments ?? {};
    if (typeof args === "string") {
      try {
        args = args.trim() === "" ? {} : JSON.parse(args);
      } catch {
        throw new GatewayRequestError(
          "tool call arguments are not valid JSON",
          `${param}.function.arguments`,
        );
      }
    }
    if (!isObject(args))
      throw new GatewayRequestError("tool call arguments must be an object", param);
    const id =
      isObject(call) && typeof call.id === "string" ? call.id : `call_${index}_${callIndex}`;
    return { id, name: fn.name, arguments: args };
  });
}

function parseMessage(raw: unknown, index: number): Message {
  if (!isObject(raw))
    throw new GatewayRequestError("each message must be an object", `messages[${index}]`);
  const role = raw.role === "developer" ? "system" : raw.role;
  if (role !== "system" && role !== "user" && role !== "assistant" && role !== "tool") {
    throw new GatewayRequestError(
      `unsupported role ${JSON.stringify(raw.role)}`,
      `messages[${index}].role`,
    );
  }
  const { text, images } = textAndImages(raw.content, index);
  const message: Message = { role, content: text };
  if (images.length > 0) message.images = images;
  if (role === "assistant") {
    const toolCalls = parseToolCalls(raw.tool_calls, index);
    if (toolCalls.length > 0) message.toolCalls = toolCalls;
    const thinking = raw.reasoning_content ?? raw.reasoning;
    if (typeof thinking === "string" && thinking) message.thinking = thinking;
  }
  if (role === "tool") {
    if (typeof raw.tool_call_id === "string") message.toolCallId = raw.tool_call_id;
    if (typeof raw.name === "string") message.name = raw.name;
  }
  return message;
}

function parseTools(value: unknown): ToolDefinition[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new GatewayRequestError("tools must be an array", "tools");
  return value.map((tool, index) => {
    const fn = isObject(tool) && isObject(tool.function) ? tool.function : undefined;
    if (!fn || typeof fn.name !== "string")
      throw new GatewayRequestError("tool without a name", `tools[${index}]`);
    const definition: ToolDefinition = { type: "function", function: { name: fn.name } };
    if (typeof fn.description === "string") definition.function.description = fn.description;
    if (isObject(fn.parameters)) definition.function.parameters = fn.parameters;
    return definition;
  });
}

function parseToolChoice(value: unknown): ToolChoice | undefined {
  if (value === "auto" || value === "none" || value === "required") return value;
  if (isObject(value) && isObject(value.function) && typeof value.function.name === "string") {
    return { type: "function", name: value.function.name };
  }
  return undefined;
}

function optionalNumber(body: Json, key: string): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value))
    throw new GatewayRequestError(`${key} must be a number`, key);
  return value;
}

/**
 * Translates an OpenAI `POST /v1/chat/completions` body into our `Message[]` and
 * `StreamOptions`. `developer` becomes `system`; text parts are joined; `image_url` parts become
 * `images`; assistant tool-call arguments (JSON text) are parsed; `max_completion_tokens` wins
 * over `max_tokens`; `reasoning_effort` maps to `think`. Unknown fields are ignored, as OpenAI
 * compatible servers commonly do.
 */
export function parseOpenAIRequest(body: unknown): ParsedChatRequest {
  if (!isObject(body)) throw new GatewayRequestError("the request body must be a JSON object");
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    throw new GatewayRequestError("messages must be a non-empty array", "messages");
  }
  const messages = body.messages.map(parseMessage);
  const options: StreamOptions = {};
  const tools = parseTools(body.tools);
  if (tools && tools.length > 0) options.tools = tools;
  const toolChoice = parseToolChoice(body.tool_choice);
  if (toolChoice) options.toolChoice = toolChoice;
  const temperature = optionalNumber(body, "temperature");
  if (temperature !== undefined) options.temperature = temperature;
  const topP = optionalNumber(body, "top_p");
  if (topP !== undefined) options.topP = topP;
  const maxTokens =
    optionalNumber(body, "max_completion_tokens") ?? optionalNumber(body, "max_tokens");
  if (maxTokens !== undefined) options.maxTokens = maxTokens;
  const seed = optionalNumber(body, "seed");
  if (seed !== undefined) options.seed = seed;
  if (typeof body.stop === "string") options.stop = [body.stop];
  else if (Array.isArray(body.stop))
    options.stop = body.stop.filter((s): s is string => typeof s === "string");
  const effort = body.reasoning_effort;
  if (effort === "low" || effort === "medium" || effort === "high") options.think = effort;
  const format = isObject(body.response_format) ? body.response_format : undefined;
  if (format?.type === "json_object") options.responseFormat = "json";
  else if (
    format?.type === "json_schema" &&
    isObject(format.json_schema) &&
    isObject(format.json_schema.schema)
  ) {
    const spec = format.json_schema;
    options.responseFormat = {
      type: "json_schema",
      schema: spec.schema as Json,
      ...(typeof spec.name === "string" ? { name: spec.name } : {}),
      ...(typeof spec.strict === "boolean" ? { strict: spec.strict } : {}),
    };
  }
  const streamOptions = isObject(body.stream_options) ? body.stream_options : {};
  return {
    model: typeof body.model === "string" ? body.model : "",
    messages,
    options,
    stream: body.stream === true,
    includeUsage: streamOptions.include_usage === true,
  };
}
