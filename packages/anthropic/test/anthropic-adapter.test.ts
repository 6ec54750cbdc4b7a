import type { ServerResponse } from "node:http";
import {
  AuthenticationError,
  ContextLengthError,
  type DoneChunk,
  InvalidRequestError,
  ModelLoadingTimeoutError,
  ProviderError,
  RateLimitError,
  ServerError,
  type StreamChunk,
} from "@x/core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  AnthropicAdapter,
  AnthropicProtocolError,
  type AnthropicResponseMessage,
} from "../src/index.js";
import {
  drain,
  fixture,
  type RecordedRequest,
  sendJson,
  startServer,
  type TestServer,
  writePieces,
} from "./loopback.js";

type Answer = (
  request: RecordedRequest,
) =>
  | { status: number; body: unknown; headers?: Record<string, string> }
  | Uint8Array
  | ((response: ServerResponse) => void);

const KEY = "sk-ant-api03-secret-key-value-0123456789";
let server: TestServer;
let answer: Answer = () => ({ status: 500, body: {} });
const adapters: AnthropicAdapter[] = [];

beforeAll(async () => {
  server = await startServer(async (request, response) => {
    const out = answer(request);
    if (typeof out === "function") out(response);
    else if (out instanceof Uint8Array) await writePieces(response, [out]);
    else sendJson(response, out.status, out.body, out.headers);
  });
});
afterEach(async () => {
  server.requests.length = 0;
  await Promise.all(adapters.splice(0).map((a) => a.close()));
});
afterAll(() => server.close());

function adapter(
  options: Partial<ConstructorParameters<typeof AnthropicAdapter>[0]> = {},
): AnthropicAdapter {
  const created = new AnthropicAdapter({
    baseUrl: server.url,
    model: "claude-test",
    apiKey: KEY,
    ...options,
  });
  adapters.push(created);
  return created;
}

const event = (value: { type: string; [field: string]: unknown }) =>
  `event: ${value.type}\ndata: ${JSON.stringify(value)}\n\n`;

/** A text answer with `stop_reason` and usage as given. */
function textStream(
  stopReason: string,
  usage: Record<string, number> = {},
  text = "Hi",
): Uint8Array {
  return Buffer.from(
    event({
      type: "message_start",
      message: {
        id: "msg_1",
        model: "claude-served",
        usage: { input_tokens: 5, output_tokens: 1, ...usage },
      },
    }) +
      event({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }) +
      event({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text } }) +
      event({ type: "content_block_stop", index: 0 }) +
      event({
        type: "message_delta",
        delta: { stop_reason: stopReason, stop_sequence: null },
        usage: { output_tokens: 7 },
      }) +
      event({ type: "message_stop" }),
  );
}

const doneOf = (chunks: StreamChunk[]) => chunks.at(-1) as DoneChunk;
const hi = [{ role: "user" as const, content: "Hi" }];

describe("requests", () => {
  it("POSTs /v1/messages with x-api-key, anthropic-version and max_tokens", async () => {
    answer = () => textStream("end_turn");
    await drain(adapter().stream(hi));
    const [request] = server.requests;
    expect(request?.method).toBe("POST");
    expect(request?.path).toBe("/v1/messages");
    expect(request?.headers["x-api-key"]).toBe(KEY);
    expect(request?.headers["anthropic-version"]).toBe("2023-06-01");
    expect(request?.headers.authorization).toBeUndefined();
    expect(JSON.parse(request?.body ?? "{}")).toMatchObject({
      model: "claude-test",
      max_tokens: 4096,
      stream: true,
    });
  });

  it("takes the key from ANTHROPIC_API_KEY, maxTokens from the adapter, headers win", async () => {
    answer = () => textStream("end_turn");
    const saved = process.env.ANTHROPIC_API_KEY;
    process.env.ANTHROPIC_API_KEY = "sk-ant-from-env-0123456789";
    try {
      const a = adapter({
        apiKey: undefined,
        maxTokens: 300,
        headers: { "anthropic-beta": "x-2025", "anthropic-version": "2099-01-01" },
      });
      await drain(a.stream(hi, { maxTokens: undefined }));
    } finally {
      if (saved === undefined) delete process.env.ANTHROPIC_API_KEY;
      else process.env.ANTHROPIC_API_KEY = saved;
    }
    const [request] = server.requests;
    expect(request?.headers["x-api-key"]).toBe("sk-ant-from-env-0123456789");
    expect(request?.headers["anthropic-beta"]).toBe("x-2025");
    expect(request?.headers["anthropic-version"]).toBe("2099-01-01");
    expect(JSON.parse(request?.body ?? "{}").max_tokens).toBe(300);
  });

  it("defaults to https://api.anthropic.com", () => {
    expect(new AnthropicAdapter({ model: "m", apiKey: "k" }).baseUrl).toBe(
      "https://api.anthropic.com",
    );
  });
});

