import type { Capabilities, StreamChunk, Timeouts } from "@x/core";
import { OllamaAdapter } from "@x/ollama";
import { OpenAIAdapter } from "@x/openai";
import { drain } from "../helpers.js";
import { type Fault, type FaultServer, faultServer } from "./fault-server.js";

export const PRIMARY_TEXT = "The primary says the sky is blue because of Rayleigh scattering.";
export const FALLBACK_TEXT = "The fallback says short wavelengths scatter more in air.";
export const API_KEY = "sk-test-do-not-leak-4242";

/** A primary and a fallback, each an OpenAI-compatible loopback server with its adapter. */
export interface Pair {
  primary: FaultServer;
  fallback: FaultServer;
  primaryAdapter: OpenAIAdapter;
  fallbackAdapter: OpenAIAdapter;
  close(): Promise<void>;
}

/**
 * Starts the two servers. The primary answers `answer`; the fallback answers in full unless told
 * otherwise. `capabilities` overrides the fallback adapter's claims (e.g. `assistantPrefill`).
 */
export async function pair(
  answer: FaultServer["answer"],
  fallback: {
    answer?: FaultServer["answer"];
    capabilities?: Partial<Capabilities>;
    timeouts?: Timeouts;
  } = {},
): Promise<Pair> {
  const primary = await faultServer({ model: "primary-model", text: PRIMARY_TEXT, answer });
  const second = await faultServer({
    model: "fallback-model",
    text: FALLBACK_TEXT,
    answer: fallback.answer ?? { kind: "ok" },
  });
  const primaryAdapter = new OpenAIAdapter({
    provider: "primary",
    baseUrl: primary.baseUrl,
    model: "primary-model",
    apiKey: API_KEY,
  });
  const fallbackAdapter = new OpenAIAdapter({
    provider: "fallback",
    baseUrl: second.baseUrl,
    model: "fallback-model",
    apiKey: API_KEY,
    capabilities: fallback.capabilities,
    timeouts: fallback.timeouts,
  });
  return {
    primary,
    fallback: second,
    primaryAdapter,
    fallbackAdapter,
    async close() {
      await Promise.all([primaryAdapter.close(), fallbackAdapter.close()]);
      await Promise.all([primary.close(), second.close()]);
    },
  };
}

/** An Ollama-protocol loopback server with its adapter. */
export async function ollamaMember(
  answer: Fault,
  text = PRIMARY_TEXT,
): Promise<{ server: FaultServer; adapter: OllamaAdapter; close(): Promise<void> }> {
  const server = await faultServer({ model: "llama3.2", text, protocol: "ollama", answer });
  const adapter = new OllamaAdapter({ baseUrl: server.origin, model: "llama3.2" });
  return {
    server,
    adapter,
    async close() {
      await adapter.close();
      await server.close();
    },
  };
}

/** Drains a stream and times it. */
export async function timed(
  stream: AsyncIterable<StreamChunk>,
): Promise<{ chunks: StreamChunk[]; error: unknown; ms: number }> {
  const started = Date.now();
  const { chunks, error } = await drain(stream);
  return { chunks, error, ms: Date.now() - started };
}

/** The text after the last `reset`, and how many resets there were. */
export function answerOf(chunks: readonly StreamChunk[]): { text: string; resets: number } {
  let text = "";
  let resets = 0;
  for (const c of chunks) {
    if (c.type === "reset") {
      text = "";
      resets++;
    }
    if (c.type === "content") text += c.content;
  }
  return { text, resets };
}
