import type {
  ConformanceCodec,
  DecodedRequest,
  EncodedStream,
  HttpAnswer,
  HttpErrorSpec,
  Scenario,
} from "@x/conformance";
import type {
  FinishReason,
  IncompleteToolCall,
  Message,
  ThinkOption,
  ToolCall,
  ToolChoice,
  ToolDefinition,
} from "@x/core";
import type { AnthropicContentBlock } from "../src/anthropic-wire.js";
import {
  type AnthropicWireRequest,
  type AnthropicWireTool,
  THINKING_BUDGETS,
} from "../src/build-anthropic-request.js";
import type { AnthropicWireMessage } from "../src/convert-to-anthropic-messages.js";

// The Messages API's streaming format, as https://docs.anthropic.com/en/api/messages-streaming
// shows it and test/__fixtures__/*.sse record it: `event: <type>` + `data: <json>` per event.

const SSE = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" };
const JSON_HEADERS = { "content-type": "application/json" };

const STOP_REASONS: Partial<Record<FinishReason, string>> = {
  stop: "end_turn",
  length: "max_tokens",
  tool_calls: "tool_use",
  content_filter: "refusal",
  other: "pause_turn",
};

const event = (value: { type: string; [field: string]: unknown }): string =>
  `event: ${value.type}\ndata: ${JSON.stringify(value)}\n\n`;

/** Splits `text` in up to three code-point-safe fragments, as the API streams tool input. */
function fragments(text: string): string[] {
  const chars = Array.from(text);
  if (chars.length < 3) return [text];
  const a = Math.floor(chars.length / 3);
  const b = Math.floor((2 * chars.length) / 3);
  return [chars.slice(0, a).join(""), chars.slice(a, b).join(""), chars.slice(b).join("")];
}

function messageStart(model: string, usage: Scenario["usage"]): string {
  const message: Record<string, unknown> = {
    id: "msg_01Conformance",
    type: "message",
    role: "assistant",
    model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
  };
  if (usage) message.usage = { input_tokens: usage.inputTokens, output_tokens: 1 };
  return event({ type: "message_start", message });
}

/** One block: start, deltas, stop. */
function block(index: number, start: AnthropicContentBlock, deltas: object[]): string[] {
  return [
    event({ type: "content_block_start", index, content_block: start }),
    ...deltas.map((delta) => event({ type: "content_block_delta", index, delta })),
    event({ type: "content_block_stop", index }),
  ];
}

function toolBlock(index: number, id: string, name: string, input: string): string[] {
  const deltas = ["", ...fragments(input)].map((partial_json) => ({
    type: "input_json_delta",
    partial_json,
  }));
  return block(index, { type: "tool_use", id, name, input: {} }, deltas);
}

/** message_start and every block: thinking (with its signature), text, tool calls. */
function bodyEvents(scenario: Scenario): string[] {
  const frames = [messageStart(scenario.model, scenario.usage)];
  let index = 0;
  if (scenario.thinking?.length) {
    const deltas: object[] = scenario.thinking.map((thinking) => ({
      type: "thinking_delta",
      thinking,
    }));
    deltas.push({ type: "signature_delta", signature: "EqQBCkgIBRABGAIiQConformanceSignature==" });
    frames.push(...block(index++, { type: "thinking", thinking: "", signature: "" }, deltas));
  }
  if (scenario.text?.length) {
    const deltas = scenario.text.map((text) => ({ type: "text_delta", text }));
    frames.push(...block(index++, { type: "text", text: "" }, deltas));
  }
  // Anthropic has no terminal frame that carries calls: toolCallsInFinalFrame cannot be expressed.
  for (const call of scenario.toolCalls ?? []) {
    frames.push(...toolBlock(index++, call.id, call.name, JSON.stringify(call.arguments)));
  }
  return frames;
}

