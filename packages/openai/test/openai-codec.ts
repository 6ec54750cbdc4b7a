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
  ResponseFormat,
  ThinkOption,
  ToolCall,
  ToolChoice,
} from "@x/core";

const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
};
const JSON_HEADERS = { "content-type": "application/json" };

const WIRE_FINISH: Record<FinishReason, string> = {
  stop: "stop",
  length: "length",
  tool_calls: "tool_calls",
  content_filter: "content_filter",
  error: "error",
  other: "end_of_something_else",
};

function frame(value: unknown): string {
  return `data: ${JSON.stringify(value)}\n\n`;
}

function chunk(
  model: string,
  choice: Record<string, unknown> | undefined,
  extra: Record<string, unknown> = {},
) {
  return {
    id: "chatcmpl-conformance",
    object: "chat.completion.chunk",
    created: 1764000000,
    model,
    choices:
      choice === undefined ? [] : [{ index: 0, logprobs: null, finish_reason: null, ...choice }],
    ...extra,
  };
}

/** Splits a string in up to three code-point-safe fragments, as OpenAI streams arguments. */
function fragments(text: string): string[] {
  const chars = Array.from(text);
  if (chars.length < 3) return [text];
  const a = Math.floor(chars.length / 3);
  const b = Math.floor((2 * chars.length) / 3);
  return [chars.slice(0, a).join(""), chars.slice(a, b).join(""), chars.slice(b).join("")];
}

function wholeCall(call: ToolCall, index: number) {
  return {
    index,
    id: call.id,
    type: "function",
    function: { name: call.name, arguments: JSON.stringify(call.arguments) },
  };
}

/** One call streamed as OpenAI does: id and name first, then the arguments in fragments. */
function streamedCall(model: string, index: number, id: string, name: string, args: string) {
  const first = { index, id, type: "function", function: { name, arguments: "" } };
  return [
    frame(chunk(model, { delta: { tool_calls: [first] } })),
    ...fragments(args).map((part) =>
      frame(chunk(model, { delta: { tool_calls: [{ index, function: { arguments: part } }] } })),
    ),
  ];
}

/** The role delta, thinking and text deltas, and (unless in the final frame) the tool calls. */
function bodyFrames(scenario: Scenario): string[] {
  const { model } = scenario;
  const frames: string[] = [frame(chunk(model, { delta: { role: "assistant", content: "" } }))];
  for (const thinking of scenario.thinking ?? []) {
    frames.push(frame(chunk(model, { delta: { reasoning_content: thinking } })));
  }
  for (const text of scenario.text ?? [])
    frames.push(frame(chunk(model, { delta: { content: text } })));
  if (!scenario.toolCallsInFinalFrame) {
    (scenario.toolCalls ?? []).forEach((call, index) => {
      frames.push(
        ...streamedCall(model, index, call.id, call.name, JSON.stringify(call.arguments)),
      );
    });
  }
  return frames;
}

/**
 * The finish chunk, the usage chunk (`include_usage`) and `[DONE]`. Server timings ride on the
 * last chunk before `[DONE]`, as llama.cpp sends them.
 */
function terminalFrames(scenario: Scenario, finish: FinishReason, delta: object): string[] {
  const { model, usage, timings } = scenario;
  const last: Record<string, unknown> = {};
  if (timings !== undefined) {
    const server: Record<string, number> = {};
    if (timings.promptMs !== undefined) server.prompt_ms = timings.promptMs;
    if (timings.generationMs !== undefined) server.predicted_ms = timings.generationMs;
    if (usage && timings.generationMs !== undefined) {
      server.predicted_n = usage.outputTokens;
      server.predicted_per_second = usage.outputTokens / (timings.generationMs / 1000);
    }
    last.timings = server;
  }
  const finishChunk = chunk(model, { delta, finish_reason: WIRE_FINISH[finish] });
  if (!usage) return [frame({ ...finishChunk, ...last }), "data: [DONE]\n\n"];
  const { inputTokens, outputTokens } = usage;
  const totals = {
    prompt_tokens: inputTokens,
    completion_tokens: outputTokens,
    total_tokens: inputTokens + outputTokens,
  };
  return [
    frame(finishChunk),
    frame(chunk(model, undefined, { usage: totals, ...last })),
    "data: [DONE]\n\n",
  ];
}

