import { once } from "node:events";
import { createServer } from "node:net";
import { AbortedError, ModelNotFoundError } from "@x/core";
import { MAX_SUCCESS_BODY_BYTES } from "@x/core/http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OllamaAdapter, OllamaProtocolError, OllamaUnavailableError } from "../src/index.js";
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

  it("false on a refused port, well under 100 ms (bound with margin for a busy host: 500 ms)", async () => {
    const adapter = new OllamaAdapter({ baseUrl: await refusedUrl(), model: "m" });
    const started = performance.now();
    expect(await adapter.healthCheck()).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
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

describe("success bodies are read up to 32 MiB", () => {
  it("a 4 MiB model list with 20,000 models is read whole", async () => {
    const models = Array.from({ length: 20_000 }, (_, i) => ({
      name: `org/model-${i}:q4_K_M`,
      model: `org/model-${i}:q4_K_M`,
      size: 4_000_000_000 + i,
      digest: "d".repeat(64),
      details: { family: "llama", parameter_size: "8B", quantization_level: "Q4_K_M" },
      modified_at: "2026-10-01T10:00:00.123+02:00",
    }));
    const body = JSON.stringify({ models });
    expect(body.length).toBeGreaterThan(4 * 1024 * 1024);
    handler = (_q, res) => {
      res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
      res.end(body);
    };
    const adapter = new OllamaAdapter({ baseUrl: server.url, model: "m" });
    const names = await adapter.listModels();
    await adapter.close();
    expect(names).toHaveLength(20_000);
    expect(names[19_999]).toBe("org/model-19999:q4_K_M");
  });

  it("a body over the cap is an OllamaProtocolError (oversize_frame), not a parse error", async () => {
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    handler = (_q, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"models":[');
      let sent = 0;
      const pump = () => {
        while (sent <= MAX_SUCCESS_BODY_BYTES && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        if (!res.destroyed) res.end("]}");
      };
      pump();
    };
    const adapter = new OllamaAdapter({ baseUrl: server.url, model: "m" });
    const error = await adapter.listModels().catch((e) => e);
    await adapter.close();
    expect(OllamaProtocolError.isInstance(error), String(error)).toBe(true);
    expect((error as OllamaProtocolError).reason).toBe("oversize_frame");
    await server.allSocketsClosed();
  });
});

describe("listRunningModels", () => {
  it("GET /api/ps → the loaded models with memory use, expiry and context length", async () => {
    handler = (_q, res) => {
      res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
      res.end(
        JSON.stringify({
          models: [
            {
              name: "qwen3:8b",
              model: "qwen3:8b",
              size: 6_654_289_920,
              digest: "500a1f067a9f782620b40bee6f7b0c89e17ae61f686b92c24933e4ca4b2b8b41",
              details: {
                parent_model: "",
                format: "gguf",
                family: "qwen3",
                families: ["qwen3"],
                parameter_size: "8.2B",
                quantization_level: "Q4_K_M",
              },
              expires_at: "2026-10-05T14:32:11.482917351+02:00",
              size_vram: 6_654_289_920,
              context_length: 8192,
            },
            { model: "llama3.2:3b", size_vram: 0, context_length: 4096 },
            { size: 1 },
          ],
        }),
      );
    };
    const adapter = new OllamaAdapter({ baseUrl: server.url, model: "qwen3:8b" });
    const running = await adapter.listRunningModels();
    await adapter.close();
    expect(server.requests.at(-1)?.url).toBe("/api/ps");
    expect(running).toEqual([
      {
        name: "qwen3:8b",
        size: 6_654_289_920,
        sizeVram: 6_654_289_920,
        expiresAt: "2026-10-05T14:32:11.482917351+02:00",
        contextLength: 8192,
        digest: "500a1f067a9f782620b40bee6f7b0c89e17ae61f686b92c24933e4ca4b2b8b41",
        family: "qwen3",
        parameterSize: "8.2B",
        quantizationLevel: "Q4_K_M",
      },
      { name: "llama3.2:3b", sizeVram: 0, contextLength: 4096 },
    ]);
  });

  it("nothing loaded → []; errors as for listModels", async () => {
    handler = (_q, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"models":[]}');
    };
    const adapter = new OllamaAdapter({ baseUrl: server.url, model: "m" });
    expect(await adapter.listRunningModels()).toEqual([]);
    handler = (_q, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"error":"no"}');
    };
    const error = await adapter.listRunningModels().catch((e) => e);
    expect(OllamaProtocolError.isInstance(error)).toBe(true);
    await adapter.close();
    const refused = new OllamaAdapter({ baseUrl: await refusedUrl(), model: "m" });
    await expect(refused.listRunningModels()).rejects.toSatisfy(OllamaUnavailableError.isInstance);
    await refused.close();
  });
});
