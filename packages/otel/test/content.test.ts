import type { Message, ToolDefinition } from "@x/core";
import { createMockAdapter, textSteps } from "@x/core/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { instrument } from "../src/index.js";
import { createHarness, drain, failureOf, type Harness, spanText } from "./harness.js";

let harness: Harness;
beforeEach(() => {
  harness = createHarness();
});
afterEach(async () => {
  await harness.shutdown();
});

const key = "sk-abcdefghijklmnopqrstuvwxyz012345";

const conversation: Message[] = [
  { role: "system", content: "You are terse." },
  {
    role: "user",
    content: `What time is it? My key is ${key}`,
    images: ["https://img.test/cat.png", "data:image/png;base64,iVBORw0KGgo="],
  },
  {
    role: "assistant",
    content: "",
    toolCalls: [{ id: "call_1", name: "now", arguments: { tz: "UTC" } }],
  },
  { role: "tool", content: "12:00", toolCallId: "call_1", name: "now" },
];

const tools: ToolDefinition[] = [
  {
    type: "function",
    function: { name: "now", description: "Current time", parameters: { type: "object" } },
  },
];

function answering() {
  return createMockAdapter({
    script: [
      { type: "thinking", thinking: "Tool said noon." },
      ...textSteps("It is noon."),
      { type: "done" },
    ],
  });
}

describe("message content", () => {
  it("is never recorded by default", async () => {
    await drain(
      instrument(answering(), { tracer: harness.tracer }).stream(conversation, { tools }),
    );
    const span = harness.span("chat mock-model");
    expect(span.attributes["gen_ai.input.messages"]).toBeUndefined();
    expect(span.attributes["gen_ai.output.messages"]).toBeUndefined();
    expect(span.attributes["gen_ai.tool.definitions"]).toBeUndefined();
    const text = spanText(span);
    for (const fragment of ["terse", "What time", "noon", "12:00", "cat.png"]) {
      expect(text).not.toContain(fragment);
    }
  });

  it("is recorded with the conventions' names and shapes on opt-in, keys still redacted", async () => {
    const traced = instrument(answering(), { tracer: harness.tracer, captureContent: true });
    await drain(traced.stream(conversation, { tools }));
    const span = harness.span("chat mock-model");

    const input = JSON.parse(span.attributes["gen_ai.input.messages"] as string);
    expect(input).toEqual([
      { role: "system", parts: [{ type: "text", content: "You are terse." }] },
      {
        role: "user",
        parts: [
          { type: "text", content: "What time is it? My key is [REDACTED]" },
          { type: "uri", modality: "image", uri: "https://img.test/cat.png" },
          { type: "image", modality: "image", mime_type: "image/png", omitted: true },
        ],
      },
      {
        role: "assistant",
        parts: [{ type: "tool_call", id: "call_1", name: "now", arguments: { tz: "UTC" } }],
      },
      { role: "tool", parts: [{ type: "tool_call_response", id: "call_1", response: "12:00" }] },
    ]);

    const output = JSON.parse(span.attributes["gen_ai.output.messages"] as string);
    expect(output).toEqual([
      {
        role: "assistant",
        parts: [
          { type: "reasoning", content: "Tool said noon." },
          { type: "text", content: "It is noon." },
        ],
        finish_reason: "stop",
      },
    ]);

    expect(JSON.parse(span.attributes["gen_ai.tool.definitions"] as string)).toEqual([
      {
        type: "function",
        name: "now",
        description: "Current time",
        parameters: { type: "object" },
      },
    ]);
    expect(spanText(span)).not.toContain(key);
  });

  it("records the partial answer of a failed stream with finish_reason error", async () => {
    const adapter = createMockAdapter({
      script: [...textSteps("Half an"), { type: "error", error: new Error("cut") }],
    });
    const traced = instrument(adapter, { tracer: harness.tracer, captureContent: true });
    await failureOf(traced.stream(conversation));
    const output = JSON.parse(
      harness.span("chat mock-model").attributes["gen_ai.output.messages"] as string,
    );
    expect(output).toEqual([
      { role: "assistant", parts: [{ type: "text", content: "Half an" }], finish_reason: "error" },
    ]);
  });
});