/** Encodes Chat Completions SSE answers the way OpenAI sends them (T1–T3 of the protocol notes). */
export const openaiCodec: ConformanceCodec = {
  name: "openai-chat-completions-sse",
  paths: { chat: "/v1/chat/completions", health: "/v1/models", models: "/v1/models" },
  basePath: "/v1",
  // "error" is OpenRouter's in-stream failure: a ProviderError, never a done.
  finishReasons: ["stop", "length", "content_filter", "other"],
  toolChoices: ["auto", "none", "required", { type: "function", name: "get_weather" }],
  // llama.cpp's `timings` (prompt_ms, predicted_ms, predicted_per_second).
  timings: ["promptMs", "generationMs"],

  keepAliveFrames(model: string): string[] {
    return [
      ": OPENROUTER PROCESSING\n\n",
      ": keep-alive\n\n",
      frame(chunk(model, { delta: { role: "assistant", content: "" } })),
      frame(chunk(model, { delta: { content: null, reasoning_content: "", tool_calls: [] } })),
    ];
  },

  encodeStream(scenario: Scenario): EncodedStream {
    const frames = bodyFrames(scenario);
    if (scenario.error) {
      const error: Record<string, unknown> = {
        message: scenario.error.message,
        type: "server_error",
      };
      if (scenario.error.code) error.code = scenario.error.code;
      frames.push(frame({ error }));
      return { status: 200, headers: SSE_HEADERS, frames, terminalFrames: 0 };
    }
    const calls = scenario.toolCalls ?? [];
    const finish = scenario.finishReason ?? (calls.length > 0 ? "tool_calls" : "stop");
    const finalDelta: Record<string, unknown> = {};
    if (scenario.toolCallsInFinalFrame && calls.length > 0) {
      finalDelta.tool_calls = calls.map(wholeCall);
    }
    const terminal = terminalFrames(scenario, finish, finalDelta);
    frames.push(...terminal);
    return { status: 200, headers: SSE_HEADERS, frames, terminalFrames: terminal.length };
  },

  /** llama.cpp under `max_tokens`: the cut call's arguments end where the limit hit. */
  encodeCutToolCall(scenario: Scenario, cut: IncompleteToolCall): EncodedStream {
    const frames = bodyFrames({ ...scenario, toolCallsInFinalFrame: false });
    const index = scenario.toolCalls?.length ?? 0;
    frames.push(...streamedCall(scenario.model, index, cut.id, cut.name, cut.argumentsText));
    const terminal = terminalFrames(scenario, "length", {});
    frames.push(...terminal);
    return { status: 200, headers: SSE_HEADERS, frames, terminalFrames: terminal.length };
  },

  encodeHttpError(spec: HttpErrorSpec): HttpAnswer {
    const headers: Record<string, string> = { ...JSON_HEADERS };
    if (spec.retryAfterSeconds !== undefined)
      headers["retry-after"] = String(spec.retryAfterSeconds);
    const body = {
      error: {
        message: spec.message,
        type: spec.code ?? (spec.status >= 500 ? "server_error" : "invalid_request_error"),
        param: null,
        code: spec.code ?? null,
      },
    };
    return { status: spec.status, headers, body: JSON.stringify(body) };
  },

  encodeModels(names: string[]): HttpAnswer {
    const data = names.map((id) => ({
      id,
      object: "model",
      created: 1764000000,
      owned_by: "conformance",
    }));
    return { status: 200, headers: JSON_HEADERS, body: JSON.stringify({ object: "list", data }) };
  },

  encodeHealth(): HttpAnswer {
    return openaiCodec.encodeModels(["conformance-model"]);
  },

  malformedFrame(): string {
    return 'data: {"id":"chatcmpl-x","choices":[{"index":0,"delta":{"content":"unterminated\n\n';
  },

  oversizeFrame(size: number, model: string): string {
    return frame(chunk(model, { delta: { content: "x".repeat(size) } }));
  },

  encodeInvalidToolArguments(model: string): EncodedStream {
    const frames = [
      frame(chunk(model, { delta: { role: "assistant", content: null } })),
      frame(
        chunk(model, {
          delta: {
            tool_calls: [
              {
                index: 0,
                id: "call_bad",
                type: "function",
                function: { name: "get_weather", arguments: '{"city": "Zür' },
              },
            ],
          },
        }),
      ),
      frame(chunk(model, { delta: {}, finish_reason: "tool_calls" })),
      "data: [DONE]\n\n",
    ];
    return { status: 200, headers: SSE_HEADERS, frames, terminalFrames: 2 };
  },

  decodeRequest(body: string): DecodedRequest {
    const json = JSON.parse(body) as Record<string, unknown>;
    const known = new Set([
      "model",
      "messages",
      "stream",
      "stream_options",
      "tools",
      "tool_choice",
      "temperature",
      "top_p",
      "max_tokens",
      "max_completion_tokens",
      "stop",
      "seed",
      "reasoning_effort",
      "response_format",
    ]);
    const extra: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(json)) if (!known.has(key)) extra[key] = value;
    const options: DecodedRequest["options"] = {};
    if (typeof json.temperature === "number") options.temperature = json.temperature;
    if (typeof json.top_p === "number") options.topP = json.top_p;
    const maxTokens = json.max_tokens ?? json.max_completion_tokens;
    if (typeof maxTokens === "number") options.maxTokens = maxTokens;
    if (Array.isArray(json.stop)) options.stop = json.stop as string[];
    else if (typeof json.stop === "string") options.stop = [json.stop];
    if (typeof json.seed === "number") options.seed = json.seed;
    if (typeof json.reasoning_effort === "string") {
      options.think = json.reasoning_effort as ThinkOption;
    }
    const format = json.response_format as Record<string, unknown> | undefined;
    if (format?.type === "json_object") options.responseFormat = "json";
    else if (format?.type === "json_schema") {
      const schema = format.json_schema as Record<string, unknown>;
      const decoded: ResponseFormat = {
        type: "json_schema",
        schema: schema.schema as Record<string, unknown>,
        name: schema.name as string,
      };
      if (typeof schema.strict === "boolean") decoded.strict = schema.strict;
      options.responseFormat = decoded;
    }
    const decoded: DecodedRequest = {
      model: String(json.model),
      stream: json.stream === true,
      messages: (json.messages as Array<Record<string, unknown>>).map(decodeMessage),
      options,
      extra,
    };
    if (Array.isArray(json.tools)) decoded.tools = json.tools as DecodedRequest["tools"];
    const choice = json.tool_choice;
    if (typeof choice === "string") decoded.toolChoice = choice as ToolChoice;
    else if (typeof choice === "object" && choice !== null) {
      decoded.toolChoice = {
        type: "function",
        name: String((choice as { function: { name: string } }).function.name),
      };
    }
    return decoded;
  },
};

function decodeMessage(wire: Record<string, unknown>): Message {
  const role = wire.role as Message["role"];
  const message: Message = { role, content: "" };
  const content = wire.content;
  if (typeof content === "string") message.content = content;
  else if (Array.isArray(content)) {
    const images: string[] = [];
    for (const part of content as Array<Record<string, unknown>>) {
      if (part.type === "text") message.content += String(part.text);
      if (part.type === "image_url") images.push(String((part.image_url as { url: string }).url));
    }
    if (images.length > 0) message.images = images;
  }
  if (Array.isArray(wire.tool_calls)) {
    message.toolCalls = (wire.tool_calls as Array<Record<string, unknown>>).map((call) => {
      const fn = call.function as { name: string; arguments: string };
      return { id: String(call.id), name: fn.name, arguments: JSON.parse(fn.arguments) };
    });
  }
  if (typeof wire.tool_call_id === "string") message.toolCallId = wire.tool_call_id;
  if (typeof wire.name === "string") message.name = wire.name;
  return message;
}
