import type { Message, StreamOptions } from "@x/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildOpenAIRequest, type RequestSettings } from "../src/build-openai-request.js";
import { OpenAIAdapter } from "../src/index.js";
import { FixtureServer, sse } from "./fixture-server.js";
import { API_KEY, drain } from "./helpers.js";

const settings: RequestSettings = {
  model: "gpt-4.1",
  includeUsage: true,
  maxTokensField: "max_tokens",
  reasoningEffort: true,
  timeouts: undefined,
};

const errors = { provider: "openai", model: "gpt-4.1" };

/** The JSON body `buildOpenAIRequest` produces. */
function build(
  messages: Message[],
  options: StreamOptions,
  shaping: RequestSettings = settings,
): Record<string, unknown> {
  return JSON.parse(buildOpenAIRequest(messages, options, shaping, errors).body);
}

describe("buildOpenAIRequest", () => {
  it("translates messages: images as parts, tool calls with string arguments, tool results", () => {
    const body = build(
      [
        { role: "system", content: "be brief" },
        {
          role: "user",
          content: "what is this?",
          images: ["iVBORw0KGgo=", "https://x.test/a.jpg"],
        },
        {
          role: "assistant",
          content: "",
          toolCalls: [{ id: "call_1", name: "lookup", arguments: { q: "cat" } }],
        },
        { role: "tool", content: "a cat", toolCallId: "call_1", name: "lookup" },
      ],
      {},
      settings,
    );
    expect(body.messages).toEqual([
      { role: "system", content: "be brief" },
      {
        role: "user",
        content: [
          { type: "text", text: "what is this?" },
          { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
          { type: "image_url", image_url: { url: "https://x.test/a.jpg" } },
        ],
      },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          {
            id: "call_1",
            type: "function",
            function: { name: "lookup", arguments: '{"q":"cat"}' },
          },
        ],
      },
      { role: "tool", content: "a cat", tool_call_id: "call_1" },
    ]);
    expect(body.stream).toBe(true);
    expect(body.stream_options).toEqual({ include_usage: true });
  });

  it("maps every option and merges providerOptions last", () => {
    const tools = [
      { type: "function" as const, function: { name: "f", parameters: { type: "object" } } },
    ];
    const body = build(
      [{ role: "user", content: "hi" }],
      {
        tools,
        toolChoice: { type: "function", name: "f" },
        temperature: 0.2,
        topP: 0.9,
        maxTokens: 64,
        stop: ["\n"],
        seed: 7,
        think: "high",
        responseFormat: { type: "json_schema", schema: { type: "object" }, strict: true },
        providerOptions: { user: "u1", top_k: 5 },
      },
      { ...settings, maxTokensField: "max_completion_tokens", includeUsage: false },
    );
    expect(body).toMatchObject({
      tools,
      tool_choice: { type: "function", function: { name: "f" } },
      temperature: 0.2,
      top_p: 0.9,
      max_completion_tokens: 64,
      stop: ["\n"],
      seed: 7,
      reasoning_effort: "high",
      response_format: {
        type: "json_schema",
        json_schema: { name: "response", schema: { type: "object" }, strict: true },
      },
      user: "u1",
      top_k: 5,
    });
    expect(body.max_tokens).toBeUndefined();
    expect(body.stream_options).toBeUndefined();
  });

  it("json mode, string tool choice, think off, reasoning switch off", () => {
    const body = build(
      [{ role: "user", content: "hi" }],
      { responseFormat: "json", toolChoice: "required", think: false },
      settings,
    );
    expect(body.response_format).toEqual({ type: "json_object" });
    expect(body.tool_choice).toBe("required");
    expect(body.reasoning_effort).toBeUndefined();
    const off = build(
      [{ role: "user", content: "hi" }],
      { think: "low" },
      {
        ...settings,
        reasoningEffort: false,
      },
    );
    expect(off.reasoning_effort).toBeUndefined();
  });
});

