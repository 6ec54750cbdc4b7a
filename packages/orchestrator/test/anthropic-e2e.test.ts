import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { AnthropicAdapter } from "@x/anthropic";
import { LoopbackServer } from "@x/conformance/core";
import { ProviderError } from "@x/core";
import { OllamaAdapter } from "@x/ollama";
import { OpenAIAdapter } from "@x/openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFallbackChain, getChainReport } from "../src/index.js";
import { drain, openaiSseChunk, recorder, USER, visibleText } from "./helpers.js";

// End to end over real loopback sockets, three protocols: Ollama (NDJSON /api/chat), OpenAI
// (SSE /v1/chat/completions) and Anthropic (SSE /v1/messages with named events). Real adapters,
// no mocks below the chain.

type AnthropicMode = "answer" | "overloaded-mid-stream";

interface Recorded {
  server: Server;
  url: string;
  /** Request bodies, in arrival order. */
  bodies: string[];
}

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse, body: string) => void,
): Promise<Recorded> {
  const bodies: string[] = [];
  const server = createServer(async (req, res) => {
    const parts: Buffer[] = [];
    for await (const part of req) parts.push(part as Buffer);
    const body = Buffer.concat(parts).toString("utf8");
    bodies.push(body);
    handler(req, res, body);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, bodies };
}

async function close(recorded: Recorded): Promise<void> {
  recorded.server.closeAllConnections();
  recorded.server.close();
  await once(recorded.server, "close");
}

const sse = (event: { type: string; [field: string]: unknown }): string =>
  `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;

function anthropicEvents(mode: AnthropicMode): string[] {
  const text = (t: string) =>
    sse({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: t } });
  const head = [
    sse({
      type: "message_start",
      message: {
        id: "msg_e2e",
        type: "message",
        role: "assistant",
        model: "claude-e2e",
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 12, output_tokens: 1 },
      },
    }),
    sse({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }),
    sse({ type: "ping" }),
  ];
  if (mode === "overloaded-mid-stream") {
    return [
      ...head,
      text("Partial answer "),
      text("from Anthropic"),
      sse({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } }),
    ];
  }
  return [
    ...head,
    text("Hello "),
    text("from Anthropic."),
    sse({ type: "content_block_stop", index: 0 }),
    sse({
      type: "message_delta",
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: { output_tokens: 5 },
    }),
    sse({ type: "message_stop" }),
  ];
}

function openaiAnswer(res: ServerResponse): void {
  res.writeHead(200, { "content-type": "text/event-stream" });
  res.write(openaiSseChunk({ role: "assistant", content: "Hello " }));
  res.write(openaiSseChunk({ content: "from OpenAI." }));
  res.write(openaiSseChunk({}, "stop"));
  res.end("data: [DONE]\n\n");
}

let anthropicMode: AnthropicMode = "answer";
let anthropic: Recorded;
let openai503: Recorded;
let openaiOk: Recorded;
let refusedUrl: string;

beforeAll(async () => {
  anthropic = await listen((req, res) => {
    // The real API's headers: the adapter must have sent its key and version.
    if (req.headers["x-api-key"] !== "sk-ant-test" || !req.headers["anthropic-version"]) {
      res.writeHead(401, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          type: "error",
          error: { type: "authentication_error", message: "invalid x-api-key" },
        }),
      );
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" });
    // The error event ends the stream without message_stop; the connection stays usable.
    res.end(anthropicEvents(anthropicMode).join(""));
  });
  openai503 = await listen((_req, res) => {
    res.writeHead(503, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { message: "Service Unavailable", type: "server_error" } }));
  });
  openaiOk = await listen((_req, res) => openaiAnswer(res));
  refusedUrl = await LoopbackServer.refusedOrigin();
});

afterAll(async () => {
  await Promise.all([anthropic, openai503, openaiOk].map(close));
});

const newAnthropic = () =>
  new AnthropicAdapter({ baseUrl: anthropic.url, model: "claude-e2e", apiKey: "sk-ant-test" });

describe("e2e: Anthropic in a chain with Ollama and OpenAI", () => {
  it("[Ollama refusing, OpenAI 503, Anthropic]: falls through both to Anthropic's answer", async () => {
    anthropicMode = "answer";
    const anthropicBefore = anthropic.bodies.length;
    const openaiBefore = openai503.bodies.length;
    const rec = recorder();
    const chain = createFallbackChain(
      [
        new OllamaAdapter({ baseUrl: refusedUrl, model: "llama3.2" }),
        new OpenAIAdapter({ baseUrl: `${openai503.url}/v1`, model: "gpt-4o-mini", apiKey: "sk-x" }),
        newAnthropic(),
      ],
      { retry: false, onEvent: rec.onEvent },
    );
    const { chunks, error } = await drain(chain.stream(USER));
    expect(error).toBeUndefined();
    expect(visibleText(chunks)).toBe("Hello from Anthropic.");
    expect(chunks.map((c) => c.type)).not.toContain("reset");
    expect(chunks.at(-1)).toMatchObject({
      type: "done",
      provider: "anthropic",
      model: "claude-e2e",
      finishReason: "stop",
      usage: { inputTokens: 12, outputTokens: 5, totalTokens: 17 },
    });
    expect(rec.types()).toEqual([
      "attempt",
      "failure",
      "fallback",
      "attempt",
      "failure",
      "fallback",
      "attempt",
      "success",
    ]);
    const failures = rec.events.filter((e) => e.type === "failure");
    expect(failures[0]).toMatchObject({
      adapter: { provider: "ollama" },
      stage: "connect",
      error: { code: "unavailable" },
    });
    expect(failures[1]).toMatchObject({ adapter: { provider: "openai" } });
    expect((failures[1] as { error: { status?: number } }).error.status).toBe(503);
    // Each server saw exactly one request; Anthropic's is a Messages API request.
    expect(openai503.bodies.length).toBe(openaiBefore + 1);
    expect(anthropic.bodies.length).toBe(anthropicBefore + 1);
    const sent = JSON.parse(anthropic.bodies.at(-1)!) as Record<string, unknown>;
    expect(sent).toMatchObject({
      model: "claude-e2e",
      stream: true,
      messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }],
    });
    await chain.close?.();
  });

  it("Anthropic failing mid-stream with overloaded_error after output: a reset, then the next member's whole answer", async () => {
    anthropicMode = "overloaded-mid-stream";
    const rec = recorder();
    const chain = createFallbackChain(
      [
        newAnthropic(),
        new OpenAIAdapter({ baseUrl: `${openaiOk.url}/v1`, model: "gpt-4o-mini", apiKey: "sk-x" }),
      ],
      { commitAfter: {}, midStream: "restart", onEvent: rec.onEvent },
    );
    const { chunks, error } = await drain(chain.stream(USER));
    expect(error).toBeUndefined();
    const types = chunks.map((c) => c.type);
    const reset = types.indexOf("reset");
    expect(reset).toBeGreaterThan(0);
    expect(types.filter((t) => t === "reset")).toHaveLength(1);
    expect(visibleText(chunks.slice(0, reset))).toBe("Partial answer from Anthropic");
    expect(chunks[reset]).toMatchObject({ type: "reset", provider: "openai" });
    expect(visibleText(chunks)).toBe("Hello from OpenAI.");
    const done = chunks.at(-1)!;
    if (done.type !== "done") throw new Error("no done");
    expect(done.provider).toBe("openai");
    expect(getChainReport(done)?.recovered).toBe("restart");
    const failure = rec.events.find((e) => e.type === "failure");
    expect(failure).toMatchObject({ adapter: { provider: "anthropic" }, stage: "mid-stream" });
    const cause = (failure as { error: unknown }).error;
    expect(cause).toBeInstanceOf(ProviderError);
    expect(cause).toMatchObject({ providerCode: "overloaded_error" });
    expect(rec.events.find((e) => e.type === "fallback")).toMatchObject({ afterCommit: true });
    // A failure after commit is not retried on the same member: Anthropic saw one request.
    expect(rec.types().filter((t) => t === "attempt")).toHaveLength(2);
    await chain.close?.();
  });
});
