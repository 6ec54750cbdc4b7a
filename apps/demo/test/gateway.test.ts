import { execFile } from "node:child_process";
import { request } from "node:http";
import { promisify } from "node:util";
import { type AIAdapter, type StreamChunk, UnavailableError } from "@x/core";
import { createMockAdapter, type MockStep, textSteps } from "@x/core/testing";
import { afterEach, describe, expect, it, vi } from "vitest";
import { startGateway } from "../src/gateway/start-gateway.js";
import type { RunningServer } from "../src/http/listen.js";
import { send, sseEvents } from "./http-client.js";

const answer: MockStep[] = [
  { type: "thinking", thinking: "Let me think." },
  ...textSteps("Hello there, world!"),
  {
    type: "tool_calls",
    toolCalls: [{ id: "call_1", name: "get_weather", arguments: { city: "Paris" } }],
  },
  {
    type: "done",
    finishReason: "tool_calls",
    provider: "mock",
    model: "mock-model",
    usage: { inputTokens: 7, outputTokens: 5, reasoningTokens: 2 },
  },
];

let server: RunningServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(adapter: AIAdapter): Promise<RunningServer> {
  server = await startGateway({ adapter });
  return server;
}

const chatBody = {
  model: "mock-model",
  messages: [
    { role: "developer", content: "Be brief." },
    { role: "user", content: [{ type: "text", text: "Weather in Paris?" }] },
  ],
};

