import type { StreamChunk, StreamOptions } from "@x/core";
import { OpenAIAdapter } from "../src/index.js";
import type { OpenAIAdapterOptions } from "../src/openai-adapter-options.js";
import type { Answer, FixtureServer } from "./fixture-server.js";

export const API_KEY = "sk-test-SECRET0123456789abcdef";

/** An adapter for `server` with a secret key. */
export function adapterFor(
  server: FixtureServer,
  options: Partial<OpenAIAdapterOptions> = {},
): OpenAIAdapter {
  return new OpenAIAdapter({
    baseUrl: `${server.url}/v1`,
    apiKey: API_KEY,
    model: "test-model",
    ...options,
  });
}

/** Collects every chunk, or the error thrown (with the chunks before it). */
export async function drain(
  iterable: AsyncIterable<StreamChunk>,
): Promise<{ chunks: StreamChunk[]; error: unknown }> {
  const chunks: StreamChunk[] = [];
  try {
    for await (const chunk of iterable) chunks.push(chunk);
    return { chunks, error: undefined };
  } catch (error) {
    return { chunks, error };
  }
}

/** Runs one stream against one queued answer. */
export async function run(
  server: FixtureServer,
  answer: Answer,
  options: StreamOptions = {},
  adapterOptions: Partial<OpenAIAdapterOptions> = {},
): Promise<{ chunks: StreamChunk[]; error: unknown; text: string; thinking: string }> {
  server.answer(answer);
  const adapter = adapterFor(server, adapterOptions);
  try {
    const result = await drain(adapter.stream([{ role: "user", content: "hi" }], options));
    return { ...result, text: textOf(result.chunks), thinking: thinkingOf(result.chunks) };
  } finally {
    await adapter.close();
  }
}

export function textOf(chunks: StreamChunk[]): string {
  return chunks.map((c) => (c.type === "content" ? c.content : "")).join("");
}

export function thinkingOf(chunks: StreamChunk[]): string {
  return chunks.map((c) => (c.type === "thinking" ? c.thinking : "")).join("");
}

export function toolCallsOf(chunks: StreamChunk[]) {
  return chunks.flatMap((c) => (c.type === "tool_calls" ? c.toolCalls : []));
}

export function doneOf(chunks: StreamChunk[]) {
  const last = chunks[chunks.length - 1];
  if (last?.type !== "done") throw new Error(`last chunk is ${last?.type}, not done`);
  return last;
}

/** Asserts the error (and its JSON) does not leak the key. */
export function leaksKey(error: unknown): boolean {
  const text = `${String(error)} ${JSON.stringify(error)} ${(error as Error)?.stack ?? ""}`;
  return text.includes(API_KEY) || text.includes("SECRET0123456789");
}

/**
 * Resolves with `promise`, or rejects once `ms` have passed (a bound for code that would
 * otherwise hang, so the test fails instead of timing out). The timer is cleared either way.
 */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still running after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, bound]);
  } finally {
    clearTimeout(timer);
  }
}

/** One SSE `data:` event carrying `value` as JSON. */
export function sseEvent(value: unknown): string {
  return `data: ${JSON.stringify(value)}\n\n`;
}

/** A chat.completion.chunk with one choice. */
export function chunkOf(delta: Record<string, unknown>, finishReason: string | null = null) {
  return {
    id: "chatcmpl-t",
    object: "chat.completion.chunk",
    created: 1,
    model: "served-model",
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  };
}

/** `Timeout`s alive in this process (timers left behind show up here). */
export function activeTimeouts(): number {
  return process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
}
