import { InvalidRequestError, type Message, type StreamOptions } from "@x/core";
import { describe, expect, it } from "vitest";
import { buildAnthropicRequest } from "./build-anthropic-request.js";
import type { AnthropicInputMessage } from "./convert-to-anthropic-messages.js";

const context = { provider: "anthropic", model: "claude-test", secrets: [] };
const PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

function body(messages: AnthropicInputMessage[], options?: StreamOptions) {
  return JSON.parse(
    buildAnthropicRequest(messages, options, { timeouts: undefined, maxTokens: 4096 }, context)
      .body,
  );
}

function refused(messages: unknown, options?: unknown): string {
  try {
    buildAnthropicRequest(messages, options, { timeouts: undefined, maxTokens: 4096 }, context);
  } catch (error) {
    expect(InvalidRequestError.isInstance(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error("not refused");
}

describe("messages", () => {
  it("system messages become the top-level system; consecutive roles merge; tool results lead a user turn", () => {
    const call = { id: "toolu_1", name: "get_weather", arguments: { city: "Zürich" } };
    const wire = body([
      { role: "system", content: "Be terse." },
      { role: "user", content: "Weather?" },
      { role: "user", content: "In Zürich." },
      { role: "assistant", content: "Checking.", toolCalls: [call] },
      { role: "user", content: "Hurry." },
      { role: "tool", content: "21 °C", toolCallId: "toolu_1", name: "get_weather" },
      { role: "system", content: "Use °C." },
    ]);
    expect(wire.system).toEqual([
      { type: "text", text: "Be terse." },
      { type: "text", text: "Use °C." },
    ]);
    expect(wire.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "Weather?" },
          { type: "text", text: "In Zürich." },
        ],
      },
      {
        role: "assistant",
        content: [
          { type: "text", text: "Checking." },
          { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Zürich" } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_1", content: "21 °C" },
          { type: "text", text: "Hurry." },
        ],
      },
    ]);
  });

  it("a trailing assistant prefill loses its trailing whitespace; empty text is left out; thinking without signature too", () => {
    const wire = body([
      { role: "system", content: "One system prompt" },
      { role: "user", content: "Count" },
      { role: "assistant", content: "", thinking: "no signature" },
      { role: "user", content: "" },
      { role: "assistant", content: "1, 2, \n" },
    ]);
    expect(wire.system).toBe("One system prompt");
    expect(wire.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "Count" }] },
      { role: "assistant", content: [{ type: "text", text: "1, 2," }] },
    ]);
  });

  it("images: raw base64 (type sniffed), data: URLs and http(s) URLs, before the text; on tool results too", () => {
    const jpeg = "/9j/4AAQSkZJRgABAQ";
    const wire = body([
      {
        role: "user",
        content: "What?",
        images: [PNG, `data:image/webp;base64,UklGRiQ`, "https://example.com/a.gif"],
      },
      { role: "assistant", content: "", toolCalls: [{ id: "t", name: "shot", arguments: {} }] },
      { role: "tool", content: "", toolCallId: "t", images: [jpeg] },
    ]);
    expect(wire.messages[0].content).toEqual([
      { type: "image", source: { type: "base64", media_type: "image/png", data: PNG } },
      { type: "image", source: { type: "base64", media_type: "image/webp", data: "UklGRiQ" } },
      { type: "image", source: { type: "url", url: "https://example.com/a.gif" } },
      { type: "text", text: "What?" },
    ]);
    expect(wire.messages[2].content[0].content).toEqual([
      { type: "image", source: { type: "base64", media_type: "image/jpeg", data: jpeg } },
    ]);
  });

  it.each<[string, Message[]]>([
    ["an image whose type cannot be told", [{ role: "user", content: "?", images: ["AAAA"] }]],
    [
      "an SVG data: URL",
      [{ role: "user", content: "?", images: ["data:image/svg+xml;base64,PHN2Zz4="] }],
    ],
    [
      "a data: URL that is not base64",
      [{ role: "user", content: "?", images: ["data:image/png,abc"] }],
    ],
    ["an image on an assistant message", [{ role: "assistant", content: "?", images: [PNG] }]],
    ["an image on a system message", [{ role: "system", content: "?", images: [PNG] }]],
    ["a tool result without toolCallId", [{ role: "tool", content: "21", name: "get_weather" }]],
  ])("refuses %s", (_what, messages) => {
    expect(refused(messages)).toMatch(/^anthropic: messages\[0\]/);
  });

  it("refuses anthropicContent that is not content blocks", () => {
    expect(
      refused([{ role: "assistant", content: "", anthropicContent: [{ text: "no type" }] }]),
    ).toMatch(/anthropicContent/);
  });
});

describe("options", () => {
  const hi: Message[] = [{ role: "user", content: "Hi" }];

  it("sampling options, stop sequences, seed left out, providerOptions at the top level", () => {
    const wire = body(hi, {
      temperature: 0.2,
      topP: 0.9,
      maxTokens: 100,
      stop: ["END"],
      seed: 7,
      providerOptions: { top_k: 5, metadata: { user_id: "u1" } },
    });
    expect(wire).toMatchObject({
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 100,
      stop_sequences: ["END"],
      top_k: 5,
    });
    expect(wire.metadata).toEqual({ user_id: "u1" });
    expect(wire).not.toHaveProperty("seed");
  });

  it.each([
    [true, 4096],
    ["low", 1024],
    ["medium", 4096],
    ["high", 16384],
  ] as const)("think %s → budget_tokens %i, added to max_tokens", (think, budget) => {
    const wire = body(hi, { think, maxTokens: 1000 });
    expect(wire.thinking).toEqual({ type: "enabled", budget_tokens: budget });
    expect(wire.max_tokens).toBe(1000 + budget);
  });

  it("think false disables thinking", () => {
    expect(body(hi, { think: false }).thinking).toEqual({ type: "disabled" });
  });

  it("tools (input_schema required), every tool choice", () => {
    const tools = [{ type: "function" as const, function: { name: "now" } }];
    const wire = body(hi, { tools, toolChoice: "required" });
    expect(wire.tools).toEqual([{ name: "now", input_schema: { type: "object", properties: {} } }]);
    expect(wire.tool_choice).toEqual({ type: "any" });
    expect(body(hi, { tools, toolChoice: "auto" }).tool_choice).toEqual({ type: "auto" });
    expect(body(hi, { tools, toolChoice: "none" }).tool_choice).toEqual({ type: "none" });
    expect(body(hi, { tools, toolChoice: { type: "function", name: "now" } }).tool_choice).toEqual({
      type: "tool",
      name: "now",
    });
  });

  it('a JSON schema goes to output_config.format (no name, no strict on the wire); "json" is refused', () => {
    const schema = {
      type: "object",
      properties: { a: { type: "string" } },
      additionalProperties: false,
    };
    const wire = body(hi, {
      responseFormat: { type: "json_schema", name: "x", strict: true, schema },
    });
    expect(wire.output_config).toEqual({ format: { type: "json_schema", schema } });
    expect(refused(hi, { responseFormat: "json" })).toMatch(/json_schema/);
  });
});
