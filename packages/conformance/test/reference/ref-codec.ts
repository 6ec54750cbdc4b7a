import type { Message, ToolCall, ToolDefinition } from "@x/core";
import type { ConformanceCodec, DecodedRequest, EncodedStream, Scenario } from "../../src/codec.js";

/**
 * The reference protocol ("ref-ndjson"): POST /api/chat answers NDJSON frames
 * `{"type":"thinking"|"text","delta"}`, `{"type":"tool","call":{id,name,arguments}}`,
 * `{"type":"error","error":{message,code}}` and the terminal
 * `{"type":"done","model","reason","usage":{input,output},"tokens_per_sec","tool_calls"?}`.
 */
export interface RefWireMessage {
  role: Message["role"];
  content: string;
  images?: string[];
  tool_calls?: ToolCall[];
  tool_call_id?: string;
  name?: string;
}

/** The request body of the reference protocol. */
export interface RefWireRequest {
  model: string;
  stream: boolean;
  messages: RefWireMessage[];
  tools?: ToolDefinition[];
  options?: {
    temperature?: number;
    top_p?: number;
    max_tokens?: number;
    stop?: string[];
    seed?: number;
  };
  think?: boolean | "low" | "medium" | "high";
  format?: "json" | { name?: string; schema: Record<string, unknown> };
  extra?: Record<string, unknown>;
}

const NDJSON = { "content-type": "application/x-ndjson" };
const line = (value: unknown): string => `${JSON.stringify(value)}\n`;

function encode(scenario: Scenario, invalidArguments = false): EncodedStream {
  const frames: string[] = [];
  for (const delta of scenario.thinking ?? []) frames.push(line({ type: "thinking", delta }));
  for (const delta of scenario.text ?? []) frames.push(line({ type: "text", delta }));
  const calls = scenario.toolCalls ?? [];
  if (!scenario.toolCallsInFinalFrame) {
    for (const call of calls) {
      frames.push(
        line({
          type: "tool",
          call: invalidArguments ? { ...call, arguments: '{"city": "Par' } : call,
        }),
      );
    }
  }
  if (scenario.error) {
    frames.push(line({ type: "error", error: scenario.error }));
    return { status: 200, headers: NDJSON, frames, terminalFrames: 0 };
  }
  const done: Record<string, unknown> = {
    type: "done",
    model: scenario.model,
    reason: scenario.finishReason ?? (calls.length > 0 ? "tool_calls" : "stop"),
    tokens_per_sec: 42.5,
  };
  if (scenario.usage)
    done.usage = { input: scenario.usage.inputTokens, output: scenario.usage.outputTokens };
  if (scenario.toolCallsInFinalFrame) done.tool_calls = calls;
  frames.push(line(done));
  return { status: 200, headers: NDJSON, frames, terminalFrames: 1 };
}

/** The codec of the reference protocol. */
export const refCodec: ConformanceCodec = {
  name: "ref-ndjson",
  paths: { chat: "/api/chat", health: "/health", models: "/models" },
  basePath: "",
  encodeStream: (scenario) => encode(scenario),
  encodeHttpError(error) {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (error.retryAfterSeconds !== undefined)
      headers["retry-after"] = String(error.retryAfterSeconds);
    return {
      status: error.status,
      headers,
      body: JSON.stringify({ error: { message: error.message, code: error.code } }),
    };
  },
  encodeModels: (names) => ({
    status: 200,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ models: names }),
  }),
  encodeHealth: () => ({ status: 200, headers: { "content-type": "text/plain" }, body: "ok" }),
  malformedFrame: () => '{"type":"text","delta":"unterminated\n',
  oversizeFrame: (size) => line({ type: "text", delta: "x".repeat(size) }),
  encodeInvalidToolArguments: (model) =>
    encode({ model, toolCalls: [{ id: "call_bad", name: "get_weather", arguments: {} }] }, true),
  decodeRequest(body): DecodedRequest {
    const wire = JSON.parse(body) as RefWireRequest;
    const messages: Message[] = wire.messages.map((m) => {
      const out: Message = { role: m.role, content: m.content };
      if (m.images) out.images = m.images;
      if (m.tool_calls) out.toolCalls = m.tool_calls;
      if (m.tool_call_id) out.toolCallId = m.tool_call_id;
      if (m.name) out.name = m.name;
      return out;
    });
    const o = wire.options ?? {};
    const decoded: DecodedRequest = {
      model: wire.model,
      stream: wire.stream,
      messages,
      options: {
        temperature: o.temperature,
        topP: o.top_p,
        maxTokens: o.max_tokens,
        stop: o.stop,
        seed: o.seed,
        think: wire.think,
      },
      extra: wire.extra ?? {},
    };
    if (wire.tools) decoded.tools = wire.tools;
    if (wire.format === "json") decoded.options.responseFormat = "json";
    else if (wire.format)
      decoded.options.responseFormat = {
        type: "json_schema",
        schema: wire.format.schema,
        name: wire.format.name,
      };
    return decoded;
  },
};