describe("answers", () => {
  it.each([
    ["end_turn", "stop"],
    ["stop_sequence", "stop"],
    ["max_tokens", "length"],
    ["model_context_window_exceeded", "length"],
    ["tool_use", "tool_calls"],
    ["refusal", "content_filter"],
    ["pause_turn", "other"],
    ["some_future_reason", "other"],
  ])("stop_reason %s → finishReason %s", async (stopReason, finishReason) => {
    answer = () => textStream(stopReason);
    const { chunks, error } = await drain(adapter().stream(hi));
    expect(error).toBeUndefined();
    expect(doneOf(chunks)).toMatchObject({
      finishReason,
      model: "claude-served",
      provider: "anthropic",
    });
    expect((doneOf(chunks).raw as AnthropicResponseMessage).stop_reason).toBe(stopReason);
  });

  it("usage: cache reads and writes count as input, cache reads as cachedInputTokens", async () => {
    answer = () =>
      textStream("end_turn", {
        input_tokens: 10,
        cache_read_input_tokens: 100,
        cache_creation_input_tokens: 20,
      });
    const { chunks } = await drain(adapter().stream(hi));
    expect(doneOf(chunks).usage).toEqual({
      inputTokens: 130,
      outputTokens: 7,
      cachedInputTokens: 100,
      totalTokens: 137,
    });
  });

  it("done.raw keeps thinking signatures and redacted thinking for the follow-up request", async () => {
    answer = () => fixture("interleaved");
    const { chunks } = await drain(adapter().stream(hi));
    const raw = doneOf(chunks).raw as AnthropicResponseMessage;
    expect(raw.content.map((b) => b.type)).toEqual([
      "thinking",
      "redacted_thinking",
      "text",
      "tool_use",
      "tool_use",
      "tool_use",
    ]);
    expect(raw.content[0]?.signature).toMatch(/^EqQB/);
    expect(raw.content[1]?.data).toMatch(/^EmwK/);
    // Sent back verbatim as anthropicContent on the assistant message.
    answer = () => textStream("end_turn");
    await drain(
      adapter().stream([
        ...hi,
        { role: "assistant", content: "ignored", anthropicContent: raw.content },
        { role: "tool", content: "21 °C", toolCallId: "toolu_01Weather" },
      ]),
    );
    const sent = JSON.parse(server.requests.at(-1)?.body ?? "{}");
    expect(sent.messages[1]).toEqual({ role: "assistant", content: raw.content });
    expect(sent.messages[2].content[0]).toEqual({
      type: "tool_result",
      tool_use_id: "toolu_01Weather",
      content: "21 °C",
    });
  });

  it("a tool without arguments (no input_json_delta) yields {}", async () => {
    answer = () => fixture("interleaved");
    const { chunks } = await drain(adapter().stream(hi));
    const calls = chunks.flatMap((c) => (c.type === "tool_calls" ? c.toolCalls : []));
    expect(calls.map((c) => c.name)).toEqual(["get_weather", "search", "get_time"]);
    expect(calls[2]?.arguments).toEqual({});
    // Each call is yielded as soon as its block stops, not at the end.
    expect(chunks.filter((c) => c.type === "tool_calls")).toHaveLength(3);
  });

  it("a repeated content_block_stop does not yield a tool call twice", async () => {
    const text = fixture("tool-use").toString("utf8");
    const stop = 'event: content_block_stop\ndata: {"type":"content_block_stop","index":1}\n\n';
    expect(text).toContain(stop);
    answer = () => Buffer.from(text.replace(stop, stop + stop));
    const { chunks, error } = await drain(adapter().stream(hi));
    expect(error).toBeUndefined();
    expect(chunks.filter((c) => c.type === "tool_calls")).toHaveLength(1);
  });

  it("an in-stream overloaded_error is a retryable ProviderError with the partial text", async () => {
    answer = () => fixture("error");
    const { error } = await drain(adapter().stream(hi));
    expect(ProviderError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      providerCode: "overloaded_error",
      retryable: true,
      model: "claude-test",
    });
    expect((error as ProviderError).partial?.content).toBe("Partial answer — then the API gave up");
  });

  it("a malformed event after good ones in the same write: the good chunks come first, and partial is exactly them", async () => {
    const call = { id: "toolu_1", name: "get_weather", arguments: { city: "Paris" } };
    answer = () =>
      Buffer.from(
        event({ type: "message_start", message: { id: "msg_1", model: "claude-served" } }) +
          event({
            type: "content_block_start",
            index: 0,
            content_block: { type: "thinking", thinking: "" },
          }) +
          event({
            type: "content_block_delta",
            index: 0,
            delta: { type: "thinking_delta", thinking: "hmm" },
          }) +
          event({ type: "content_block_stop", index: 0 }) +
          event({
            type: "content_block_start",
            index: 1,
            content_block: { type: "text", text: "" },
          }) +
          event({
            type: "content_block_delta",
            index: 1,
            delta: { type: "text_delta", text: "a" },
          }) +
          event({
            type: "content_block_delta",
            index: 1,
            delta: { type: "text_delta", text: "b" },
          }) +
          event({ type: "content_block_stop", index: 1 }) +
          event({
            type: "content_block_start",
            index: 2,
            content_block: { type: "tool_use", id: call.id, name: call.name, input: {} },
          }) +
          event({
            type: "content_block_delta",
            index: 2,
            delta: { type: "input_json_delta", partial_json: '{"city":"Paris"}' },
          }) +
          event({ type: "content_block_stop", index: 2 }) +
          'event: content_block_delta\ndata: {"type":"content_block_delta",\n\n' +
          event({
            type: "content_block_delta",
            index: 1,
            delta: { type: "text_delta", text: "never" },
          }) +
          event({ type: "message_stop" }),
      );
    const { chunks, error } = await drain(adapter().stream(hi));
    expect(chunks).toEqual([
      { type: "thinking", thinking: "hmm" },
      { type: "content", content: "a" },
      { type: "content", content: "b" },
      { type: "tool_calls", toolCalls: [call] },
    ]);
    expect(AnthropicProtocolError.isInstance(error)).toBe(true);
    const e = error as AnthropicProtocolError;
    expect(e.reason).toBe("malformed_frame");
    expect(e.partial).toEqual({ content: "ab", thinking: "hmm", toolCalls: [call] });
  });

  it('responseFormat "json" is refused before sending; a schema goes to output_config.format', async () => {
    answer = () => textStream("end_turn");
    const { error } = await drain(adapter().stream(hi, { responseFormat: "json" }));
    expect(InvalidRequestError.isInstance(error)).toBe(true);
    expect(server.requests).toHaveLength(0);
    const schema = { type: "object", properties: { city: { type: "string" } } };
    await drain(
      adapter().stream(hi, { responseFormat: { type: "json_schema", name: "c", schema } }),
    );
    expect(JSON.parse(server.requests[0]?.body ?? "{}").output_config).toEqual({
      format: { type: "json_schema", schema },
    });
  });
});

