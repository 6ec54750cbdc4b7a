import type { ToolCall, ToolDefinition } from "@x/core";
import type { ConformanceCodec, Scenario } from "./codec.js";

/** The model name the factory receives (the configured model). */
export const SUITE_MODEL = "conformance-model";

/**
 * The model name the suite's server reports in its answers: deliberately not the configured one,
 * as real servers answer `gpt-4o` with `gpt-4o-2024-08-06`. `done.model` must be this one.
 */
export const SERVED_MODEL = "conformance-model-2026-01-15";

/** The custom credential header every adapter is given (a gateway token, say). */
export const TOKEN_HEADER = "x-conformance-token";

/** The headers that carry the API key: the codec's `authHeaders`, or `Authorization: Bearer`. */
export function authHeaders(codec: ConformanceCodec, apiKey: string): Record<string, string> {
  return codec.authHeaders ? codec.authHeaders(apiKey) : { authorization: `Bearer ${apiKey}` };
}

/** Token counts every text scenario reports. */
export const USAGE = { inputTokens: 12, outputTokens: 9 } as const;

/**
 * Server durations every text scenario reports (for codecs that declare `timings`):
 * 9 tokens in 150 ms of generation is 60 tokens per second.
 */
export const TIMINGS = { totalMs: 250, loadMs: 20, promptMs: 80, generationMs: 150 } as const;

/** Text deltas with emoji, CJK and accented letters, so byte re-cuts split multi-byte UTF-8. */
export const TEXT_DELTAS = ["Hello", ", wörld ", "🌍🚀", " 你好，世界", " — done."];

/** Thinking deltas, also multi-byte. */
export const THINKING_DELTAS = ["Let me think… ", "🤔 思考中", " ok."];

/** A plain text answer, reported by {@link SERVED_MODEL}, with usage and server timings. */
export function textScenario(model: string = SERVED_MODEL): Scenario {
  return { model, text: [...TEXT_DELTAS], usage: { ...USAGE }, timings: { ...TIMINGS } };
}

/** Three tool calls with nested, multi-byte arguments. */
export const TOOL_CALLS: ToolCall[] = [
  { id: "call_weather_1", name: "get_weather", arguments: { city: "Zürich", units: "metric" } },
  {
    id: "call_search_2",
    name: "search",
    arguments: { query: "東京 ramen 🍜", filters: { open: true, limit: 3 }, tags: ["a", "b"] },
  },
  { id: "call_time_3", name: "get_time", arguments: {} },
];

/** Tool definitions matching {@link TOOL_CALLS}. */
export const TOOL_DEFINITIONS: ToolDefinition[] = [
  {
    type: "function",
    function: {
      name: "get_weather",
      description: "Current weather for a city",
      parameters: {
        type: "object",
        properties: {
          city: { type: "string" },
          units: { type: "string", enum: ["metric", "imperial"] },
        },
        required: ["city"],
      },
    },
  },
  {
    type: "function",
    function: {
      name: "search",
      description: "Search the web",
      parameters: {
        type: "object",
        properties: { query: { type: "string" } },
        required: ["query"],
      },
    },
  },
];

/** A small PNG-ish base64 payload for image translation checks. */
export const IMAGE_BASE64 =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

/**
 * Identifies a codec's wire output, so large bodies are encoded once per protocol and process
 * (two instances of the same codec share them; two codecs that encode differently do not).
 */
export function protocolKey(ctx: { codec: ConformanceCodec }): string {
  const { codec } = ctx;
  const sample = codec.encodeStream(textScenario()).frames.join("");
  return `${codec.name}\u0000${sample}\u0000${codec.encodeModels(["a", "b"]).body}`;
}
