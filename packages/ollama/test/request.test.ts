import { InvalidRequestError, type Message } from "@x/core";
import { Agent } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OllamaAdapter } from "../src/index.js";
import {
  type Loopback,
  type RecordedRequest,
  serveNdjson,
  startServer,
} from "./loopback-server.js";

let server: Loopback;

beforeAll(async () => {
  server = await startServer((_req, res) => serveNdjson(res, "t1-plain.ndjson"));
});
afterAll(async () => {
  await server.close();
});

async function sent(
  messages: Message[],
  options: Parameters<OllamaAdapter["stream"]>[1] = {},
  adapterOptions: Partial<ConstructorParameters<typeof OllamaAdapter>[0]> = {},
): Promise<{ body: Record<string, unknown>; request: RecordedRequest }> {
  const adapter = new OllamaAdapter({ baseUrl: server.url, model: "qwen3:8b", ...adapterOptions });
  for await (const _ of adapter.stream(messages, options)) {
    // drain
  }
  await adapter.close();
  const request = server.requests.at(-1)!;
  return { body: JSON.parse(request.body) as Record<string, unknown>, request };
}

describe("request translation (decoded from what the server received)", () => {
  it("POSTs /api/chat with stream:true, the model and JSON content-type; omits unset fields", async () => {
    const { body, request } = await sent([{ role: "user", content: "hi" }]);
    expect(request.method).toBe("POST");
    expect(request.url).toBe("/api/chat");
    expect(request.headers["content-type"]).toBe("application/json");
    expect(body).toEqual({
      model: "qwen3:8b",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
    });
  });

  it("maps sampling options, think, format, keep_alive and merges providerOptions", async () => {
    const { body } = await sent(
      [{ role: "user", content: "hi" }],
      {
        temperature: 0.2,
        topP: 0.9,
        maxTokens: 64,
        stop: ["\n\n"],
        seed: 7,
        think: "high",
        responseFormat: {
          type: "json_schema",
          schema: { type: "object", properties: { a: { type: "number" } } },
        },
        providerOptions: { num_ctx: 8192, top_k: 20, keep_alive: "10m", truncate: false },
      },
      { keepAlive: "5m" },
    );
    expect(body.options).toEqual({
      temperature: 0.2,
      top_p: 0.9,
      num_predict: 64,
      stop: ["\n\n"],
      seed: 7,
      num_ctx: 8192,
      top_k: 20,
    });
    expect(body.think).toBe("high");
    expect(body.format).toEqual({ type: "object", properties: { a: { type: "number" } } });
    // providerOptions' top-level fields win over the adapter default.
    expect(body.keep_alive).toBe("10m");
    expect(body.truncate).toBe(false);
  });

  it('responseFormat "json" → format "json"; think false is sent', async () => {
    const { body } = await sent([{ role: "user", content: "hi" }], {
      responseFormat: "json",
      think: false,
    });
    expect(body.format).toBe("json");
    expect(body.think).toBe(false);
  });

  it("tools are sent as given; toolChoice none omits them", async () => {
    const tools = [
      {
        type: "function" as const,
        function: {
          name: "get_weather",
          description: "Current weather for a city",
          parameters: {
            type: "object",
            required: ["city"],
            properties: { city: { type: "string" } },
          },
        },
      },
    ];
    const { body } = await sent([{ role: "user", content: "Weather in Tokyo?" }], { tools });
    expect(body.tools).toEqual(tools);
    const none = await sent([{ role: "user", content: "x" }], { tools, toolChoice: "none" });
    expect(none.body.tools).toBeUndefined();
  });

  it("assistant tool calls with object arguments, tool results with tool_name and tool_call_id, images as bare base64", async () => {
    const { body } = await sent([
      { role: "system", content: "Be terse." },
      {
        role: "user",
        content: "What is this?",
        images: ["iVBORw0KGgo=", "data:image/png;base64,AAAA"],
      },
      {
        role: "assistant",
        content: "",
        thinking: "need weather",
        toolCalls: [{ id: "call_7yq2m0dk", name: "get_weather", arguments: { city: "Tokyo" } }],
      },
      { role: "tool", toolCallId: "call_7yq2m0dk", content: '{"temp_c":18}' },
    ]);
    expect(body.messages).toEqual([
      { role: "system", content: "Be terse." },
      { role: "user", content: "What is this?", images: ["iVBORw0KGgo=", "AAAA"] },
      {
        role: "assistant",
        content: "",
        thinking: "need weather",
        tool_calls: [
          {
            id: "call_7yq2m0dk",
            function: { index: 0, name: "get_weather", arguments: { city: "Tokyo" } },
          },
        ],
      },
      {
        role: "tool",
        content: '{"temp_c":18}',
        tool_name: "get_weather",
        tool_call_id: "call_7yq2m0dk",
      },
    ]);
  });

  it("an image URL cannot be sent: InvalidRequestError before any request", async () => {
    const before = server.requests.length;
    const adapter = new OllamaAdapter({ baseUrl: server.url, model: "m" });
    const error = await (async () => {
      for await (const _ of adapter.stream([
        { role: "user", content: "x", images: ["https://a/b.png"] },
      ])) {
        // no chunks expected
      }
    })().catch((e) => e);
    await adapter.close();
    expect(InvalidRequestError.isInstance(error)).toBe(true);
    expect(server.requests.length).toBe(before);
  });

  it("a trailing assistant message goes last, as given (Ollama continues it: assistantPrefill)", async () => {
    const { body } = await sent([
      { role: "user", content: "Write a haiku" },
      { role: "assistant", content: "Autumn moonlight—" },
    ]);
    expect(body.messages).toEqual([
      { role: "user", content: "Write a haiku" },
      { role: "assistant", content: "Autumn moonlight—" },
    ]);
  });

  it("custom headers are sent", async () => {
    const { request } = await sent(
      [{ role: "user", content: "x" }],
      {},
      { headers: { "x-trace": "abc" } },
    );
    expect(request.headers["x-trace"]).toBe("abc");
  });
});

