import { runConformance } from "@x/conformance";
import { AnthropicAdapter } from "../src/index.js";
import { anthropicCodec } from "./anthropic-codec.js";

// The shared suite: one test per case, skipped ones with the reason in their title.
// Live mode: set ANTHROPIC_LIVE_URL (https://api.anthropic.com), ANTHROPIC_LIVE_MODEL and
// ANTHROPIC_LIVE_API_KEY to run the live.* cases against the real API.
runConformance({
  name: "anthropic",
  create: ({ baseUrl, model, apiKey, headers }) =>
    new AnthropicAdapter({ baseUrl, model, apiKey, headers }),
  codec: anthropicCodec,
  capabilities: {
    toolCalls: true,
    thinking: true,
    usage: true,
    images: true,
    jsonSchema: true,
    tokensPerSec: true,
  },
  skip: {
    "tools.final-frame":
      "the Messages API has no terminal frame that carries tool calls (every call is a tool_use block)",
    "request.response-format-json":
      'the Messages API has no schema-less JSON mode; responseFormat "json" is an InvalidRequestError',
  },
  live: {
    urlEnv: "ANTHROPIC_LIVE_URL",
    modelEnv: "ANTHROPIC_LIVE_MODEL",
    apiKeyEnv: "ANTHROPIC_LIVE_API_KEY",
  },
});
