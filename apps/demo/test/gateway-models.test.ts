import { UnavailableError } from "@x/core";
import { createMockAdapter, textSteps } from "@x/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { startGateway } from "../src/gateway/start-gateway.js";
import type { RunningServer } from "../src/http/listen.js";
import { buildChain } from "../src/providers/build-chain.js";
import { send, sseEvents } from "./http-client.js";

let server: RunningServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

const messages = [{ role: "user", content: "Hi" }];

/** A two-member chain whose primary is down, so who answers shows the route taken. */
async function startChain() {
  const primary = createMockAdapter({
    model: "model-a",
    provider: "a",
    script: [{ type: "error", error: new UnavailableError("down", { provider: "a" }) }],
  });
  const secondary = createMockAdapter({
    model: "model-b",
    provider: "b",
    script: [...textSteps("From b."), { type: "done" }],
  });
  server = await startGateway({ adapter: buildChain([primary, secondary]).adapter });
  return { url: server.url, primary, secondary };
}

describe("gateway model routing", () => {
  it("routes the chain's name and the 'default' alias to the whole chain (with fallback)", async () => {
    const { url, primary, secondary } = await startChain();
    for (const model of ["chain", "default"]) {
      const res = await send(`${url}/v1/chat/completions`, "POST", { model, messages });
      expect(res.status, `${model}: ${res.text}`).toBe(200);
      const body = JSON.parse(res.text);
      expect(body.x_provider).toBe("b");
      expect(body.choices[0].message.content).toBe("From b.");
    }
    // The primary was tried for each request (the chain may retry it once), then b answered.
    expect(primary.calls.length).toBeGreaterThanOrEqual(2);
    expect(secondary.calls).toHaveLength(2);
  });

  it("routes a member's model name to that member alone, without fallback", async () => {
    const { url, primary, secondary } = await startChain();
    const toB = await send(`${url}/v1/chat/completions`, "POST", { model: "model-b", messages });
    expect(JSON.parse(toB.text).choices[0].message.content).toBe("From b.");
    expect(primary.calls).toHaveLength(0);
    const toA = await send(`${url}/v1/chat/completions`, "POST", {
      model: "model-a",
      messages,
      stream: true,
    });
    expect(toA.status).toBe(503); // a alone is down: no fallback to b
    expect(JSON.parse(toA.text).error.code).toBe("unavailable");
    expect(secondary.calls).toHaveLength(1);
  });

  it("answers 404 model_not_found for any other name, streaming or not, and calls no one", async () => {
    const { url, primary, secondary } = await startChain();
    for (const stream of [false, true]) {
      const res = await send(`${url}/v1/chat/completions`, "POST", {
        model: "gpt-4o",
        messages,
        stream,
      });
      expect(res.status).toBe(404);
      expect(res.headers["content-type"]).toMatch(/^application\/json/);
      expect(JSON.parse(res.text)).toEqual({
        error: {
          message: expect.stringContaining("'gpt-4o' is not served by this gateway"),
          type: "invalid_request_error",
          param: "model",
          code: "model_not_found",
        },
      });
    }
    expect(primary.calls.length + secondary.calls.length).toBe(0);
  });

  it("asks for a model when none is given", async () => {
    const { url } = await startChain();
    const res = await send(`${url}/v1/chat/completions`, "POST", { messages });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).error.param).toBe("model");
  });

  it("lists exactly the names it routes", async () => {
    const { url } = await startChain();
    const res = await send(`${url}/v1/models`, "GET");
    expect(JSON.parse(res.text).data.map((m: { id: string }) => m.id)).toEqual([
      "chain",
      "default",
      "model-a",
      "model-b",
    ]);
    // The stream events of a routed request carry the requested name until the done chunk.
    const streamed = await send(`${url}/v1/chat/completions`, "POST", {
      model: "default",
      messages,
      stream: true,
    });
    const first = JSON.parse(sseEvents(streamed.text)[0]?.data ?? "{}");
    expect(first.model).toBe("default");
  });
});
