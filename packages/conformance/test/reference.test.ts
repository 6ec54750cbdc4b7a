import { runConformance } from "../src/index.js";
import { RefAdapter } from "./reference/ref-adapter.js";
import { refCodec } from "./reference/ref-codec.js";

// The reference adapter passes every case it can run (this file is also the one-file example).
runConformance({
  name: "reference (ref-ndjson)",
  create: ({ baseUrl, model, headers, apiKey }) =>
    new RefAdapter({ baseUrl, model, headers, apiKey }),
  codec: refCodec,
  capabilities: {
    toolCalls: true,
    thinking: true,
    usage: true,
    images: true,
    jsonSchema: true,
    tokensPerSec: true,
  },
  live: { urlEnv: "REF_LIVE_URL", modelEnv: "REF_LIVE_MODEL" },
});
