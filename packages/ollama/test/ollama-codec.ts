import type {
  ConformanceCodec,
  DecodedRequest,
  EncodedStream,
  HttpAnswer,
  HttpErrorSpec,
  Scenario,
} from "@x/conformance";
import type {
  IncompleteToolCall,
  Message,
  ResponseFormat,
  ThinkOption,
  ToolCall,
  ToolDefinition,
} from "@x/core";

/**
 * Encodes conformance scenarios exactly as Ollama's `/api/chat` writes them
 * (shared/protocols/ollama.md §2): one JSON object per line, Go key order, `content` always
 * present, tool calls whole with object arguments and `index`, metrics only on the done frame,
 * `done_reason` "stop" for tool calls, `{"error": ...}` lines for in-stream errors.
 */

const NDJSON_HEADERS = { "content-type": "application/x-ndjson" };
const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" };
const CREATED_AT = "2026-10-05T14:02:11.482917351Z";

type WireToolCall = { id?: string; function: { index: number; name: string; arguments: unknown } };

function frame(model: string, message: Record<string, unknown>, done: false): string;
function frame(
  model: string,
  message: Record<string, unknown>,
  done: true,
  tail: Record<string, unknown>,
): string;
function frame(
  model: string,
  message: Record<string, unknown>,
  done: boolean,
  tail: Record<string, unknown> = {},
): string {
  return `${JSON.stringify({ model, created_at: CREATED_AT, message: { role: "assistant", content: "", ...message }, done, ...tail })}\n`;
}

function wireCalls(calls: readonly ToolCall[], offset = 0): WireToolCall[] {
  return calls.map((call, i) => ({
    id: call.id,
    function: { index: offset + i, name: call.name, arguments: call.arguments },
  }));
}

function doneReason(scenario: Scenario): string {
  // Ollama reports "stop" for tool calls (§2.3); any value it does not know maps to "other"
  // ("repeat" is a proposed one, ollama#14523).
  if (scenario.finishReason === "length") return "length";
  return scenario.finishReason === "other" ? "repeat" : "stop";
}

/** Milliseconds → Ollama's integer nanoseconds. */
const ns = (ms: number) => Math.round(ms * 1e6);

/** The done frame's metrics: usage counts and *_duration fields, each only when the scenario has it. */
function metrics(scenario: Scenario): Record<string, unknown> {
  const tail: Record<string, unknown> = { done_reason: doneReason(scenario) };
  const { timings, usage } = scenario;
  if (timings?.totalMs !== undefined) tail.total_duration = ns(timings.totalMs);
  if (timings?.loadMs !== undefined) tail.load_duration = ns(timings.loadMs);
  if (usage) tail.prompt_eval_count = usage.inputTokens;
  if (timings?.promptMs !== undefined) tail.prompt_eval_duration = ns(timings.promptMs);
  if (usage) tail.eval_count = usage.outputTokens;
  if (timings?.generationMs !== undefined) tail.eval_duration = ns(timings.generationMs);
  return tail;
}

/** Thinking, text and (unless they go in the done frame) each tool call in its own frame. */
function bodyFrames(scenario: Scenario): string[] {
  const { model } = scenario;
  const frames: string[] = [];
  for (const thinking of scenario.thinking ?? []) frames.push(frame(model, { thinking }, false));
  for (const content of scenario.text ?? []) frames.push(frame(model, { content }, false));
  if (!scenario.toolCallsInFinalFrame) {
    // Rendered path: each call in its own intermediate frame, as soon as it parses.
    (scenario.toolCalls ?? []).forEach((call, i) => {
      frames.push(frame(model, { tool_calls: wireCalls([call], i) }, false));
    });
  }
  return frames;
}

function encodeStream(scenario: Scenario): EncodedStream {
  const frames = bodyFrames(scenario);
  if (scenario.error) {
    frames.push(`${JSON.stringify({ error: scenario.error.message })}\n`);
    return { status: 200, headers: NDJSON_HEADERS, frames, terminalFrames: 1 };
  }
  const calls = scenario.toolCalls ?? [];
  const finalMessage =
    scenario.toolCallsInFinalFrame && calls.length > 0 ? { tool_calls: wireCalls(calls) } : {};
  frames.push(frame(scenario.model, finalMessage, true, metrics(scenario)));
  return { status: 200, headers: NDJSON_HEADERS, frames, terminalFrames: 1 };
}

/**
 * A tool call the token limit cut: Ollama itself sends only whole calls with object arguments,
 * but a proxy or an odd server in front of it may send argument text; the adapter holds text
 * that does not parse until the done frame says `length`.
 */
function encodeCutToolCall(scenario: Scenario, cut: IncompleteToolCall): EncodedStream {
  const frames = bodyFrames({ ...scenario, toolCallsInFinalFrame: false });
  const index = scenario.toolCalls?.length ?? 0;
  const wire = { id: cut.id, function: { index, name: cut.name, arguments: cut.argumentsText } };
  frames.push(frame(scenario.model, { tool_calls: [wire] }, false));
  frames.push(frame(scenario.model, {}, true, metrics({ ...scenario, finishReason: "length" })));
  return { status: 200, headers: NDJSON_HEADERS, frames, terminalFrames: 1 };
}

