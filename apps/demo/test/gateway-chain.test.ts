import { collect } from "@x/core";
import { OllamaAdapter } from "@x/ollama";
import { OpenAIAdapter } from "@x/openai";
import { createFallbackChain } from "@x/orchestrator";
import { describe, expect, it } from "vitest";
import { startGateway } from "../src/gateway/start-gateway.js";
import { startOllamaSim } from "../src/sim/ollama-sim.js";
import { startOpenAISim } from "../src/sim/openai-sim.js";
import { send, sseEvents } from "./http-client.js";

const question = [{ role: "user" as const, content: "Hi gateway" }];

describe("gateway in front of a real fallback chain", () => {
  it("restarts visibly after the primary dies mid-stream, and our own OpenAI adapter can read it", async () => {
    const ollamaSim = await startOllamaSim({ fault: "die-mid-stream", dieAfterFrames: 2 });
    const openaiSim = await startOpenAISim({ apiKey: "sk-sim" });
    const chain = createFallbackChain(
      [
        new OllamaAdapter({ baseUrl: ollamaSim.url, model: "sim-llama" }),
        new OpenAIAdapter({ baseUrl: `${openaiSim.url}/v1`, model: "sim-gpt", apiKey: "sk-sim" }),
      ],
      // Commit at the first chunk, so the mid-stream death comes after visible output.
      { midStream: "restart", breaker: false, commitAfter: {} },
    );
    const gateway = await startGateway({ adapter: chain });
    const client = new OpenAIAdapter({
      baseUrl: `${gateway.url}/v1`,
      model: "default",
      apiKey: "unused",
    });
    try {
      const res = await send(`${gateway.url}/v1/chat/completions`, "POST", {
        model: "sim-llama", // the chain's own name (its first member's model, by default)
        stream: true,
        messages: question,
      });
      const chunks = sseEvents(res.text)
        .filter((event) => event.data !== "[DONE]")
        .map((event) => JSON.parse(event.data));
      const reset = chunks.find((chunk) => chunk.x_reset);
      expect(reset?.x_reset.provider).toBe("openai");
      const finish = chunks.find((chunk) => chunk.choices[0]?.finish_reason);
      expect(finish).toMatchObject({ x_provider: "openai", model: "sim-gpt" });
      expect(finish.x_chain.attempts).toBe(2);
      expect(finish.x_chain.failures).toEqual([
        expect.objectContaining({
          provider: "ollama",
          stage: "mid-stream",
          code: "protocol_error",
        }),
      ]);

      // An OpenAI client (ours) sees one well-formed stream: the note, then the new answer.
      const viaClient = await collect(client.stream(question));
      expect(viaClient.message.content).toContain(
        "[x-demo gateway: the answer above was abandoned",
      );
      expect(
        viaClient.message.content.endsWith("point the demo at a real server for real output."),
      ).toBe(true);
      expect(viaClient.usage?.outputTokens).toBeGreaterThan(0);
      expect(await client.listModels()).toContain("sim-llama");
    } finally {
      await client.close();
      await gateway.close();
      await chain.close?.();
      await Promise.all([ollamaSim.close(), openaiSim.close()]);
    }
  });

  it("answers 502 in OpenAI's envelope when every member is down", async () => {
    const down = await startOllamaSim({ fault: "refuse" });
    const alsoDown = await startOpenAISim({ fault: "http-503" });
    const chain = createFallbackChain(
      [
        new OllamaAdapter({ baseUrl: down.url, model: "a" }),
        new OpenAIAdapter({ baseUrl: `${alsoDown.url}/v1`, model: "b" }),
      ],
      { breaker: false },
    );
    const gateway = await startGateway({ adapter: chain });
    try {
      const res = await send(`${gateway.url}/v1/chat/completions`, "POST", {
        model: "default",
        messages: question,
        stream: true,
      });
      expect(res.status).toBe(502);
      const body = JSON.parse(res.text);
      expect(body.error.code).toBe("all_adapters_failed");
      expect(body.error.type).toBe("server_error");
    } finally {
      await gateway.close();
      await chain.close?.();
      await alsoDown.close();
    }
  });

  it("passes an upstream 401 through without leaking the API key", async () => {
    const sim = await startOpenAISim({ apiKey: "sk-the-right-one" });
    const secret = "sk-wrong-but-secret-1234567890";
    const adapter = new OpenAIAdapter({ baseUrl: `${sim.url}/v1`, model: "g", apiKey: secret });
    const gateway = await startGateway({ adapter });
    try {
      for (const stream of [true, false]) {
        const res = await send(`${gateway.url}/v1/chat/completions`, "POST", {
          model: "g",
          messages: question,
          stream,
        });
        expect(res.status).toBe(401);
        expect(JSON.parse(res.text).error.type).toBe("authentication_error");
        expect(res.text).not.toContain(secret);
        expect(res.text).not.toContain("1234567890");
      }
    } finally {
      await gateway.close();
      await adapter.close();
      await sim.close();
    }
  });
});