/** message_delta (stop reason, output usage), then the terminal message_stop. */
function endEvents(scenario: Scenario, finishReason: FinishReason): string[] {
  const delta = {
    type: "message_delta",
    delta: { stop_reason: STOP_REASONS[finishReason], stop_sequence: null },
    usage: scenario.usage ? { output_tokens: scenario.usage.outputTokens } : {},
  };
  return [event(delta), event({ type: "message_stop" })];
}

function encodeStream(scenario: Scenario): EncodedStream {
  const frames = bodyEvents(scenario);
  if (scenario.error) {
    const error: Record<string, string> = { message: scenario.error.message };
    if (scenario.error.code !== undefined) error.type = scenario.error.code;
    frames.push(event({ type: "error", error }));
    return { status: 200, headers: SSE, frames, terminalFrames: 0 };
  }
  const calls = scenario.toolCalls ?? [];
  const finishReason = scenario.finishReason ?? (calls.length > 0 ? "tool_calls" : "stop");
  frames.push(...endEvents(scenario, finishReason));
  return { status: 200, headers: SSE, frames, terminalFrames: 1 };
}

function encodeCutToolCall(scenario: Scenario, cut: IncompleteToolCall): EncodedStream {
  const frames = bodyEvents(scenario);
  const index = frames.filter((f) => f.startsWith("event: content_block_start")).length;
  frames.push(...toolBlock(index, cut.id, cut.name, cut.argumentsText));
  frames.push(...endEvents(scenario, "length"));
  return { status: 200, headers: SSE, frames, terminalFrames: 1 };
}

function encodeHttpError(error: HttpErrorSpec): HttpAnswer {
  const headers: Record<string, string> = { ...JSON_HEADERS };
  if (error.retryAfterSeconds !== undefined)
    headers["retry-after"] = String(error.retryAfterSeconds);
  const detail: Record<string, string> = { message: error.message };
  if (error.code !== undefined) detail.type = error.code;
  return { status: error.status, headers, body: JSON.stringify({ type: "error", error: detail }) };
}

function encodeModels(names: string[]): HttpAnswer {
  const data = names.map((id) => ({
    type: "model",
    id,
    display_name: id,
    created_at: "2025-01-01T00:00:00Z",
  }));
  const body = { data, has_more: false, first_id: names[0] ?? null, last_id: names.at(-1) ?? null };
  return { status: 200, headers: JSON_HEADERS, body: JSON.stringify(body) };
}

const textOf = (blocks: AnthropicContentBlock[]): string =>
  blocks
    .filter((b) => b.type === "text")
    .map((b) => b.text as string)
    .join("");

function imageOf(block: AnthropicContentBlock): string {
  const source = block.source as { type: string; data?: string; url?: string };
  return source.type === "url" ? (source.url ?? "") : (source.data ?? "");
}

/** A wire message back to `Message`s: a user turn's tool_result blocks become tool messages. */
function decodeMessage(wire: AnthropicWireMessage): Message[] {
  const blocks =
    typeof wire.content === "string" ? [{ type: "text", text: wire.content }] : wire.content;
  if (wire.role === "assistant") {
    const message: Message = { role: "assistant", content: textOf(blocks) };
    const calls = blocks.filter((b) => b.type === "tool_use");
    if (calls.length > 0) {
      message.toolCalls = calls.map(
        (b): ToolCall => ({
          id: b.id as string,
          name: b.name as string,
          arguments: b.input as ToolCall["arguments"],
        }),
      );
    }
    return [message];
  }
  const out: Message[] = blocks
    .filter((b) => b.type === "tool_result")
    .map((b) => ({
      role: "tool",
      content:
        typeof b.content === "string" ? b.content : textOf(b.content as AnthropicContentBlock[]),
      toolCallId: b.tool_use_id as string,
    }));
  const rest = blocks.filter((b) => b.type !== "tool_result");
  if (rest.length > 0) {
    const message: Message = { role: "user", content: textOf(rest) };
    const images = rest.filter((b) => b.type === "image").map(imageOf);
    if (images.length > 0) message.images = images;
    out.push(message);
  }
  return out;
}

