import { runConformance } from "@x/conformance";
import { OllamaAdapter } from "../src/index.js";
import { ollamaCodec } from "./ollama-codec.js";

runConformance({
  name: "ollama",
  create: ({ baseUrl, model, headers }) => new OllamaAdapter({ baseUrl, model, headers }),
  codec: ollamaCodec,
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
    urlEnv: "OLLAMA_LIVE_URL",
    modelEnv: "OLLAMA_LIVE_MODEL",
    timeouts: { firstChunkMs: 120_000, idleMs: 60_000 },
  },
});
