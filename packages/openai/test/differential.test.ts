import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Answer, FixtureServer, httpAnswer, sse } from "./fixture-server.js";
import { adapterFor, drain, textOf, toolCallsOf } from "./helpers.js";

/**
 * The oracle: the official `openai` client's stream helper (`ChatCompletionStream`), which
 * accumulates content and tool calls itself. Both clients read the same bytes from the same
 * loopback server; text and tool calls must agree.
 */
const FIXTURES: Array<[string, () => Answer]> = [
  ["T1 plain", () => sse("t1-openai-text.sse")],
  ["T1 CRLF, 5-byte pieces", () => sse("t1-openai-text-crlf.sse", { pieceSize: 5 })],
  ["T2 include_usage", () => sse("t2-openai-include-usage.sse")],
  ["T3 tool fragments", () => sse("t3-openai-tool-fragments.sse")],
  ["T4a parallel sequential", () => sse("t4a-parallel-sequential.sse")],
  ["T5 reasoning_content", () => sse("t5-reasoning-content.sse")],
  ["T9 Ollama whole call", () => sse("t9-ollama-tool-whole.sse")],
  ["T10 llama.cpp timings", () => sse("t10-llamacpp-timings.sse")],
  ["T11 Azure filter", () => sse("t11-azure-filter.sse")],
  ["T12 Groq", () => sse("t12-groq-tool-xgroq.sse")],
  ["vLLM leftover arguments", () => sse("q-vllm-leftover-args.sse")],
  ["DeepSeek keep-alive", () => sse("q-deepseek-keepalive.sse")],
  ["sse-starlette CRLF, 1-byte pieces", () => sse("q-starlette-crlf-ping.sse", { pieceSize: 1 })],
  ["llama.cpp 01", () => httpAnswer("llamacpp/01-chat-stream.response.http")],
  ["llama.cpp 02", () => httpAnswer("llamacpp/02-chat-stream-usage.response.http")],
  ["llama.cpp 03 tools", () => httpAnswer("llamacpp/03-chat-stream-tools-required.response.http")],
  ["llama.cpp 04 tools", () => httpAnswer("llamacpp/04-chat-stream-tools-auto.response.http")],
  ["llama.cpp 40 think", () => httpAnswer("llamacpp/40-think-chat-stream.response.http")],
  ["llama.cpp 62 ping", () => httpAnswer("llamacpp/62-chat-stream-sse-ping.response.http")],
];

/**
 * Fixtures the stream helper rejects ("missing finish_reason for choice 0", openai-node#1292):
 * compared through the client's raw iterator, text only.
 */
const RAW_FIXTURES: Array<[string, () => Answer]> = [
  ["T8 OpenRouter comments (no finish_reason)", () => sse("t8-openrouter-keepalive.sse")],
  ["no [DONE] after finish", () => sse("q-no-done-after-finish.sse")],
];

let server: FixtureServer;
beforeAll(async () => {
  server = await new FixtureServer().start();
});
afterAll(async () => {
  await server.stop();
});

async function viaOfficialClient(answer: Answer) {
  server.answer(answer);
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "sk-test", maxRetries: 0 });
  const stream = client.chat.completions.stream({
    model: "test-model",
    messages: [{ role: "user", content: "hi" }],
  });
  const completion = await stream.finalChatCompletion();
  const message = completion.choices[0]!.message;
  return {
    text: message.content ?? "",
    toolCalls: (message.tool_calls ?? []).map((call) => {
      if (call.type !== "function") throw new Error("unexpected tool call type");
      return {
        id: call.id,
        name: call.function.name,
        arguments: JSON.parse(call.function.arguments || "{}"),
      };
    }),
  };
}

async function viaOfficialIterator(answer: Answer): Promise<string> {
  server.answer(answer);
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "sk-test", maxRetries: 0 });
  const stream = await client.chat.completions.create({
    model: "test-model",
    messages: [{ role: "user", content: "hi" }],
    stream: true,
  });
  let text = "";
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
  return text;
}

async function viaAdapter(answer: Answer) {
  server.answer(answer);
  const adapter = adapterFor(server);
  const { chunks, error } = await drain(adapter.stream([{ role: "user", content: "hi" }]));
  await adapter.close();
  if (error) throw error;
  return { text: textOf(chunks), toolCalls: toolCallsOf(chunks) };
}

describe("differential: same bytes, official openai client vs OpenAIAdapter", () => {
  it.each(FIXTURES)("%s", async (_name, answer) => {
    const official = await viaOfficialClient(answer());
    const ours = await viaAdapter(answer());
    expect(ours.text).toBe(official.text);
    expect(ours.toolCalls).toEqual(official.toolCalls);
  });
});

describe("differential: raw iterator of the official client (text)", () => {
  it.each(RAW_FIXTURES)("%s", async (_name, answer) => {
    const official = await viaOfficialIterator(answer());
    const ours = await viaAdapter(answer());
    expect(official.length).toBeGreaterThan(0);
    expect(ours.text).toBe(official);
  });
});
