/**
 * Our packages: `@x/ollama`, `@x/openai`, `@x/anthropic`, and one-member `@x/orchestrator` chains
 * over each.
 * An adapter is bound to one model, so the client keeps one adapter per model name (the harness
 * uses a handful of model names, each for many requests, so connections are still reused).
 */
import type { AIAdapter, StreamChunk } from "@x/core";
import { loadModule } from "./load-module.js";
import { type BenchClient, type ClientContext, PROMPT } from "./types.js";

/** The constructor options the bench passes to our adapters. */
export interface AdapterInit {
  baseUrl: string;
  model: string;
  apiKey?: string;
}

type AdapterConstructor = new (init: AdapterInit) => AIAdapter;

/** `createFallbackChain` as the bench calls it. */
export type CreateFallbackChain = (adapters: AIAdapter[], options?: object) => AIAdapter;

/** Loads `new OllamaAdapter(...)` from the built `@x/ollama`. */
export async function loadOllamaAdapter(): Promise<AdapterConstructor> {
  return (await loadModule<{ OllamaAdapter: AdapterConstructor }>("@x/ollama")).OllamaAdapter;
}

/** Loads `new OpenAIAdapter(...)` from the built `@x/openai`. */
export async function loadOpenAIAdapter(): Promise<AdapterConstructor> {
  return (await loadModule<{ OpenAIAdapter: AdapterConstructor }>("@x/openai")).OpenAIAdapter;
}

/** Loads `new AnthropicAdapter(...)` from the built `@x/anthropic`. */
async function loadAnthropicAdapter(): Promise<AdapterConstructor> {
  return (await loadModule<{ AnthropicAdapter: AdapterConstructor }>("@x/anthropic"))
    .AnthropicAdapter;
}

/** Loads `createFallbackChain` from the built `@x/orchestrator`. */
export async function loadCreateFallbackChain(): Promise<CreateFallbackChain> {
  return (await loadModule<{ createFallbackChain: CreateFallbackChain }>("@x/orchestrator"))
    .createFallbackChain;
}

/**
 * Streams `adapter`'s answer to the bench prompt into `onText`; requires exactly one `done`.
 * `forwarded`: through one plain forwarding async generator (see {@link forwardEach}).
 */
export async function streamAdapter(
  adapter: AIAdapter,
  onText: (text: string) => void,
  forwarded = false,
): Promise<void> {
  let done = 0;
  const chunks = adapter.stream([{ role: "user", content: PROMPT }]);
  for await (const chunk of forwarded ? forwardEach(chunks) : chunks) {
    if (chunk.type === "content") onText(chunk.content);
    else if (chunk.type === "done") done++;
  }
  if (done !== 1) throw new Error(`expected exactly one done chunk, got ${done}`);
}

/**
 * Yields every chunk of `chunks` unchanged: the least any adapter that wraps another adapter
 * (a chain, a retry policy) must add per chunk, one more async-iterator step. A reference for the
 * chain's overhead.
 */
async function* forwardEach(chunks: AsyncIterable<StreamChunk>): AsyncGenerator<StreamChunk> {
  for await (const chunk of chunks) yield chunk;
}

function adapterClient(make: (model: string) => AIAdapter, forwarded = false): BenchClient {
  const adapters = new Map<string, AIAdapter>();
  return {
    run(model, onText) {
      let adapter = adapters.get(model);
      if (!adapter) {
        adapter = make(model);
        adapters.set(model, adapter);
      }
      return streamAdapter(adapter, onText, forwarded);
    },
    async close() {
      await Promise.all([...adapters.values()].map((adapter) => adapter.close?.()));
    },
  };
}

/**
 * One of our adapters, made by `load()`'s constructor with `init` and the model: alone,
 * (`"chain"`) inside a one-member fallback chain, or (`"forwarded"`) through one forwarding async
 * generator (the reference for the chain).
 */
async function ourClient(
  load: () => Promise<AdapterConstructor>,
  init: Omit<AdapterInit, "model">,
  wrap: "chain" | "forwarded" | undefined,
): Promise<BenchClient> {
  const Adapter = await load();
  const createFallbackChain = wrap === "chain" ? await loadCreateFallbackChain() : undefined;
  return adapterClient((model) => {
    const adapter = new Adapter({ ...init, model });
    return createFallbackChain ? createFallbackChain([adapter]) : adapter;
  }, wrap === "forwarded");
}

/** `@x/ollama` alone, in a one-member chain, or forwarded (see {@link ourClient}). */
export function createOurOllamaClient(
  context: ClientContext,
  wrap?: "chain" | "forwarded",
): Promise<BenchClient> {
  return ourClient(loadOllamaAdapter, { baseUrl: context.origin }, wrap);
}

/** `@x/openai` alone, in a one-member chain, or forwarded (see {@link ourClient}). */
export function createOurOpenAIClient(
  context: ClientContext,
  wrap?: "chain" | "forwarded",
): Promise<BenchClient> {
  return ourClient(
    loadOpenAIAdapter,
    { baseUrl: `${context.origin}/v1`, apiKey: "sk-bench" },
    wrap,
  );
}

/** `@x/anthropic` alone, or (`chain`) inside a one-member fallback chain. */
export function createOurAnthropicClient(
  context: ClientContext,
  wrap?: "chain",
): Promise<BenchClient> {
  // The API root without /v1, as the README (and the official SDK's baseURL) has it.
  return ourClient(loadAnthropicAdapter, { baseUrl: context.origin, apiKey: "sk-ant-bench" }, wrap);
}
