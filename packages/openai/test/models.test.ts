import { AbortedError, AuthenticationError, ServerError } from "@x/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OpenAIAdapter, OpenAIProtocolError, OpenAIUnavailableError } from "../src/index.js";
import { FixtureServer, httpAnswer } from "./fixture-server.js";
import { API_KEY, adapterFor, leaksKey } from "./helpers.js";

let server: FixtureServer;
beforeEach(async () => {
  server = await new FixtureServer().start();
});
afterEach(async () => {
  await server.stop();
});

const json = (body: string, status = 200) => ({
  status,
  headers: { "content-type": "application/json" },
  body: Buffer.from(body),
});

describe("listModels", () => {
  it.each([
    [
      "OpenAI data[]",
      '{"object":"list","data":[{"id":"gpt-4.1","object":"model","created":1,"owned_by":"openai"},{"id":"gpt-4.1-mini","object":"model","created":1,"owned_by":"openai"}]}',
      ["gpt-4.1", "gpt-4.1-mini"],
    ],
    [
      "LM Studio (no created)",
      '{"data":[{"id":"qwen3-8b","object":"model","owned_by":"organization_owner"}],"object":"list"}',
      ["qwen3-8b"],
    ],
    ["Ollama /v1 with no models (data: null)", '{"object":"list","data":null}', []],
    [
      "vLLM model card",
      '{"object":"list","data":[{"id":"Qwen/Qwen3-8B","object":"model","created":1,"owned_by":"vllm","root":"Qwen/Qwen3-8B","parent":null,"max_model_len":32768,"permission":[]}]}',
      ["Qwen/Qwen3-8B"],
    ],
  ])("%s", async (_name, body, expected) => {
    server.answer(json(body));
    const adapter = adapterFor(server);
    expect(await adapter.listModels()).toEqual(expected);
    expect(server.requests[0]).toMatchObject({ method: "GET", url: "/v1/models" });
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    await adapter.close();
  });

  it("llama.cpp recording with both data[] and models[]", async () => {
    server.answer(httpAnswer("llamacpp/20-get-v1-models.response.http"));
    const adapter = adapterFor(server);
    expect(await adapter.listModels()).toEqual(["tiny-qwen2.gguf"]);
    await adapter.close();
  });

  it("a 4 MiB list of 20,000 models (OpenRouter-sized lists and beyond) is read whole", async () => {
    const data = Array.from({ length: 20_000 }, (_, i) => ({
      id: `vendor/model-${i}`,
      object: "model",
      created: 1,
      owned_by: "vendor",
      description: "x".repeat(150),
    }));
    const body = JSON.stringify({ object: "list", data });
    expect(body.length).toBeGreaterThan(4 * 1024 * 1024);
    server.answer({ ...json(body), pieceSize: 64 * 1024 });
    const adapter = adapterFor(server);
    const names = await adapter.listModels();
    expect(names).toHaveLength(20_000);
    expect(names[19_999]).toBe("vendor/model-19999");
    await adapter.close();
  });

  it("a list over the 32 MiB cap → OpenAIProtocolError (oversize_frame), not a parse error", async () => {
    const body = `{"object":"list","data":[${'{"id":"m"},'.repeat(3_200_000)}{"id":"last"}]}`;
    server.answer(json(body));
    const adapter = adapterFor(server);
    const error = await adapter.listModels().catch((e: unknown) => e);
    expect(OpenAIProtocolError.isInstance(error)).toBe(true);
    expect((error as OpenAIProtocolError).reason).toBe("oversize_frame");
    await adapter.close();
  });

  it("401 → AuthenticationError without the key", async () => {
    server.answer(json(`{"error":{"message":"bad key ${API_KEY}","code":"invalid_api_key"}}`, 401));
    const adapter = adapterFor(server);
    const error = await adapter.listModels().catch((e: unknown) => e);
    expect(AuthenticationError.isInstance(error)).toBe(true);
    expect(leaksKey(error)).toBe(false);
    await adapter.close();
  });

  it("an error answer whose body is cut off is still the status's HttpError, not 'cannot reach'", async () => {
    server.answer({
      status: 503,
      headers: { "content-type": "application/json", "content-length": "200" },
      body: Buffer.alloc(0),
      script: (res) => {
        res.writeHead(503, { "content-type": "application/json", "content-length": "200" });
        res.write('{"error":"busy, ', () => setTimeout(() => res.socket?.destroy(), 20));
      },
    });
    const adapter = adapterFor(server);
    const error = await adapter.listModels().catch((e: unknown) => e);
    expect(ServerError.isInstance(error), String(error)).toBe(true);
    expect(OpenAIUnavailableError.isInstance(error)).toBe(false);
    await adapter.close();
  });

  it("refused → OpenAIUnavailableError; aborted → AbortedError", async () => {
    const url = server.url;
    await server.stop();
    const adapter = new OpenAIAdapter({ baseUrl: `${url}/v1`, apiKey: API_KEY, model: "m" });
    expect(
      OpenAIUnavailableError.isInstance(await adapter.listModels().catch((e: unknown) => e)),
    ).toBe(true);
    const controller = new AbortController();
    controller.abort();
    const aborted = await adapter
      .listModels({ signal: controller.signal })
      .catch((e: unknown) => e);
    expect(AbortedError.isInstance(aborted)).toBe(true);
    await adapter.close();
    server = await new FixtureServer().start();
  });
});

describe("healthCheck", () => {
  it("true on 200 /models", async () => {
    server.answer(json('{"object":"list","data":[]}'));
    const adapter = adapterFor(server);
    expect(await adapter.healthCheck()).toBe(true);
    await adapter.close();
  });

  it("false on non-2xx", async () => {
    server.answer(json('{"error":"nope"}', 503));
    const adapter = adapterFor(server);
    expect(await adapter.healthCheck()).toBe(false);
    await adapter.close();
  });

  it("false in well under 100 ms when the port refuses", async () => {
    const url = server.url;
    await server.stop();
    const adapter = new OpenAIAdapter({ baseUrl: `${url}/v1`, apiKey: API_KEY, model: "m" });
    const started = performance.now();
    expect(await adapter.healthCheck()).toBe(false);
    expect(performance.now() - started).toBeLessThan(100);
    await adapter.close();
    server = await new FixtureServer().start();
  });

  it("false within the default 2 s when the server accepts and never answers", async () => {
    server.answer({ status: 200, headers: {}, body: Buffer.alloc(0), noHeaders: true });
    const adapter = adapterFor(server);
    const started = performance.now();
    expect(await adapter.healthCheck()).toBe(false);
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(1_900);
    expect(took).toBeLessThan(3_000);
    await server.allSocketsClosed();
    await adapter.close();
  });

  it("false within its timeout when the server accepts and never answers; socket freed", async () => {
    server.answer({ status: 200, headers: {}, body: Buffer.alloc(0), noHeaders: true });
    const adapter = adapterFor(server);
    const started = performance.now();
    expect(await adapter.healthCheck({ timeoutMs: 200 })).toBe(false);
    expect(performance.now() - started).toBeLessThan(3000);
    await server.allSocketsClosed();
    await adapter.close();
  });

  it("false when aborted", async () => {
    server.answer({ status: 200, headers: {}, body: Buffer.alloc(0), noHeaders: true });
    const adapter = adapterFor(server);
    const controller = new AbortController();
    const pending = adapter.healthCheck({ signal: controller.signal, timeoutMs: 60_000 });
    while (server.requests.length === 0) await new Promise((r) => setImmediate(r));
    controller.abort();
    expect(await pending).toBe(false);
    await adapter.close();
  });
});
