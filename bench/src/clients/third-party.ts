/**
 * What users would otherwise pick: the official `ollama`, `openai` and `@anthropic-ai/sdk` packages and the Vercel AI
 * SDK (`ai` `streamText` with `@ai-sdk/openai-compatible`, and with `ollama-ai-provider-v2`).
 * Each is used the way its README shows, with retries off.
 */
import { type BenchClient, type ClientContext, PROMPT } from "./types.js";

/** Official `ollama` (ollama-js): `chat({ stream: true })`. */
export async function createOllamaJsClient(context: ClientContext): Promise<BenchClient> {
  const { Ollama } = await import("ollama");
  const client = new Ollama({ host: context.origin });
  return {
    async run(model, onText) {
      const stream = await client.chat({
        model,
        messages: [{ role: "user", content: PROMPT }],
        stream: true,
      });
      let done = false;
      for await (const part of stream) {
        if (part.message.content) onText(part.message.content);
        if (part.done) done = true;
      }
      if (!done) throw new Error("ollama-js: stream ended without done");
    },
    close: async () => {},
  };
}

/** Official `openai` (openai-node): `chat.completions.create({ stream: true })`. */
export async function createOpenAINodeClient(context: ClientContext): Promise<BenchClient> {
  const { default: OpenAI } = await import("openai");
  const client = new OpenAI({ baseURL: `${context.origin}/v1`, apiKey: "sk-bench", maxRetries: 0 });
  return {
    async run(model, onText) {
      const stream = await client.chat.completions.create({
        model,
        messages: [{ role: "user", content: PROMPT }],
        stream: true,
        stream_options: { include_usage: true },
      });
      for await (const chunk of stream) {
        const content = chunk.choices[0]?.delta?.content;
        if (content) onText(content);
      }
    },
    close: async () => {},
  };
}

/**
 * Official `@anthropic-ai/sdk`: `messages.create({ stream: true })`, iterating its events (the
 * lighter of its two streaming APIs: no `MessageStream` accumulation).
 */
export async function createAnthropicSdkClient(context: ClientContext): Promise<BenchClient> {
  const { default: Anthropic } = await import("@anthropic-ai/sdk");
  const client = new Anthropic({ baseURL: context.origin, apiKey: "sk-ant-bench", maxRetries: 0 });
  return {
    async run(model, onText) {
      const stream = await client.messages.create({
        model,
        max_tokens: 4096,
        messages: [{ role: "user", content: PROMPT }],
        stream: true,
      });
      let stopped = false;
      for await (const event of stream) {
        if (event.type === "content_block_delta" && event.delta.type === "text_delta") {
          if (event.delta.text) onText(event.delta.text);
        } else if (event.type === "message_stop") {
          stopped = true;
        }
      }
      if (!stopped) throw new Error("@anthropic-ai/sdk: stream ended without message_stop");
    },
    close: async () => {},
  };
}

type LanguageModel = Parameters<typeof import("ai").streamText>[0]["model"];

async function aiSdkClient(model: (name: string) => LanguageModel): Promise<BenchClient> {
  const { streamText } = await import("ai");
  return {
    async run(name, onText) {
      let failure: unknown;
      const result = streamText({
        model: model(name),
        prompt: PROMPT,
        maxRetries: 0,
        onError: ({ error }) => {
          failure = error;
        },
      });
      for await (const text of result.textStream) {
        if (text) onText(text);
      }
      if (failure !== undefined) throw failure;
      const finishReason = await result.finishReason;
      if (finishReason !== "stop") throw new Error(`AI SDK finishReason ${finishReason}`);
    },
    close: async () => {},
  };
}

/** Vercel AI SDK `streamText` + `@ai-sdk/openai-compatible`. */
export async function createAiSdkOpenAIClient(context: ClientContext): Promise<BenchClient> {
  const { createOpenAICompatible } = await import("@ai-sdk/openai-compatible");
  const provider = createOpenAICompatible({
    name: "bench",
    baseURL: `${context.origin}/v1`,
    apiKey: "sk-bench",
    includeUsage: true,
  });
  return aiSdkClient((name) => provider.chatModel(name));
}

/** Vercel AI SDK `streamText` + `ollama-ai-provider-v2`. */
export async function createAiSdkOllamaClient(context: ClientContext): Promise<BenchClient> {
  const { createOllama } = await import("ollama-ai-provider-v2");
  const provider = createOllama({ baseURL: `${context.origin}/api` });
  return aiSdkClient((name) => provider(name));
}