describe("OpenAI-compatible gateway", () => {
  it("streams an answer as OpenAI chunks with usage and [DONE]", async () => {
    const adapter = createMockAdapter({ script: answer });
    const { url } = await start(adapter);
    const res = await send(`${url}/v1/chat/completions`, "POST", {
      ...chatBody,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/event-stream/);
    const events = sseEvents(res.text);
    expect(events.at(-1)?.data).toBe("[DONE]");
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event.data));
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    expect(chunks.every((chunk) => chunk.object === "chat.completion.chunk")).toBe(true);
    expect(chunks[0].choices[0].delta).toEqual({ role: "assistant", content: "" });
    const deltas = chunks.flatMap((chunk) =>
      chunk.choices.map((choice: { delta: Record<string, unknown> }) => choice.delta),
    );
    expect(deltas.map((delta) => delta.content ?? "").join("")).toBe("Hello there, world!");
    expect(deltas.map((delta) => delta.reasoning_content ?? "").join("")).toBe("Let me think.");
    const toolDelta = deltas.find((delta) => delta.tool_calls);
    expect(toolDelta?.tool_calls).toEqual([
      {
        index: 0,
        id: "call_1",
        type: "function",
        function: { name: "get_weather", arguments: '{"city":"Paris"}' },
      },
    ]);
    const finish = chunks.find((chunk) => chunk.choices[0]?.finish_reason);
    expect(finish.choices[0].finish_reason).toBe("tool_calls");
    expect(finish.x_provider).toBe("mock");
    const usageChunk = chunks.at(-1);
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage).toEqual({
      prompt_tokens: 7,
      completion_tokens: 5,
      total_tokens: 12,
      completion_tokens_details: { reasoning_tokens: 2 },
    });
    // The request was translated: developer → system, text parts joined.
    expect(adapter.calls[0]?.messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "Weather in Paris?" },
    ]);
    expect(adapter.openStreams).toBe(0);
  });

  it("omits the usage chunk unless include_usage is asked for", async () => {
    const { url } = await start(createMockAdapter({ script: answer }));
    const res = await send(`${url}/v1/chat/completions`, "POST", { ...chatBody, stream: true });
    const chunks = sseEvents(res.text)
      .slice(0, -1)
      .map((event) => JSON.parse(event.data));
    expect(chunks.some((chunk) => chunk.usage)).toBe(false);
  });

  it("answers a non-streaming request with one chat.completion", async () => {
    const adapter = createMockAdapter({ script: answer });
    const { url } = await start(adapter);
    const res = await send(`${url}/v1/chat/completions`, "POST", {
      ...chatBody,
      temperature: 0.2,
      max_tokens: 50,
    });
    expect(res.status).toBe(200);
    const body = JSON.parse(res.text);
    expect(body).toMatchObject({
      object: "chat.completion",
      model: "mock-model",
      x_provider: "mock",
      usage: { prompt_tokens: 7, completion_tokens: 5, total_tokens: 12 },
    });
    expect(body.choices[0]).toMatchObject({
      index: 0,
      finish_reason: "tool_calls",
      message: {
        role: "assistant",
        content: "Hello there, world!",
        reasoning_content: "Let me think.",
        tool_calls: [
          {
            id: "call_1",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Paris"}' },
          },
        ],
      },
    });
    expect(adapter.calls[0]?.options).toMatchObject({ temperature: 0.2, maxTokens: 50 });
  });

  it("lists the model names it serves in OpenAI's format", async () => {
    // What the upstream has installed is not what the gateway routes: it lists its own names.
    const { url } = await start(createMockAdapter({ script: answer, models: ["m1", "m2"] }));
    const res = await send(`${url}/v1/models`, "GET");
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({
      object: "list",
      data: [
        { id: "mock-model", object: "model", created: 0, owned_by: "x-demo" },
        { id: "default", object: "model", created: 0, owned_by: "x-demo" },
      ],
    });
  });

  it("turns a failure before any output into an HTTP error with OpenAI's envelope", async () => {
    const error = new UnavailableError("connection refused", { provider: "mock" });
    const { url } = await start(createMockAdapter({ script: [{ type: "error", error }] }));
    const res = await send(`${url}/v1/chat/completions`, "POST", { ...chatBody, stream: true });
    expect(res.status).toBe(503);
    expect(JSON.parse(res.text)).toEqual({
      error: {
        message: "connection refused",
        type: "server_error",
        param: null,
        code: "unavailable",
      },
    });
  });

  it("reports a mid-stream failure as a data error event without [DONE]", async () => {
    const script: MockStep[] = [...textSteps("partial "), { type: "truncate" }];
    const { url } = await start(createMockAdapter({ script }));
    const res = await send(`${url}/v1/chat/completions`, "POST", { ...chatBody, stream: true });
    expect(res.status).toBe(200);
    const events = sseEvents(res.text);
    expect(events.some((event) => event.data === "[DONE]")).toBe(false);
    const last = JSON.parse(events.at(-1)?.data ?? "{}");
    expect(last.error.code).toBe("protocol_error");
  });

  it("explains a reset chunk visibly instead of splicing answers", async () => {
    const chunks: StreamChunk[] = [
      { type: "content", content: "The first ans" },
      { type: "reset", reason: "connection reset", provider: "backup" },
      { type: "content", content: "Second answer." },
      { type: "done", finishReason: "stop", model: "b", provider: "backup" },
    ];
    const adapter: AIAdapter = {
      provider: "chain",
      model: "chain",
      capabilities: { tools: true, thinking: true, images: true, jsonSchema: true, usage: true },
      async *stream() {
        yield* chunks;
      },
      healthCheck: async () => true,
      listModels: async () => ["chain"],
    };
    const { url } = await start(adapter);
    const streamed = await send(`${url}/v1/chat/completions`, "POST", {
      ...chatBody,
      model: "chain",
      stream: true,
    });
    const parsed = sseEvents(streamed.text)
      .slice(0, -1)
      .map((event) => JSON.parse(event.data));
    const resetChunk = parsed.find((chunk) => chunk.x_reset);
    expect(resetChunk.x_reset).toEqual({ reason: "connection reset", provider: "backup" });
    expect(resetChunk.choices[0].delta.content).toContain("abandoned (connection reset)");
    const text = parsed.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
    expect(text.startsWith("The first ans")).toBe(true);
    expect(text.endsWith("Second answer.")).toBe(true);

    const whole = JSON.parse(
      (await send(`${url}/v1/chat/completions`, "POST", { ...chatBody, model: "chain" })).text,
    );
    expect(whole.choices[0].message.content).toBe("Second answer.");
    expect(whole.x_resets).toEqual([{ reason: "connection reset", provider: "backup" }]);
  });

  it("rejects a malformed request with 400", async () => {
    const { url } = await start(createMockAdapter({ script: answer }));
    const empty = await send(`${url}/v1/chat/completions`, "POST", { model: "x", messages: [] });
    expect(empty.status).toBe(400);
    expect(JSON.parse(empty.text).error.param).toBe("messages");
    const broken = await send(`${url}/v1/chat/completions`, "POST", "{not json");
    expect(broken.status).toBe(400);
  });

  it("cancels the upstream stream when the client goes away", async () => {
    const adapter = createMockAdapter({ script: [...textSteps("first "), { type: "hang" }] });
    const { url } = await start(adapter);
    await new Promise<void>((resolve, reject) => {
      const req = request(`${url}/v1/chat/completions`, { method: "POST", agent: false }, (res) => {
        res.once("data", () => {
          req.destroy();
          resolve();
        });
      });
      req.on("error", () => {});
      req.once("error", reject);
      req.end(JSON.stringify({ ...chatBody, stream: true }));
    });
    await vi.waitFor(() => expect(adapter.openStreams).toBe(0));
    expect(adapter.calls[0]?.outcome).toMatch(/aborted|cancelled/);
  });

  it("sends the first chunk at once, not after the rest of a burst is translated", async () => {
    // Chunks that reach the gateway together (one upstream read) are translated in one tick;
    // node:http holds that tick's writes back until it ends. The adapter below spends 300 ms
    // before its second chunk without leaving the tick: the first must already be on its way.
    const busy = (ms: number) => {
      const until = performance.now() + ms;
      while (performance.now() < until) {}
    };
    const adapter: AIAdapter = {
      provider: "mock",
      model: "mock-model",
      capabilities: {},
      async *stream() {
        yield { type: "content", content: "first" };
        busy(300);
        yield { type: "content", content: "second" };
        yield { type: "done", finishReason: "stop", provider: "mock", model: "mock-model" };
      },
    } as unknown as AIAdapter;
    const { url } = await start(adapter);
    // The client runs in its own process, so it reads while this one is busy.
    const client = `
      const req = require("node:http").request(process.argv[1], { method: "POST" }, (res) => {
        const seen = [];
        res.on("data", (d) => seen.push([performance.now(), String(d)]));
        res.on("end", () => process.stdout.write(JSON.stringify(seen)));
      });
      req.end(process.argv[2]);`;
    const { stdout } = await promisify(execFile)(process.execPath, [
      "-e",
      client,
      `${url}/v1/chat/completions`,
      JSON.stringify({ ...chatBody, stream: true }),
    ]);
    const seen = JSON.parse(stdout) as [number, string][];
    const at = (text: string) => seen.find(([, data]) => data.includes(text))?.[0] ?? Number.NaN;
    expect(at("second") - at("first")).toBeGreaterThan(200);
  });
});
