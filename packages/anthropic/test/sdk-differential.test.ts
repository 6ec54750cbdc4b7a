import Anthropic from "@anthropic-ai/sdk";
import { ProviderError, type StreamChunk, type Usage } from "@x/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AnthropicAdapter, type AnthropicResponseMessage } from "../src/index.js";
import { drain, fixture, recut, startServer, type TestServer, writePieces } from "./loopback.js";

// The same recorded bytes, re-cut at random, read by this adapter and by the official
// @anthropic-ai/sdk (its MessageStream) from one loopback server: both must see the same text
// (delta by delta), thinking, tool calls, stop reason, usage and content blocks.

const SEEDS = Array.from({ length: 12 }, (_, i) => i + 1);
const MESSAGES = [{ role: "user" as const, content: "Hi" }];
const FINISH: Record<string, string> = {
  end_turn: "stop",
  stop_sequence: "stop",
  max_tokens: "length",
  tool_use: "tool_calls",
  refusal: "content_filter",
  pause_turn: "other",
};

interface Outcome {
  text: string[];
  thinking: string[];
  toolCalls: { id: string; name: string; input: unknown }[];
  stopReason: string | null;
  finishReason: string;
  usage: Usage;
  content: unknown;
  model: string;
}

let server: TestServer;
let pieces: Uint8Array[] = [];

beforeAll(async () => {
  server = await startServer((_request, response) => writePieces(response, pieces));
});
afterAll(() => server.close());

async function ours(): Promise<Outcome> {
  const adapter = new AnthropicAdapter({ baseUrl: server.url, model: "m", apiKey: "sk-ant-x" });
  try {
    const { chunks, error } = await drain(adapter.stream(MESSAGES));
    if (error) throw error;
    const done = chunks.at(-1) as Extract<StreamChunk, { type: "done" }>;
    const raw = done.raw as AnthropicResponseMessage;
    return {
      text: chunks.flatMap((c) => (c.type === "content" ? [c.content] : [])),
      thinking: chunks.flatMap((c) => (c.type === "thinking" ? [c.thinking] : [])),
      toolCalls: chunks.flatMap((c) =>
        c.type === "tool_calls"
          ? c.toolCalls.map((call) => ({ id: call.id, name: call.name, input: call.arguments }))
          : [],
      ),
      stopReason: raw.stop_reason,
      finishReason: done.finishReason,
      usage: done.usage ?? {},
      content: raw.content,
      model: done.model,
    };
  } finally {
    await adapter.close();
  }
}

/** The SDK's view, mapped the way the README documents (usage: input includes cache tokens). */
async function sdk(): Promise<Outcome> {
  const client = new Anthropic({ apiKey: "sk-ant-x", baseURL: server.url, maxRetries: 0 });
  const text: string[] = [];
  const thinking: string[] = [];
  const stream = client.messages.stream({ model: "m", max_tokens: 1024, messages: MESSAGES });
  stream.on("text", (delta) => text.push(delta));
  stream.on("thinking", (delta) => thinking.push(delta));
  const message = await stream.finalMessage();
  const u = message.usage;
  const read = u.cache_read_input_tokens ?? 0;
  const input = u.input_tokens + read + (u.cache_creation_input_tokens ?? 0);
  const usage: Usage = { inputTokens: input, outputTokens: u.output_tokens };
  const reasoning = u.output_tokens_details?.thinking_tokens;
  if (reasoning != null) usage.reasoningTokens = reasoning;
  if (u.cache_read_input_tokens != null) usage.cachedInputTokens = read;
  usage.totalTokens = input + u.output_tokens;
  return {
    text,
    thinking,
    toolCalls: message.content.flatMap((b) =>
      b.type === "tool_use" ? [{ id: b.id, name: b.name, input: b.input }] : [],
    ),
    stopReason: message.stop_reason,
    finishReason: FINISH[message.stop_reason ?? ""] ?? "other",
    usage,
    // Through JSON: the SDK keeps its tool-input buffer as a non-enumerable property.
    content: JSON.parse(JSON.stringify(message.content)),
    model: message.model,
  };
}

describe.each(["text", "thinking", "tool-use", "interleaved"])("%s.sse", (name) => {
  it.each(SEEDS)("re-cut with seed %i: the adapter and @anthropic-ai/sdk agree", async (seed) => {
    pieces = recut(fixture(name), seed);
    const [mine, theirs] = [await ours(), await sdk()];
    expect(mine).toEqual(theirs);
    // A fixture that says nothing proves nothing.
    expect(mine.text.length + mine.thinking.length + mine.toolCalls.length).toBeGreaterThan(0);
  });
});

describe("error.sse", () => {
  it.each(
    SEEDS,
  )("re-cut with seed %i: both fail with overloaded_error after the same text", async (seed) => {
    pieces = recut(fixture("error"), seed);
    const adapter = new AnthropicAdapter({ baseUrl: server.url, model: "m", apiKey: "sk-ant-x" });
    const { chunks, error } = await drain(adapter.stream(MESSAGES));
    await adapter.close();
    const client = new Anthropic({ apiKey: "sk-ant-x", baseURL: server.url, maxRetries: 0 });
    const text: string[] = [];
    const stream = client.messages.stream({ model: "m", max_tokens: 1024, messages: MESSAGES });
    stream.on("text", (delta) => text.push(delta));
    const sdkError = await stream.finalMessage().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(sdkError).toBeInstanceOf(Anthropic.APIError);
    expect(ProviderError.isInstance(error)).toBe(true);
    const mine = error as ProviderError;
    expect(mine.providerCode).toBe((sdkError as InstanceType<typeof Anthropic.APIError>).type);
    expect(mine.providerCode).toBe("overloaded_error");
    expect(mine.retryable).toBe(true);
    expect(chunks.flatMap((c) => (c.type === "content" ? [c.content] : []))).toEqual(text);
    expect(mine.partial?.content).toBe(text.join(""));
    expect(text.join("")).toBe("Partial answer — then the API gave up");
  });
});
