import type { ToolCall, ToolDefinition } from "@x/core";

/** Tools `chat --tools` offers the model, answered locally with made-up data. */
export const DEMO_TOOLS: ToolDefinition[] = [
  {
    type: "function",
    function: {
      name: "get_weather",
      description: "Current weather for a city (demo data).",
      parameters: {
        type: "object",
        properties: { city: { type: "string", description: "City name" } },
        required: ["city"],
      },
    },
  },
  {
    type: "function",
    function: {
      name: "get_time",
      description: "The current time in UTC.",
      parameters: { type: "object", properties: {} },
    },
  },
];

/** Runs one demo tool call and returns its result as JSON text. */
export function runDemoTool(call: ToolCall): string {
  if (call.name === "get_time") return JSON.stringify({ utc: new Date().toISOString() });
  if (call.name === "get_weather") {
    const city = typeof call.arguments.city === "string" ? call.arguments.city : "unknown";
    // Deterministic fake weather so the demo needs no network.
    const temp = 10 + ([...city].reduce((sum, c) => sum + c.charCodeAt(0), 0) % 20);
    return JSON.stringify({
      city,
      temp_c: temp,
      sky: temp > 20 ? "sunny" : "cloudy",
      source: "demo data",
    });
  }
  return JSON.stringify({ error: `unknown tool ${call.name}` });
}