function encodeHttpError(error: HttpErrorSpec): HttpAnswer {
  const headers: Record<string, string> = { ...JSON_HEADERS };
  if (error.retryAfterSeconds !== undefined)
    headers["retry-after"] = String(error.retryAfterSeconds);
  // Ollama's bodies are {"error":"..."} with no trailing newline; a code is not part of its
  // protocol but is carried when the scenario asks (proxies in front of Ollama add one).
  const body: Record<string, unknown> = { error: error.message };
  if (error.code !== undefined) body.code = error.code;
  return { status: error.status, headers, body: JSON.stringify(body) };
}

function encodeModels(names: string[]): HttpAnswer {
  const models = names.map((name) => ({
    name,
    model: name,
    modified_at: "2026-10-01T10:00:00.000000+02:00",
    size: 5_200_000_000,
    digest: "a".repeat(64),
    details: {
      parent_model: "",
      format: "gguf",
      family: "qwen3",
      families: ["qwen3"],
      parameter_size: "8.2B",
      quantization_level: "Q4_K_M",
    },
    capabilities: ["completion", "tools", "thinking"],
  }));
  return { status: 200, headers: JSON_HEADERS, body: JSON.stringify({ models }) };
}

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function decodeMessage(wire: Record<string, unknown>): Message {
  const message: Message = { role: wire.role as Message["role"], content: str(wire.content) ?? "" };
  if (Array.isArray(wire.images)) message.images = wire.images as string[];
  if (typeof wire.thinking === "string") message.thinking = wire.thinking;
  if (Array.isArray(wire.tool_calls)) {
    message.toolCalls = (wire.tool_calls as WireToolCall[]).map((call) => ({
      id: call.id ?? "",
      name: call.function.name,
      arguments: call.function.arguments as Record<string, unknown>,
    }));
  }
  if (typeof wire.tool_call_id === "string") message.toolCallId = wire.tool_call_id;
  if (typeof wire.tool_name === "string") message.name = wire.tool_name;
  return message;
}

const KNOWN_TOP = new Set(["model", "messages", "stream", "tools", "think", "format", "options"]);
const KNOWN_OPTIONS = new Set(["temperature", "top_p", "num_predict", "stop", "seed"]);

function decodeRequest(text: string): DecodedRequest {
  const body = JSON.parse(text) as Record<string, unknown>;
  const options = (body.options ?? {}) as Record<string, unknown>;
  const decoded: DecodedRequest = {
    model: String(body.model),
    stream: body.stream === true,
    messages: ((body.messages ?? []) as Record<string, unknown>[]).map(decodeMessage),
    options: {},
    extra: {},
  };
  if (Array.isArray(body.tools)) decoded.tools = body.tools as ToolDefinition[];
  const o = decoded.options;
  if (typeof options.temperature === "number") o.temperature = options.temperature;
  if (typeof options.top_p === "number") o.topP = options.top_p;
  if (typeof options.num_predict === "number") o.maxTokens = options.num_predict;
  if (Array.isArray(options.stop)) o.stop = options.stop as string[];
  if (typeof options.seed === "number") o.seed = options.seed;
  if (body.think !== undefined) o.think = body.think as ThinkOption;
  if (body.format === "json") o.responseFormat = "json";
  else if (typeof body.format === "object" && body.format !== null) {
    o.responseFormat = {
      type: "json_schema",
      schema: body.format as Record<string, unknown>,
    } satisfies ResponseFormat;
  }
  for (const [key, value] of Object.entries(body))
    if (!KNOWN_TOP.has(key)) decoded.extra[key] = value;
  for (const [key, value] of Object.entries(options))
    if (!KNOWN_OPTIONS.has(key)) decoded.extra[key] = value;
  return decoded;
}

/** The Ollama `/api/chat` NDJSON codec for `@x/conformance`. */
export const ollamaCodec: ConformanceCodec = {
  name: "ollama-ndjson",
  paths: { chat: "/api/chat", health: "/api/version", models: "/api/tags" },
  basePath: "",
  encodeStream,
  encodeHttpError,
  encodeModels,
  encodeHealth: () => ({ status: 200, headers: JSON_HEADERS, body: '{"version":"0.32.15"}' }),
  malformedFrame: () => "not json at all\n",
  oversizeFrame: (size, model) => frame(model, { content: "x".repeat(size) }, false),
  // Ollama sends arguments as an object; a string that is not JSON only comes from proxies and
  // odd servers, and must still be a ProtocolError rather than a call with garbage arguments.
  encodeInvalidToolArguments: (model) => ({
    status: 200,
    headers: NDJSON_HEADERS,
    frames: [
      frame(
        model,
        {
          tool_calls: [
            {
              id: "call_bad",
              function: { index: 0, name: "get_weather", arguments: '{"city": "Zür' },
            },
          ],
        },
        false,
      ),
      frame(model, {}, true, { done_reason: "stop" }),
    ],
    terminalFrames: 1,
  }),
  decodeRequest,
  finishReasons: ["stop", "length", "other"],
  timings: ["totalMs", "loadMs", "promptMs", "generationMs"],
  // Ollama has no keep-alive, but sends frames with `content: ""` (load-only, before thinking).
  keepAliveFrames: (model) => [frame(model, {}, false)],
  encodeCutToolCall,
};
