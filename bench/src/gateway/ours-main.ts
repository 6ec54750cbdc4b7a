/**
 * Our gateway: the demo's OpenAI-compatible gateway (apps/demo/src/gateway) over an
 * `@x/openai` adapter pointed at the upstream, as `serve --no-fallback --openai URL` runs it.
 */
import { OpenAIAdapter } from "@x/openai";
import { startGateway } from "demo-gateway";
import { MODEL } from "./protocol.js";

const adapter = new OpenAIAdapter({
  baseUrl: `${process.env.UPSTREAM ?? ""}/v1`,
  model: MODEL,
  apiKey: "sk-bench",
});
await startGateway({ adapter, host: "127.0.0.1", port: 0 });
