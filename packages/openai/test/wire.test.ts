import {
  AuthenticationError,
  ContextLengthError,
  InvalidRequestError,
  type ProtocolError,
  ProviderError,
  RateLimitError,
} from "@x/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OpenAIProtocolError } from "../src/index.js";
import { FixtureServer, fixture, httpAnswer, sse } from "./fixture-server.js";
import { doneOf, leaksKey, run, toolCallsOf } from "./helpers.js";

let server: FixtureServer;
beforeEach(async () => {
  server = await new FixtureServer().start();
});
afterEach(async () => {
  await server.stop();
});

describe("transcripts (protocol notes §14)", () => {
  it("T1 plain text: content, stop, no usage", async () => {
    const r = await run(server, sse("t1-openai-text.sse"));
    expect(r.error).toBeUndefined();
    expect(r.text).toBe("Hi!");
    const done = doneOf(r.chunks);
    expect(done.finishReason).toBe("stop");
    expect(done.model).toBe("gpt-4.1-nano-2025-04-14");
    expect(done.provider).toBe("openai");
    expect(done.usage).toBeUndefined();
    expect(r.chunks.filter((c) => c.type === "done")).toHaveLength(1);
  });

  it("T1 with CRLF line endings, cut into 7-byte pieces", async () => {
    const r = await run(server, sse("t1-openai-text-crlf.sse", { pieceSize: 7 }));
    expect(r.error).toBeUndefined();
    expect(r.text).toBe("Hi!");
    expect(doneOf(r.chunks).finishReason).toBe("stop");
  });

  it("T2 include_usage: usage from the choices:[] chunk, cached and reasoning tokens", async () => {
    const r = await run(server, sse("t2-openai-include-usage.sse"));
    expect(r.text).toBe("4");
    expect(doneOf(r.chunks).usage).toEqual({
      inputTokens: 11,
      outputTokens: 1,
      totalTokens: 12,
      cachedInputTokens: 0,
      reasoningTokens: 0,
    });
  });

  it("T3 one tool call in fragments, yielded once with parsed arguments", async () => {
    const r = await run(server, sse("t3-openai-tool-fragments.sse"));
    expect(r.chunks.filter((c) => c.type === "tool_calls")).toHaveLength(1);
    expect(toolCallsOf(r.chunks)).toEqual([
      { id: "call_HjeqP7YeRkoNj0de", name: "read_file", arguments: { path: "README.md" } },
    ]);
    expect(doneOf(r.chunks).finishReason).toBe("tool_calls");
  });

  it("T4a parallel calls streamed one after the other", async () => {
    const r = await run(server, sse("t4a-parallel-sequential.sse"));
    expect(toolCallsOf(r.chunks)).toEqual([
      { id: "call_aaa", name: "get_weather", arguments: { city: "Paris" } },
      { id: "call_bbb", name: "get_weather", arguments: { city: "Tokyo" } },
    ]);
  });

  it("T4b interleaved fragments keyed by index", async () => {
    const r = await run(server, sse("t4b-parallel-interleaved.sse"));
    expect(toolCallsOf(r.chunks)).toEqual([
      { id: "call_a", name: "list_files", arguments: { path: "src" } },
      { id: "call_b", name: "search", arguments: { q: "TODO" } },
    ]);
    expect(doneOf(r.chunks).model).toBe("test-model");
  });

  it("T5 reasoning_content → thinking; usage on the finish chunk (DeepSeek)", async () => {
    const r = await run(server, sse("t5-reasoning-content.sse"));
    expect(r.thinking).toBe("Compare the decimals: 0.80 > 0.11.");
    expect(r.text).toBe("9.8 is larger.");
    expect(r.chunks[0]?.type).toBe("thinking");
    expect(doneOf(r.chunks).usage).toEqual({
      inputTokens: 14,
      outputTokens: 40,
      totalTokens: 54,
      cachedInputTokens: 0,
      reasoningTokens: 31,
    });
  });

  it("T5 with the `reasoning` field (vLLM ≥0.11, Ollama, Groq)", async () => {
    const r = await run(server, sse("t5-reasoning-field.sse"));
    expect(r.thinking).toBe("Compare the decimals: 0.80 > 0.11.");
    expect(r.text).toBe("9.8 is larger.");
  });

  it("T8 OpenRouter processing comments before the first chunk", async () => {
    const r = await run(server, sse("t8-openrouter-keepalive.sse"));
    expect(r.error).toBeUndefined();
    expect(r.text).toBe("Hello");
    expect(doneOf(r.chunks).model).toBe("anthropic/claude-3.5-sonnet");
  });

  it("T9 Ollama /v1 whole tool call in one delta, usage chunk", async () => {
    const r = await run(server, sse("t9-ollama-tool-whole.sse"));
    expect(toolCallsOf(r.chunks)).toEqual([
      { id: "call_k3x9q0ab", name: "get_weather", arguments: { city: "Paris" } },
    ]);
    const done = doneOf(r.chunks);
    expect(done.finishReason).toBe("tool_calls");
    expect(done.usage).toEqual({ inputTokens: 182, outputTokens: 21, totalTokens: 203 });
  });

  it("T10 llama.cpp timings: tokensPerSec from predicted_per_second", async () => {
    const r = await run(server, sse("t10-llamacpp-timings.sse"));
    const done = doneOf(r.chunks);
    expect(r.text).toBe("Hello");
    expect(done.tokensPerSec).toBe(92.2);
    expect(done.timings).toMatchObject({ promptMs: 35.2, generationMs: 21.7 });
    expect(done.usage).toEqual({ inputTokens: 12, outputTokens: 2, totalTokens: 14 });
  });

  it("T11 Azure: empty-choices prelude and delta-less filter chunks ignored", async () => {
    const r = await run(server, sse("t11-azure-filter.sse"));
    expect(r.error).toBeUndefined();
    expect(r.text).toBe("Hello");
    expect(doneOf(r.chunks).model).toBe("gpt-5-nano-2025-08-07");
  });

  it("T12 Groq: whole tool call, usage from x_groq.usage", async () => {
    const r = await run(server, sse("t12-groq-tool-xgroq.sse"));
    expect(toolCallsOf(r.chunks)).toEqual([{ id: "tk85n1k4m", name: "weather", arguments: {} }]);
    expect(doneOf(r.chunks).usage).toEqual({
      inputTokens: 210,
      outputTokens: 15,
      totalTokens: 225,
    });
  });
});

