import { AnthropicAdapter } from "@x/anthropic";
import { type AdapterFactoryContext, runConformance } from "@x/conformance";
import { anthropicCodec } from "../../anthropic/test/anthropic-codec.js";
import { createFallbackChain, RETRY_DEFAULTS } from "../src/index.js";

// A one-member chain over an AnthropicAdapter must be indistinguishable from the adapter (DESIGN
// §5), as test/conformance.test.ts requires of the Ollama and OpenAI ones: the same suite, the
// same codec for the Messages API's wire format, the same capabilities and skips as
// packages/anthropic/test/conformance.test.ts. The chain retries transient failures, so the
// suite allows its number of tries.

const anthropic = ({ baseUrl, model, apiKey, headers }: AdapterFactoryContext) =>
  new AnthropicAdapter({ baseUrl, model, apiKey, headers });

runConformance({
  name: "chain(anthropic)",
  create: (context) => createFallbackChain([anthropic(context)], { provider: "anthropic" }),
  codec: anthropicCodec,
  capabilities: {
    toolCalls: true,
    thinking: true,
    usage: true,
    images: true,
    jsonSchema: true,
    tokensPerSec: true,
    listModels: true,
  },
  skip: {
    "tools.final-frame":
      "the Messages API has no terminal frame that carries tool calls (every call is a tool_use block)",
    "request.response-format-json":
      'the Messages API has no schema-less JSON mode; responseFormat "json" is an InvalidRequestError',
  },
  maxAttempts: RETRY_DEFAULTS.maxRetries + 1,
});