describe("HTTP errors", () => {
  const error =
    (status: number, type: string, message: string, headers?: Record<string, string>) => () => ({
      status,
      headers,
      body: { type: "error", error: { type, message: `${message} (key ${KEY})` } },
    });

  it("429 with retry-after → RateLimitError", async () => {
    answer = error(429, "rate_limit_error", "Number of requests has exceeded your rate limit", {
      "retry-after": "7",
    });
    const { error: e } = await drain(adapter().stream(hi));
    expect(RateLimitError.isInstance(e)).toBe(true);
    expect(e).toMatchObject({
      status: 429,
      retryAfterMs: 7000,
      retryable: true,
      providerCode: "rate_limit_error",
    });
    expect((e as Error).message).not.toContain(KEY);
  });

  it("529 overloaded → retryable ServerError", async () => {
    answer = error(529, "overloaded_error", "Overloaded");
    const { error: e } = await drain(adapter().stream(hi));
    expect(ServerError.isInstance(e)).toBe(true);
    expect(e).toMatchObject({ status: 529, retryable: true, providerCode: "overloaded_error" });
  });

  it.each([
    "prompt is too long: 215000 tokens > 200000 maximum",
    "input length and `max_tokens` exceed context limit: 188240 + 21333 > 200000, decrease input length or `max_tokens` and try again",
  ])("400 %s → ContextLengthError", async (message) => {
    answer = error(400, "invalid_request_error", message);
    const { error: e } = await drain(adapter().stream(hi));
    expect(ContextLengthError.isInstance(e)).toBe(true);
    expect(e).toMatchObject({
      status: 400,
      retryable: false,
      providerCode: "invalid_request_error",
    });
    expect(JSON.stringify(e)).not.toContain(KEY);
  });

  it("401 authentication_error → AuthenticationError without the key", async () => {
    answer = error(401, "authentication_error", "invalid x-api-key");
    const { error: e } = await drain(adapter().stream(hi));
    expect(AuthenticationError.isInstance(e)).toBe(true);
    expect(`${(e as Error).message} ${(e as AuthenticationError).body}`).not.toContain(KEY);
  });
  it("an error body that stalls past firstChunkMs is the deadline's error, not the status's", async () => {
    answer = () => (response) => {
      response.writeHead(529, { "content-type": "application/json", "content-length": "200" });
      response.write('{"type":"error",'); // and nothing more
    };
    const { error: e } = await drain(adapter({ timeouts: { firstChunkMs: 100 } }).stream(hi));
    expect(ModelLoadingTimeoutError.isInstance(e), String(e)).toBe(true);
    expect(ServerError.isInstance(e)).toBe(false);
  });
});

describe("models", () => {
  it("listModels() follows has_more / after_id; healthCheck() asks for one model with the key", async () => {
    answer = (request) => {
      const after = new URL(request.path, server.url).searchParams.get("after_id");
      const ids = after === null ? ["claude-a", "claude-b"] : ["claude-c"];
      return {
        status: 200,
        body: {
          data: ids.map((id) => ({ type: "model", id })),
          has_more: after === null,
          last_id: ids.at(-1),
        },
      };
    };
    expect(await adapter().listModels()).toEqual(["claude-a", "claude-b", "claude-c"]);
    expect(server.requests.map((r) => r.path)).toEqual([
      "/v1/models?limit=1000",
      "/v1/models?limit=1000&after_id=claude-b",
    ]);
    server.requests.length = 0;
    expect(await adapter().healthCheck()).toBe(true);
    expect(server.requests[0]?.path).toBe("/v1/models?limit=1");
    expect(server.requests[0]?.headers["x-api-key"]).toBe(KEY);
  });
});
