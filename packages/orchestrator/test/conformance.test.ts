import { AnthropicAdapter } from "@x/anthropic";
import { type AdapterFactoryContext, runConformance } from "@x/conformance";
import type { AIAdapter } from "@x/core";
import { OllamaAdapter } from "@x/ollama";
import { OpenAIAdapter } from "@x/openai";
import { anthropicCodec } from "../../anthropic/test/anthropic-codec.js";
import { ollamaCodec } from "../../ollama/test/ollama-codec.js";
import { openaiCodec } from "../../openai/test/openai-codec.js";
import {
  createFallbackChain,
  type FallbackChainOptions,
  RETRY_DEFAULTS,
  withCircuitBreaker,
  withRetry,
  withTimeouts,
} from "../src/index.js";

// A one-member chain must be indistinguishable from the adapter it wraps (DESIGN §5), with its
// defaults and with every policy set; so must the policies used on their own. The chain names
// the serving member on done, so the member's provider and model flow through unchanged. A
// chain retries transient failures, so the suite allows its number of tries (`maxAttempts`).

const capabilities = {
  toolCalls: true,
  thinking: true,
  usage: true,
  images: true,
  jsonSchema: true,
  tokensPerSec: true,
  listModels: true,
};

/** Every policy set. One member, so hedging has nowhere to go: its code path runs, idle. */
const TUNED: FallbackChainOptions = {
  timeouts: { firstChunkMs: 5_000, idleMs: 5_000, totalMs: 60_000 },
  retry: { maxRetries: 2, baseDelayMs: 10 },
  breaker: { failureRate: 0.5, minimumRequests: 20, windowMs: 10_000, cooldownMs: 100 },
  commitAfter: { chars: 10, ms: 50 },
  midStream: "restart",
  hedgeAfterMs: 1_000,
};

const protocols = [
  {
    name: "ollama",
    codec: ollamaCodec,
    adapter: ({ baseUrl, model, headers }: AdapterFactoryContext): AIAdapter =>
      new OllamaAdapter({ baseUrl, model, headers }),
  },
  {
    name: "openai",
    codec: openaiCodec,
    adapter: ({ baseUrl, model, apiKey, headers }: AdapterFactoryContext): AIAdapter =>
      new OpenAIAdapter({ baseUrl, model, apiKey, headers }),
  },
  {
    name: "anthropic",
    codec: anthropicCodec,
    adapter: ({ baseUrl, model, apiKey, headers }: AdapterFactoryContext): AIAdapter =>
      new AnthropicAdapter({ baseUrl, model, apiKey, headers }),
    // The same skips as packages/anthropic/test/conformance.test.ts.
    skip: {
      "tools.final-frame":
        "the Messages API has no terminal frame that carries tool calls (every call is a tool_use block)",
      "request.response-format-json":
        'the Messages API has no schema-less JSON mode; responseFormat "json" is an InvalidRequestError',
    },
  },
];

for (const { name, codec, adapter, skip } of protocols) {
  runConformance({
    name: `chain(${name})`,
    create: (context) => createFallbackChain([adapter(context)], { provider: name }),
    codec,
    capabilities,
    skip,
    maxAttempts: RETRY_DEFAULTS.maxRetries + 1,
  });

  runConformance({
    name: `tuned chain(${name})`,
    create: (context) => createFallbackChain([adapter(context)], { ...TUNED, provider: name }),
    codec,
    capabilities,
    skip,
    maxAttempts: 3,
  });

  runConformance({
    name: `withRetry(withCircuitBreaker(withTimeouts(${name})))`,
    create: (context) =>
      withRetry(
        withCircuitBreaker(withTimeouts(adapter(context), { firstChunkMs: 5_000, idleMs: 5_000 }), {
          minimumRequests: 20,
        }),
        { baseDelayMs: 10 },
      ),
    codec,
    capabilities,
    skip,
    maxAttempts: RETRY_DEFAULTS.maxRetries + 1,
  });
}
