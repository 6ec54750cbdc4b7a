import { once } from "node:events";
import { createServer } from "node:net";
import {
  AuthenticationError,
  ModelLoadingTimeoutError,
  RateLimitError,
  ServerError,
  StreamTimeoutError,
  UnavailableError,
} from "@x/core";
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

async function run(adapter: OllamaAdapter): Promise<unknown> {
  try {
    for await (const _ of adapter.stream([{ role: "user", content: "hi" }])) {
      // drain
    }
  } catch (error) {
    return error;
  } finally {
    await adapter.close();
  }
  throw new Error("expected the stream to throw");
}

async function refusedPort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as { port: number };
  probe.close();
  await once(probe, "close");
  return port;
}

const FRAME = '{"model":"m","message":{"role":"assistant","content":"Hel"},"done":false}\n';

describe("transport errors", () => {
  it("connection refused → OllamaUnavailableError (also UnavailableError), retryable", async () => {
    const port = await refusedPort();
    const error = await run(new OllamaAdapter({ baseUrl: `http://127.0.0.1:${port}`, model: "m" }));
    expect(OllamaUnavailableError.isInstance(error)).toBe(true);
    expect(UnavailableError.isInstance(error)).toBe(true);
    expect((error as OllamaUnavailableError).retryable).toBe(true);
    expect((error as Error).message).toContain("ECONNREFUSED");
  });

  it("reset before any response → OllamaUnavailableError", async () => {
    handler = (req) => {
      req.socket.destroy();
    };
    const error = await run(new OllamaAdapter({ baseUrl: server.url, model: "m" }));
    expect(OllamaUnavailableError.isInstance(error)).toBe(true);
  });

  it("hung server (no headers) past firstChunkMs → ModelLoadingTimeoutError; socket closed, no timers left", async () => {
    handler = () => {}; // never answers, like Ollama while a model loads
    const timersBefore = activeTimeouts();
    const error = await run(
      new OllamaAdapter({ baseUrl: server.url, model: "m", timeouts: { firstChunkMs: 150 } }),
    );
    expect(ModelLoadingTimeoutError.isInstance(error)).toBe(true);
    expect((error as ModelLoadingTimeoutError).timeoutMs).toBe(150);
    await server.allSocketsClosed();
    expect(activeTimeouts()).toBeLessThanOrEqual(timersBefore);
  });

  it("silence mid-stream past idleMs → StreamTimeoutError (idle) with the partial output", async () => {
    handler = (_q, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.write(FRAME); // then hang
    };
    const error = await run(
      new OllamaAdapter({ baseUrl: server.url, model: "m", timeouts: { idleMs: 150 } }),
    );
    expect(StreamTimeoutError.isInstance(error)).toBe(true);
    expect((error as StreamTimeoutError).phase).toBe("idle");
    expect((error as StreamTimeoutError).partial?.content).toBe("Hel");
    await server.allSocketsClosed();
  });

  it("per-call totalMs overrides the adapter default", async () => {
    handler = (_q, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.write(FRAME);
    };
    const adapter = new OllamaAdapter({
      baseUrl: server.url,
      model: "m",
      timeouts: { totalMs: 60_000 },
    });
    const error = await (async () => {
      for await (const _ of adapter.stream([{ role: "user", content: "x" }], {
        timeouts: { totalMs: 150 },
      })) {
        // drain
      }
    })().catch((e) => e);
    await adapter.close();
    expect(StreamTimeoutError.isInstance(error)).toBe(true);
    expect((error as StreamTimeoutError).phase).toBe("total");
  });

  it("reset mid-stream → OllamaProtocolError truncated with the partial output", async () => {
    handler = (_q, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.write(FRAME, () => setImmediate(() => res.socket?.destroy()));
    };
    const error = await run(new OllamaAdapter({ baseUrl: server.url, model: "m" }));
    expect(OllamaProtocolError.isInstance(error)).toBe(true);
    expect((error as OllamaProtocolError).reason).toBe("truncated");
    expect((error as OllamaProtocolError).partial?.content).toBe("Hel");
  });
});

describe("HTTP errors", () => {
  it("429 → RateLimitError with retryAfterMs", async () => {
    handler = (_q, res) => {
      res.writeHead(429, { "content-type": "application/json", "retry-after": "2" });
      res.end('{"error":"rate limit exceeded"}');
    };
    const error = await run(new OllamaAdapter({ baseUrl: server.url, model: "m" }));
    expect(RateLimitError.isInstance(error)).toBe(true);
    expect((error as RateLimitError).retryAfterMs).toBe(2000);
  });

  it("401 → AuthenticationError; the Authorization header never appears in the error", async () => {
    const token = "sk-secret-token-123456";
    handler = (req, res) => {
      res.writeHead(401, { "content-type": "application/json" });
      // A hostile proxy echoing the header back.
      res.end(JSON.stringify({ error: `unauthorized: ${req.headers.authorization}` }));
    };
    const error = await run(
      new OllamaAdapter({
        baseUrl: server.url,
        model: "m",
        headers: { Authorization: `Bearer ${token}` },
      }),
    );
    expect(AuthenticationError.isInstance(error)).toBe(true);
    const e = error as AuthenticationError;
    const everything = `${e.message} ${e.body} ${JSON.stringify(e)} ${e.stack}`;
    expect(everything).not.toContain(token);
  });

  it("an error body larger than the cap is read partially, not buffered whole", async () => {
    handler = (_q, res) => {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end("x".repeat(1024 * 1024));
    };
    const error = await run(new OllamaAdapter({ baseUrl: server.url, model: "m" }));
    expect((error as { status?: number }).status).toBe(500);
    expect((error as { body: string }).body.length).toBeLessThanOrEqual(4096);
  });
});

describe("an error answer whose body is cut off", () => {
  it("is still the status's HttpError (503 → ServerError), not 'cannot reach the server'", async () => {
    handler = (_req, res) => {
      res.writeHead(503, { "content-type": "application/json", "content-length": "200" });
      // A server that dies 20 ms into its error body (after the client has the status).
      res.write('{"error":"server busy, ', () => {
        const timer = setTimeout(() => res.socket?.destroy(), 20);
        res.on("close", () => clearTimeout(timer));
      });
    };
    const error = await run(new OllamaAdapter({ baseUrl: server.url, model: "m" }));
    expect(ServerError.isInstance(error), String(error)).toBe(true);
    expect(UnavailableError.isInstance(error)).toBe(false);
    expect((error as ServerError).status).toBe(503);
  });

  it("that stalls past firstChunkMs is the deadline's error (the limit fired, not the server)", async () => {
    handler = (_req, res) => {
      res.writeHead(503, { "content-type": "application/json", "content-length": "200" });
      res.write('{"error":"server busy, '); // and nothing more
    };
    const error = await run(
      new OllamaAdapter({ baseUrl: server.url, model: "m", timeouts: { firstChunkMs: 100 } }),
    );
    expect(ModelLoadingTimeoutError.isInstance(error), String(error)).toBe(true);
    expect(ServerError.isInstance(error)).toBe(false);
  });
});