describe("what goes on the wire", () => {
  let server: FixtureServer;
  beforeEach(async () => {
    server = await new FixtureServer().start();
    server.answer(sse("t1-openai-text.sse"));
  });
  afterEach(async () => {
    await server.stop();
  });

  it("POST {baseUrl}/chat/completions with bearer, organization, project, custom headers", async () => {
    const adapter = new OpenAIAdapter({
      baseUrl: `${server.url}/v1/`,
      apiKey: API_KEY,
      model: "gpt-4.1",
      organization: "org-1",
      project: "proj-1",
      headers: { "X-Title": "demo" },
    });
    await drain(adapter.stream([{ role: "user", content: "hi" }], { maxTokens: 5 }));
    const req = server.requests[0]!;
    expect(req.method).toBe("POST");
    expect(req.url).toBe("/v1/chat/completions");
    expect(req.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(req.headers["openai-organization"]).toBe("org-1");
    expect(req.headers["openai-project"]).toBe("proj-1");
    expect(req.headers["x-title"]).toBe("demo");
    expect(req.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(req.body)).toMatchObject({ model: "gpt-4.1", max_tokens: 5, stream: true });
    await adapter.close();
  });

  it("Azure: deployment URL, api-version, api-key header", async () => {
    const adapter = new OpenAIAdapter({
      baseUrl: server.url,
      apiKey: API_KEY,
      model: "gpt-4o",
      azure: { apiVersion: "2024-10-21", deployment: "my-gpt4o" },
    });
    await drain(adapter.stream([{ role: "user", content: "hi" }], { maxTokens: 5 }));
    const req = server.requests[0]!;
    expect(req.url).toBe("/openai/deployments/my-gpt4o/chat/completions?api-version=2024-10-21");
    expect(req.headers["api-key"]).toBe(API_KEY);
    expect(req.headers.authorization).toBeUndefined();
    expect(JSON.parse(req.body).max_completion_tokens).toBe(5);
    await adapter.close();
  });

  it("includeUsage: false and compat switches", async () => {
    const adapter = new OpenAIAdapter({
      baseUrl: server.url,
      model: "llama3.1",
      apiKey: "",
      includeUsage: false,
      compat: { reasoningEffort: "none" },
    });
    await drain(adapter.stream([{ role: "user", content: "hi" }], { think: "high" }));
    const body = JSON.parse(server.requests[0]!.body);
    expect(body.stream_options).toBeUndefined();
    expect(body.reasoning_effort).toBeUndefined();
    expect(server.requests[0]!.headers.authorization).toBeUndefined();
    await adapter.close();
  });

  it("Azure v1 API: baseUrl as is, api-version on chat and models", async () => {
    const adapter = new OpenAIAdapter({
      baseUrl: `${server.url}/openai/v1`,
      apiKey: API_KEY,
      model: "gpt-4o",
      azure: { apiVersion: "preview" },
    });
    await drain(adapter.stream([{ role: "user", content: "hi" }]));
    expect(server.requests[0]!.url).toBe("/openai/v1/chat/completions?api-version=preview");
    server.answer({
      status: 200,
      headers: { "content-type": "application/json" },
      body: Buffer.from('{"object":"list","data":[{"id":"gpt-4o"}]}'),
    });
    expect(await adapter.listModels()).toEqual(["gpt-4o"]);
    expect(server.requests[1]!.url).toBe("/openai/v1/models?api-version=preview");
    await adapter.close();
  });

  it("a query string on baseUrl (Gemini's ?key=) stays on every URL", async () => {
    const adapter = new OpenAIAdapter({
      baseUrl: `${server.url}/v1beta/openai/?key=abc123def456`,
      model: "gemini-2.5-flash",
    });
    await drain(adapter.stream([{ role: "user", content: "hi" }]));
    expect(server.requests[0]!.url).toBe("/v1beta/openai/chat/completions?key=abc123def456");
    await adapter.close();
  });

  it("assistantPrefill is off by default and set through capabilities", () => {
    const openai = new OpenAIAdapter({ baseUrl: server.url, model: "gpt-4.1" });
    expect(openai.capabilities.assistantPrefill).toBe(false);
    const llama = new OpenAIAdapter({
      baseUrl: server.url,
      model: "qwen3",
      capabilities: { assistantPrefill: true },
    });
    expect(llama.capabilities).toMatchObject({ assistantPrefill: true, tools: true });
  });

  it("a baseUrl that is not http(s) is a configuration error (TypeError, URL not shown)", () => {
    expect(() => new OpenAIAdapter({ baseUrl: "ftp://u:secretpw@x/v1", model: "m" })).toThrow(
      /^OpenAIAdapter: baseUrl must be an http/,
    );
    expect(() => new OpenAIAdapter({ baseUrl: "not a url secretpw", model: "m" })).toThrow(
      TypeError,
    );
  });
});
