import { AnthropicAdapter } from "@x/anthropic";
import { collect } from "@x/core";
import { describe, expect, it } from "vitest";
import { startAnthropicSim } from "../src/sim/anthropic-sim.js";
import { send } from "./http-client.js";

const question = [{ role: "user" as const, content: "Say hi" }];

describe("Anthropic simulator", () => {
  it("streams the Messages API's events in order, with thinking, and the adapter reads them", async () => {
    const sim = await startAnthropicSim({ apiKey: "sk-ant-test" });
    try {
      const raw = await send(
        `${sim.url}/v1/messages`,
        "POST",
        {
          model: "claude-x",
          max_tokens: 100,
          stream: true,
          thinking: { type: "enabled", budget_tokens: 1024 },
          messages: question,
        },
        { "x-api-key": "sk-ant-test" },
      );
      expect(raw.headers["content-type"]).toMatch(/^text\/event-stream/);
      const types = [...raw.text.matchAll(/^event: (\S+)$/gm)].map((match) => match[1]);
      expect(types[0]).toBe("message_start");
      expect(types.slice(-2)).toEqual(["message_delta", "message_stop"]);
      expect(types.filter((type) => type === "content_block_start")).toHaveLength(2);
      expect(types.filter((type) => type === "content_block_stop")).toHaveLength(2);

      const adapter = new AnthropicAdapter({
        baseUrl: sim.url,
        model: "sim-claude",
        apiKey: "sk-ant-test",
      });
      try {
        const { message, done } = await collect(adapter.stream(question, { think: true }));
        expect(message.content).toContain('Hello from the Anthropic simulator. You said: "Say hi"');
        expect(message.thinking).toContain("The user wrote");
        expect(done).toMatchObject({
          provider: "anthropic",
          model: "sim-claude",
          finishReason: "stop",
        });
        expect(await adapter.healthCheck()).toBe(true);
        expect(await adapter.listModels()).toEqual(["sim-claude"]);
      } finally {
        await adapter.close();
      }
    } finally {
      await sim.close();
    }
  });

  it("checks x-api-key: a wrong key is 401 authentication_error and the adapter's health is false", async () => {
    const sim = await startAnthropicSim({ apiKey: "sk-ant-test" });
    const adapter = new AnthropicAdapter({ baseUrl: sim.url, model: "m", apiKey: "wrong" });
    try {
      const res = await send(`${sim.url}/v1/messages`, "POST", { messages: question });
      expect(res.status).toBe(401);
      expect(JSON.parse(res.text)).toEqual({
        type: "error",
        error: { type: "authentication_error", message: "invalid x-api-key" },
      });
      expect(await adapter.healthCheck()).toBe(false);
    } finally {
      await adapter.close();
      await sim.close();
    }
  });

  it("calls a tool in input_json_delta fragments and quotes the tool_result after it", async () => {
    const sim = await startAnthropicSim();
    const adapter = new AnthropicAdapter({ baseUrl: sim.url, model: "m", apiKey: "" });
    try {
      const tools = [
        {
          type: "function" as const,
          function: {
            name: "get_weather",
            description: "weather",
            parameters: { type: "object", properties: { city: { type: "string" } } },
          },
        },
      ];
      const ask = [{ role: "user" as const, content: "What is the weather in Lyon?" }];
      const first = await collect(adapter.stream(ask, { tools }));
      const [call] = first.message.toolCalls ?? [];
      expect(call).toMatchObject({ name: "get_weather", arguments: { city: "Lyon" } });
      expect(first.done.finishReason).toBe("tool_calls");
      const second = await collect(
        adapter.stream(
          [
            ...ask,
            first.message,
            { role: "tool", content: "sunny, 21 °C", toolCallId: call?.id ?? "" },
          ],
          { tools },
        ),
      );
      expect(second.message.content).toContain("The tool answered sunny, 21 °C");
    } finally {
      await adapter.close();
      await sim.close();
    }
  });

  it("shares the other simulators' faults: http-503, and die-mid-stream drops the connection", async () => {
    const busy = await startAnthropicSim({ fault: "http-503" });
    const dying = await startAnthropicSim({ fault: "die-mid-stream" });
    try {
      expect((await send(`${busy.url}/v1/messages`, "POST", { messages: question })).status).toBe(
        503,
      );
      const adapter = new AnthropicAdapter({ baseUrl: dying.url, model: "m", apiKey: "" });
      try {
        await expect(collect(adapter.stream(question))).rejects.toThrow();
      } finally {
        await adapter.close();
      }
    } finally {
      await busy.close();
      await dying.close();
    }
  });
});
