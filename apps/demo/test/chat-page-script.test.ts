import { createMockAdapter, textSteps } from "@x/core/testing";
import { describe, expect, it } from "vitest";
import { startDemoServer } from "../src/web/demo-server.js";
import { type ConversationModule, pageModule, type SseModule } from "./browser/page-modules.js";

const conversation = await pageModule<ConversationModule>("conversation.js");
const { readEvents, parseEvent } = await pageModule<SseModule>("sse.js");

describe("web chat page script", () => {
  it("turns the real /api/chat stream into a turn: thinking, content, tool result, served by", async () => {
    const adapter = createMockAdapter({
      script: [
        [
          { type: "thinking", thinking: "hmm" },
          { type: "tool_calls", toolCalls: [{ id: "t1", name: "get_time", arguments: {} }] },
          { type: "done", finishReason: "tool_calls" },
        ],
        [
          ...textSteps("Bonjour à tous"),
          {
            type: "done",
            provider: "mock",
            model: "m1",
            usage: { inputTokens: 1, outputTokens: 3 },
          },
        ],
      ],
    });
    const server = await startDemoServer({ adapter });
    try {
      const turns = [conversation.userTurn("hello")];
      const response = await fetch(`${server.url}/api/chat`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ messages: conversation.toApiMessages(turns), tools: true }),
      });
      const turn = conversation.assistantTurn();
      // The same dispatch as app.js.
      for await (const { event, data } of readEvents(response.body as ReadableStream<Uint8Array>)) {
        const payload = JSON.parse(data);
        if (event === "chain") conversation.applyChainEvent(turn, payload);
        else if (event === "tool") conversation.applyToolResult(turn, payload);
        else if (event === "error") conversation.finishTurn(turn, "error", payload.message);
        else conversation.applyChunk(turn, payload);
      }
      conversation.finishTurn(turn, "done");
      expect(conversation.answerText(turn)).toBe("Bonjour à tous");
      expect(turn.served).toEqual({
        provider: "mock",
        model: "m1",
        finishReason: "stop",
        usage: { inputTokens: 1, outputTokens: 3 },
      });
      const [first] = turn.rounds as { thinking: string; toolCalls: { result?: string }[] }[];
      expect(first?.thinking).toBe("hmm");
      expect(JSON.parse(first?.toolCalls[0]?.result ?? "{}").utc).toMatch(/^\d{4}-/);
      expect(conversation.toApiMessages([...turns, turn]).map((m) => m.role)).toEqual([
        "user",
        "assistant",
        "tool",
        "assistant",
      ]);
    } finally {
      await server.close();
    }
  });

  it("reads SSE blocks the way the server writes them", () => {
    expect(parseEvent('event: chain\ndata: {"a":1}')).toEqual({ event: "chain", data: '{"a":1}' });
    expect(parseEvent("data: x\ndata: y")).toEqual({ event: "message", data: "x\ny" });
    expect(parseEvent(": keep-alive")).toBeUndefined();
  });
});
