import { once } from "node:events";
import { createServer } from "node:net";
import { AbortedError, ModelNotFoundError } from "@x/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OllamaAdapter, OllamaUnavailableError } from "../src/index.js";
import { activeTimeouts, type Handler, type Loopback, startServer } from "./loopback-server.js";

let server: Loopback;
let handler: Handler = () => {};

beforeAll(async () => {
  server = await startServer((req, res, recorded) => handler(req, res, recorded));
});
afterAll(async () => {
  await server.close();
});

async function refusedUrl(): Promise<string> {
  const probe = createServer();
  probe.listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as { port: number };
  probe.close();
  await once(probe, "close");
  return `http://127.0.0.1:${port}`;
}

const TAGS = JSON.stringify({
  models: [
    {
      name: "qwen3:8b",
      model: "qwen3:8b",
      modified_at: "2026-10-01T10:00:00.123+02:00",
      size: 5225376047,
      digest: "500a1f067a9f782620b40bee6f7b0c89e17ae61f686b92c24933e4ca4b2b8b41",
      details: {
        parent_model: "",
        format: "gguf",
        family: "qwen3",
        families: ["qwen3"],
        parameter_size: "8.2B",
        quantization_level: "Q4_K_M",
        context_length: 40960,
      },
      capabilities: ["completion", "tools", "thinking"],
    },
    { name: "llama3.2:3b", model: "llama3.2:3b", size: 2019393189, details: { family: "llama" } },
  ],
});

describe("healthCheck", () => {
  it("true on GET /api/version 200", async () => {
    handler = (_q, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"version":"0.32.15"}');
    };
    const adapter = new OllamaAdapter({ baseUrl: server.url, model: "m" });
    expect(await adapter.healthCheck()).toBe(true);
    await adapter.close();
    const last = server.requests.at(-1)!;
    expect(`${last.method} ${last.url}`).toBe("GET /api/version");
  });

  it("false on a non-2xx answer", async () => {
    handler = (_q, res) => {
      res.writeHead(500);
      res.end("boom");
    };
    const adapter = new OllamaAdapter({ baseUrl: server.url, model: "m" });
    expect(await adapter.healthCheck()).toBe(false);
    await adapter.close();
  });

  it("false on a refused port, well under 100 ms (generous bound: 1 s)", async () => {
    const adapter = new OllamaAdapter({ baseUrl: await refusedUrl(), model: "m" });
    const started = performance.now();
    expect(await adapter.healthCheck()).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
    await adapter.close();
  });

  it("false within its timeout on a hung server; the socket closes and no timer is left", async () => {
    handler = () => {};
    const before = activeTimeouts();
    const adapter = new OllamaAdapter({ baseUrl: server.url, model: "m", healthTimeoutMs: 200 });
    const started = performance.now();
    expect(await adapter.healthCheck()).toBe(false);
    expect(performance.now() - started).toBeLessThan(3000);
    await server.allSocketsClosed();
    expect(activeTimeouts()).toBeLessThanOrEqual(before);
    await adapter.close();
  });

  it("never rejects, even with an aborted signal", async () => {
    const adapter = new OllamaAdapter({ baseUrl: server.url, model: "m" });
    await expect(adapter.healthCheck({ signal: AbortSignal.abort() })).resolves.toBe(false);
    await adapter.close();
  });
});

describe("listModels / listModelDetails", () => {
  it("GET /api/tags → names, and details with size, family, parameter size, quantisation, capabilities", async () => {
    handler = (_q, res) => {
      res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
      res.end(TAGS);
    };
    const adapter = new OllamaAdapter({ baseUrl: server.url, model: "m" });
    expect(await adapter.listModels()).toEqual(["qwen3:8b", "llama3.2:3b"]);
    expect(server.requests.at(-1)?.url).toBe("/api/tags");
    const details = await adapter.listModelDetails();
    expect(details[0]).toEqual({
      name: "qwen3:8b",
      size: 5225376047,
      digest: "500a1f067a9f782620b40bee6f7b0c89e17ae61f686b92c24933e4ca4b2b8b41",
      modifiedAt: "2026-10-01T10:00:00.123+02:00",
      format: "gguf",
      family: "qwen3",
      parameterSize: "8.2B",
      quantizationLevel: "Q4_K_M",
      contextLength: 40960,
      capabilities: ["completion", "tools", "thinking"],
    });
    expect(details[1]).toEqual({ name: "llama3.2:3b", size: 2019393189, family: "llama" });
    await adapter.close();
  });

  it("errors use the stream's classes: refused → OllamaUnavailableError, 404 → ModelNotFoundError, abort → AbortedError", async () => {
    const refused = new OllamaAdapter({ baseUrl: await refusedUrl(), model: "m" });
    await expect(refused.listModels()).rejects.toSatisfy(OllamaUnavailableError.isInstance);
    await refused.close();
    handler = (_q, res) => {
      res.writeHead(404, { "content-type": "application/json" });
      res.end('{"error":"not found"}');
    };
    const adapter = new OllamaAdapter({ baseUrl: server.url, model: "m" });
    await expect(adapter.listModels()).rejects.toSatisfy(ModelNotFoundError.isInstance);
    handler = () => {};
    const controller = new AbortController();
    const pending = adapter.listModels({ signal: controller.signal });
    await server.nextRequest();
    controller.abort();
    await expect(pending).rejects.toSatisfy(AbortedError.isInstance);
    await adapter.close();
  });
});
