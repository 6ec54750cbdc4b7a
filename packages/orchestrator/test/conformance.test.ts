import { runConformance } from "@x/conformance";
import { OllamaAdapter } from "@x/ollama";
import { OpenAIAdapter } from "@x/openai";
import { ollamaCodec } from "../../ollama/test/ollama-codec.js";
import { openaiCodec } from "../../openai/test/openai-codec.js";
import { createFallbackChain } from "../src/index.js";

// A one-member chain must be indistinguishable from the adapter it wraps (DESIGN §5). The chain
// names the serving member on done, so the member's provider/model flow through unchanged.
const capabilities = {
  toolCalls: true,
  thinking: true,
  usage: true,
  images: true,
  jsonSchema: true,
  tokensPerSec: true,
  listModels: true,
};

runConformance({
  name: "chain(ollama)",
  create: ({ baseUrl, model, headers }) =>
    createFallbackChain([new OllamaAdapter({ baseUrl, model, headers })], { provider: "ollama" }),
  codec: ollamaCodec,
  capabilities,
});

runConformance({
  name: "chain(openai)",
  create: ({ baseUrl, model, apiKey }) =>
    createFallbackChain([new OpenAIAdapter({ baseUrl, model, apiKey })], { provider: "openai" }),
  codec: openaiCodec,
  capabilities,
});