describe("in-stream errors → ProviderError with partial output", () => {
  it.each([
    ["t6a-openai-error.sse", " question", "server_error"],
    ["t6b-vllm-error.sse", "", "BadRequestError"],
    ["t6c-llamacpp-error.sse", "", "server_error"],
    ["t6d-openrouter-error.sse", "", "server_error"],
    ["q-gateway-event-error.sse", "Hel", "provider_error"],
    ["q-groq-xgroq-error.sse", "Par", undefined],
    ["q-lmstudio-error.sse", "Hi", undefined],
  ])("%s", async (name, partial, code) => {
    const r = await run(server, sse(name));
    expect(ProviderError.isInstance(r.error)).toBe(true);
    const error = r.error as ProviderError;
    expect(error.partial?.content).toBe(partial);
    expect(error.providerCode).toBe(code);
    expect(error.retryable).toBe(true);
    expect(r.chunks.some((c) => c.type === "done")).toBe(false);
  });
});

describe("termination", () => {
  it("accepts a stream that ends after a finish_reason without [DONE]", async () => {
    const r = await run(server, sse("q-no-done-after-finish.sse"));
    expect(r.error).toBeUndefined();
    expect(r.text).toBe("Done");
    expect(doneOf(r.chunks).finishReason).toBe("stop");
  });

  it("a stream with neither finish_reason nor [DONE] is truncated, carrying partial", async () => {
    const r = await run(server, sse("q-truncated.sse"));
    expect(OpenAIProtocolError.isInstance(r.error)).toBe(true);
    expect((r.error as ProtocolError).reason).toBe("truncated");
    expect((r.error as ProtocolError).partial?.content).toBe("Half an ans");
  });

  it("old llama.cpp `error:` field lines (invisible to standard parsers) → ProviderError", async () => {
    const r = await run(server, sse("t6e-llamacpp-legacy-error-field.sse"));
    expect(ProviderError.isInstance(r.error)).toBe(true);
    expect((r.error as ProviderError).providerCode).toBe("server_error");
    expect((r.error as ProviderError).message).toContain("…");
  });

  it("an `error:` field line after some content keeps the content as partial", async () => {
    const text = fixture("t1-openai-text.sse").toString("utf8");
    const cut = text.indexOf("\n\n", 400) + 2;
    const error = 'error: {"code":503,"message":"Loading model","type":"unavailable_error"}\n\n';
    const r = await run(server, {
      ...sse("t1-openai-text.sse"),
      body: Buffer.from(text.slice(0, cut) + error),
    });
    expect(ProviderError.isInstance(r.error)).toBe(true);
    expect((r.error as ProviderError).providerCode).toBe("unavailable_error");
    expect((r.error as ProviderError).partial?.content).toBe(r.text);
    expect(r.text.length).toBeGreaterThan(0);
  });

  it("malformed JSON → OpenAIProtocolError (malformed_frame)", async () => {
    const r = await run(server, sse("q-malformed.sse"));
    expect(OpenAIProtocolError.isInstance(r.error)).toBe(true);
    expect((r.error as ProtocolError).reason).toBe("malformed_frame");
    expect((r.error as ProtocolError).partial?.content).toBe("ok");
  });

  it("an oversize event → OpenAIProtocolError (oversize_frame)", async () => {
    const r = await run(server, sse("t1-openai-text.sse"), {}, { maxFrameSize: 100 });
    expect(OpenAIProtocolError.isInstance(r.error)).toBe(true);
    expect((r.error as ProtocolError).reason).toBe("oversize_frame");
  });

  it("invalid tool JSON → ProtocolError naming the tool", async () => {
    const r = await run(server, sse("q-invalid-tool-json.sse"));
    expect(OpenAIProtocolError.isInstance(r.error)).toBe(true);
    expect((r.error as ProtocolError).reason).toBe("invalid_tool_arguments");
    expect(String(r.error)).toContain("broken");
  });
});

