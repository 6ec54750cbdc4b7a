import { runConformance } from "@x/conformance";
import { OpenAIAdapter } from "../src/index.js";
import { openaiCodec } from "./openai-codec.js";

runConformance({
  name: "openai",
  create: ({ baseUrl, model, apiKey, headers }) =>
    new OpenAIAdapter({ baseUrl, model, apiKey, headers }),
  codec: openaiCodec,
  capabilities: {
    toolCalls: true,
    thinking: true,
    usage: true,
    images: true,
    jsonSchema: true,
    tokensPerSec: true,
    listModels: true,
  },
  live: {
    urlEnv: "OPENAI_LIVE_URL",
    modelEnv: "OPENAI_LIVE_MODEL",
    apiKeyEnv: "OPENAI_LIVE_API_KEY",
  },
});