describe("dispatcher", () => {
  it("uses the caller's dispatcher and leaves it open on close()", async () => {
    let dispatched = 0;
    const agent = new Agent();
    const counting = agent.compose((dispatch) => (options, handler) => {
      dispatched++;
      return dispatch(options, handler);
    });
    const adapter = new OllamaAdapter({ baseUrl: server.url, model: "m", dispatcher: counting });
    for await (const _ of adapter.stream([{ role: "user", content: "x" }])) {
      // drain
    }
    await adapter.healthCheck();
    await adapter.close();
    expect(dispatched).toBe(2);
    expect(agent.closed).toBe(false);
    await agent.close();
  });
});

describe("baseUrl", () => {
  it("defaults to OLLAMA_HOST (host:port form) and to localhost:11434", () => {
    const saved = process.env.OLLAMA_HOST;
    try {
      process.env.OLLAMA_HOST = "0.0.0.0:11500";
      expect(new OllamaAdapter({ model: "m" }).baseUrl).toBe("http://127.0.0.1:11500");
      process.env.OLLAMA_HOST = "https://ollama.example.com/";
      expect(new OllamaAdapter({ model: "m" }).baseUrl).toBe("https://ollama.example.com");
      process.env.OLLAMA_HOST = "gpu-box";
      expect(new OllamaAdapter({ model: "m" }).baseUrl).toBe("http://gpu-box:11434");
      delete process.env.OLLAMA_HOST;
      expect(new OllamaAdapter({ model: "m" }).baseUrl).toBe("http://localhost:11434");
    } finally {
      if (saved === undefined) delete process.env.OLLAMA_HOST;
      else process.env.OLLAMA_HOST = saved;
    }
  });

  it("userinfo becomes Basic authorization unless the caller sets an authorization header", async () => {
    const url = new URL(server.url);
    url.username = "u";
    url.password = "p";
    const basic = await sent([{ role: "user", content: "x" }], {}, { baseUrl: url.toString() });
    expect(basic.request.headers.authorization).toBe(
      `Basic ${Buffer.from("u:p").toString("base64")}`,
    );
    const own = await sent(
      [{ role: "user", content: "x" }],
      {},
      { baseUrl: url.toString(), headers: { Authorization: "Bearer mine-123456" } },
    );
    expect(own.request.headers.authorization).toBe("Bearer mine-123456");
  });

  it("a baseUrl that is not http(s) is a TypeError from the constructor that does not show it", () => {
    let thrown: unknown;
    try {
      new OllamaAdapter({ baseUrl: "ftp://u:secret-pw@h/", model: "m" });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TypeError);
    expect(String(thrown)).not.toContain("secret-pw");
  });

  it("capabilities default to what the wire carries and can be overridden", () => {
    const adapter = new OllamaAdapter({ model: "m", capabilities: { tools: false } });
    expect(adapter.provider).toBe("ollama");
    expect(adapter.capabilities).toEqual({
      tools: false,
      thinking: true,
      images: true,
      jsonSchema: true,
      usage: true,
      assistantPrefill: true,
    });
  });
});
