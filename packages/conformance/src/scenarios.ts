import type { ToolCall, ToolDefinition } from "@x/core";
import type { Scenario } from "./codec.js";

/** The model name the suite's server reports (and the factory receives). */
export const SUITE_MODEL = "conformance-model";

/** Text deltas with emoji, CJK and accented letters, so byte re-cuts split multi-byte UTF-8. */
export const TEXT_DELTAS = ["Hello", ", wörld ", "🌍🚀", " 你好，世界", " — done."];

/** Thinking deltas, also multi-byte. */
export const THINKING_DELTAS = ["Let me think… ", "🤔 思考中", " ok."];

/** A plain text answer. */
export function textScenario(model: string = SUITE_MODEL): Scenario {
  return { model, text: [...TEXT_DELTAS], usage: { inputTokens: 12, outputTokens: 9 } };
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