function decodeTool(wire: AnthropicWireTool): ToolDefinition {
  const tool: ToolDefinition = {
    type: "function",
    function: { name: wire.name, parameters: wire.input_schema },
  };
  if (wire.description !== undefined) tool.function.description = wire.description;
  return tool;
}

function decodeToolChoice(choice: NonNullable<AnthropicWireRequest["tool_choice"]>): ToolChoice {
  if (choice.type === "tool") return { type: "function", name: choice.name ?? "" };
  return choice.type === "any" ? "required" : choice.type;
}

function decodeThink(thinking: AnthropicWireRequest["thinking"]): ThinkOption | undefined {
  if (thinking === undefined) return undefined;
  if (thinking.type === "disabled") return false;
  const level = Object.entries(THINKING_BUDGETS).find(([, b]) => b === thinking.budget_tokens);
  return level ? (level[0] as ThinkOption) : true;
}

const KNOWN = new Set([
  "model",
  "max_tokens",
  "stream",
  "system",
  "messages",
  "tools",
  "tool_choice",
  "temperature",
  "top_p",
  "stop_sequences",
  "thinking",
  "output_config",
]);

function decodeRequest(text: string): DecodedRequest {
  const wire = JSON.parse(text) as AnthropicWireRequest;
  const system =
    wire.system === undefined
      ? []
      : typeof wire.system === "string"
        ? [wire.system]
        : wire.system.map((b) => b.text as string);
  const budget = wire.thinking?.type === "enabled" ? wire.thinking.budget_tokens : 0;
  const decoded: DecodedRequest = {
    model: wire.model,
    stream: wire.stream === true,
    messages: [
      ...system.map((content): Message => ({ role: "system", content })),
      ...wire.messages.flatMap(decodeMessage),
    ],
    options: {
      temperature: wire.temperature,
      topP: wire.top_p,
      maxTokens: wire.max_tokens - budget,
      stop: wire.stop_sequences,
      think: decodeThink(wire.thinking),
    },
    extra: {},
  };
  if (wire.tools) decoded.tools = wire.tools.map(decodeTool);
  if (wire.tool_choice) decoded.toolChoice = decodeToolChoice(wire.tool_choice);
  const format = wire.output_config?.format;
  if (format) decoded.options.responseFormat = { type: "json_schema", schema: format.schema };
  for (const [key, value] of Object.entries(wire)) if (!KNOWN.has(key)) decoded.extra[key] = value;
  return decoded;
}

/** The conformance codec of Anthropic's Messages API. */
export const anthropicCodec: ConformanceCodec = {
  name: "anthropic-messages",
  paths: { chat: "/v1/messages", health: "/v1/models", models: "/v1/models" },
  basePath: "",
  encodeStream,
  encodeHttpError,
  encodeModels,
  encodeHealth: () => encodeModels(["claude-conformance"]),
  malformedFrame: () =>
    'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"unterminated\n\n',
  oversizeFrame: (size) =>
    event({
      type: "content_block_delta",
      index: 0,
      delta: { type: "text_delta", text: "x".repeat(size) },
    }),
  encodeInvalidToolArguments: (model) => ({
    status: 200,
    headers: SSE,
    frames: [
      messageStart(model, undefined),
      ...toolBlock(0, "toolu_bad", "get_weather", '{"city": "Zür'),
      ...endEvents({ model }, "tool_calls"),
    ],
    terminalFrames: 1,
  }),
  encodeCutToolCall,
  decodeRequest,
  // No "error": a stop_reason cannot say that.
  finishReasons: ["stop", "length", "tool_calls", "content_filter", "other"],
  toolChoices: ["auto", "none", "required", { type: "function", name: "get_weather" }],
  keepAliveFrames: () => [event({ type: "ping" })],
  // No seed on the Messages API.
  samplingOptions: ["temperature", "topP", "maxTokens", "stop"],
  authHeaders: (apiKey) => ({ "x-api-key": apiKey }),
};