describe("quirks", () => {
  it("missing tool-call index (Gemini): a new id opens a new call", async () => {
    const r = await run(server, sse("q-missing-index.sse"));
    expect(toolCallsOf(r.chunks)).toEqual([
      { id: "function-call-1", name: "get_weather", arguments: { city: "Paris" } },
      { id: "function-call-2", name: "get_time", arguments: { tz: "CET" } },
    ]);
  });

  it("object arguments (OpenRouter)", async () => {
    const r = await run(server, sse("q-object-arguments.sse"));
    expect(toolCallsOf(r.chunks)).toEqual([
      { id: "toolu_01", name: "get_weather", arguments: { city: "Oslo", unit: "c" } },
    ]);
  });

  it("arguments left over on the finish chunk (vLLM)", async () => {
    const r = await run(server, sse("q-vllm-leftover-args.sse"));
    expect(toolCallsOf(r.chunks)).toEqual([
      {
        id: "chatcmpl-tool-0a1b2c3d4e5f60718293a4b5c6d7e8f9",
        name: "get_weather",
        arguments: { city: "Berlin" },
      },
    ]);
  });

  it("DeepSeek keep-alive comments, cached tokens from prompt details", async () => {
    const r = await run(server, sse("q-deepseek-keepalive.sse"));
    expect(r.text).toBe("Hi");
    expect(doneOf(r.chunks).usage?.cachedInputTokens).toBe(8);
  });

  it("sse-starlette CRLF pings, multi-byte text cut at every byte", async () => {
    const r = await run(server, sse("q-starlette-crlf-ping.sse", { pieceSize: 1 }));
    expect(r.error).toBeUndefined();
    expect(r.text).toBe("Ça va 👍");
  });

  it("refusal text is yielded as content", async () => {
    const r = await run(server, sse("q-refusal.sse"));
    expect(r.text).toBe("I can't help with that.");
  });

  it("a 200 JSON chat.completion (stream: true ignored) is read as one answer", async () => {
    const r = await run(server, {
      status: 200,
      headers: { "content-type": "application/json" },
      body: fixture("q-non-stream-json.json"),
    });
    expect(r.error).toBeUndefined();
    expect(r.thinking).toBe("User wants weather.");
    expect(r.text).toBe("Checking.");
    expect(toolCallsOf(r.chunks)).toEqual([
      { id: "call_ns1", name: "get_weather", arguments: { city: "Lima" } },
    ]);
    const done = doneOf(r.chunks);
    expect(done.finishReason).toBe("tool_calls");
    expect(done.usage).toEqual({ inputTokens: 30, outputTokens: 12, totalTokens: 42 });
    const bad = await run(server, {
      status: 200,
      headers: { "content-type": "application/json" },
      body: Buffer.from('{"unexpected":true}'),
    });
    expect(OpenAIProtocolError.isInstance(bad.error)).toBe(true);
  });

  it("measures tokensPerSec when the server gives no timings", async () => {
    const r = await run(server, sse("t4b-parallel-interleaved.sse"));
    const done = doneOf(r.chunks);
    expect(done.timings?.firstTokenMs).toBeGreaterThanOrEqual(0);
  });
});

describe("llama.cpp recordings", () => {
  it("01 chat stream: finish_reason length, timings", async () => {
    const r = await run(server, httpAnswer("llamacpp/01-chat-stream.response.http"));
    expect(r.error).toBeUndefined();
    expect(r.text.startsWith(" is will weather day")).toBe(true);
    const done = doneOf(r.chunks);
    expect(done.finishReason).toBe("length");
    expect(done.model).toBe("tiny-qwen2.gguf");
    expect(done.tokensPerSec).toBeGreaterThan(0);
  });

  it("02 usage chunk with cached tokens and timings", async () => {
    const r = await run(server, httpAnswer("llamacpp/02-chat-stream-usage.response.http"));
    const done = doneOf(r.chunks);
    expect(done.usage?.outputTokens).toBe(20);
    expect(done.usage?.cachedInputTokens).toBeTypeOf("number");
    expect(done.timings?.generationMs).toBeGreaterThan(0);
  });

  it("03 content then a fragmented tool call (tool_choice required)", async () => {
    const r = await run(server, httpAnswer("llamacpp/03-chat-stream-tools-required.response.http"));
    expect(r.error).toBeUndefined();
    expect(r.text).toContain("weather");
    const calls = toolCallsOf(r.chunks);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ id: "uehqrt4sMaNcnnElDTgfWrIHbNp6v3P9", name: "get_weather" });
    expect(typeof calls[0]!.arguments).toBe("object");
    expect(doneOf(r.chunks).finishReason).toBe("tool_calls");
  });

  it("04 tool call from the first delta", async () => {
    const r = await run(server, httpAnswer("llamacpp/04-chat-stream-tools-auto.response.http"));
    expect(r.error).toBeUndefined();
    expect(toolCallsOf(r.chunks)).toHaveLength(1);
    expect(r.text).toBe("");
  });

  it("06 400 as plain JSON → InvalidRequestError", async () => {
    const r = await run(
      server,
      httpAnswer("llamacpp/06-err-messages-not-array-stream.response.http"),
    );
    expect(InvalidRequestError.isInstance(r.error)).toBe(true);
    expect(r.chunks).toHaveLength(0);
  });

  it("09 exceed_context_size_error → ContextLengthError", async () => {
    const r = await run(
      server,
      httpAnswer("llamacpp/09-err-context-too-long-stream.response.http"),
    );
    expect(ContextLengthError.isInstance(r.error)).toBe(true);
    expect((r.error as ContextLengthError).status).toBe(400);
  });

  it("40 reasoning_content then content", async () => {
    const r = await run(server, httpAnswer("llamacpp/40-think-chat-stream.response.http"));
    expect(r.thinking.startsWith("\n today weather.")).toBe(true);
    expect(r.text.startsWith(" and think")).toBe(true);
    const kinds = r.chunks.map((c) => c.type);
    expect(kinds.lastIndexOf("thinking")).toBeLessThan(kinds.indexOf("content"));
  });

  it("62 keep-alive comment mid-stream", async () => {
    const r = await run(server, httpAnswer("llamacpp/62-chat-stream-sse-ping.response.http"));
    expect(r.error).toBeUndefined();
    expect(r.text.length).toBeGreaterThan(100);
  });
});

describe("HTTP errors", () => {
  it("T7 429 with retry-after-ms → RateLimitError, retryable, 1146 ms", async () => {
    const r = await run(server, httpAnswer("t7-rate-limit.http"));
    expect(RateLimitError.isInstance(r.error)).toBe(true);
    const error = r.error as RateLimitError;
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(1146);
    expect(error.status).toBe(429);
  });

  it("T7 billing variant insufficient_quota → not retryable", async () => {
    const r = await run(server, httpAnswer("t7-insufficient-quota.http"));
    expect(RateLimitError.isInstance(r.error)).toBe(true);
    expect((r.error as RateLimitError).retryable).toBe(false);
    expect((r.error as RateLimitError).providerCode).toBe("insufficient_quota");
  });

  it("429 credit_balance_exhausted → not retryable", async () => {
    const r = await run(server, {
      status: 429,
      headers: { "content-type": "application/json" },
      body: Buffer.from(
        '{"error":{"message":"Your credit balance is exhausted.","type":"insufficient_quota","param":null,"code":"credit_balance_exhausted"}}',
      ),
    });
    expect(RateLimitError.isInstance(r.error)).toBe(true);
    expect((r.error as RateLimitError).retryable).toBe(false);
  });

  it("401 echoing the key → AuthenticationError without the key", async () => {
    const r = await run(server, {
      status: 401,
      headers: { "content-type": "application/json" },
      body: Buffer.from(
        '{"error":{"message":"Incorrect API key provided: sk-test-SECRET0123456789abcdef.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}',
      ),
    });
    expect(AuthenticationError.isInstance(r.error)).toBe(true);
    expect(leaksKey(r.error)).toBe(false);
  });

  it("flat vLLM error body and Retry-After seconds (OpenRouter)", async () => {
    const r = await run(server, {
      status: 429,
      headers: { "content-type": "application/json", "retry-after": "7" },
      body: Buffer.from('{"error":{"code":429,"message":"Rate limit exceeded"}}'),
    });
    expect((r.error as RateLimitError).retryAfterMs).toBe(7000);
    const flat = await run(server, {
      status: 400,
      headers: { "content-type": "application/json" },
      body: Buffer.from(
        '{"object":"error","message":"This model\'s maximum context length is 4096 tokens.","type":"BadRequestError","param":null,"code":400}',
      ),
    });
    expect(ContextLengthError.isInstance(flat.error)).toBe(true);
  });
});
