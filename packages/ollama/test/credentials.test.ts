import { once } from "node:events";
import { createServer } from "node:net";
import { inspect } from "node:util";
import {
  AbortedError,
  AdapterError,
  AuthenticationError,
  InvalidRequestError,
  ModelLoadingTimeoutError,
  ModelNotFoundError,
  ProviderError,
  ServerError,
  type StreamOptions,
} from "@x/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OllamaAdapter, OllamaProtocolError, OllamaUnavailableError } from "../src/index.js";
import { type Handler, type Loopback, startServer } from "./loopback-server.js";

const USER = "portal-user-x9";
const PASSWORD = "pa55-w0rd-Qz7!";
const QUERY_KEY = "k3y-9f8e7d6c5b4a";
const PORTAL_TOKEN = "7f3c2b9a41d84e06b1c7";
const BASIC = Buffer.from(`${USER}:${PASSWORD}`).toString("base64");
const SECRETS = [USER, PASSWORD, encodeURIComponent(PASSWORD), QUERY_KEY, PORTAL_TOKEN, BASIC];

let server: Loopback;
let handler: Handler = () => {};

beforeAll(async () => {
  server = await startServer((req, res, recorded) => handler(req, res, recorded));
});
afterAll(async () => {
  await server.close();
});

function adapterFor(origin: string): OllamaAdapter {
  const url = new URL(`${origin}/?key=${QUERY_KEY}`);
  url.username = USER;
  url.password = PASSWORD;
  return new OllamaAdapter({
    baseUrl: url.toString(),
    model: "m",
    headers: { "x-portal-token": PORTAL_TOKEN },
  });
}

/** Everything the request carried, as a hostile server or proxy would echo it back. */
function echo(req: Parameters<Handler>[0]): string {
  return `auth=${req.headers.authorization} portal=${req.headers["x-portal-token"]} url=${req.url}`;
}

async function streamError(
  adapter: OllamaAdapter,
  options?: StreamOptions,
  messages: unknown = [{ role: "user", content: "hi" }],
): Promise<unknown> {
  try {
    for await (const _ of adapter.stream(messages as never, options)) {
      // drain
    }
  } catch (error) {
    return error;
  } finally {
    await adapter.close();
  }
  throw new Error("expected the stream to throw");
}

/** Every way an error can be shown: message, stack, JSON, inspect, and each cause in the chain. */
function renderings(error: unknown): string[] {
  const out: string[] = [inspect(error, { depth: 10 })];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth++) {
    if (current instanceof Error) out.push(current.message, String(current.stack));
    out.push(String(current));
    try {
      out.push(JSON.stringify(current) ?? "");
    } catch {
      // a cause that cannot be serialised shows nothing this way
    }
    current = (current as { cause?: unknown }).cause;
  }
  return out;
}

function expectNoSecret(error: unknown): void {
  expect(AdapterError.isInstance(error), String(error)).toBe(true);
  for (const text of renderings(error)) {
    for (const secret of SECRETS) expect(text).not.toContain(secret);
  }
}

async function refusedOrigin(): Promise<string> {
  const probe = createServer();
  probe.listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as { port: number };
  probe.close();
  await once(probe, "close");
  return `http://127.0.0.1:${port}`;
}

describe("credentials in baseUrl and headers never appear in an error", () => {
  it("they are sent: userinfo as Basic authorization, the query on every path, the header", async () => {
    handler = (_q, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"version":"0.32.15"}');
    };
    const adapter = adapterFor(server.url);
    expect(await adapter.healthCheck()).toBe(true);
    await adapter.close();
    const request = server.requests.at(-1)!;
    expect(request.url).toBe(`/api/version?key=${QUERY_KEY}`);
    expect(request.headers.authorization).toBe(`Basic ${BASIC}`);
    expect(request.headers["x-portal-token"]).toBe(PORTAL_TOKEN);
    expect(adapter.baseUrl).not.toContain(PASSWORD);
  });

  it("refused port → OllamaUnavailableError", async () => {
    const error = await streamError(adapterFor(await refusedOrigin()));
    expect(OllamaUnavailableError.isInstance(error)).toBe(true);
    expectNoSecret(error);
  });

  it.each([
    [401, AuthenticationError],
    [404, ModelNotFoundError],
    [500, ServerError],
  ])("%i with a body echoing every credential", async (status, errorClass) => {
    handler = (req, res) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: echo(req) }));
    };
    const error = await streamError(adapterFor(server.url));
    expect(errorClass.isInstance(error)).toBe(true);
    expect((error as AuthenticationError).body).toContain("auth=");
    expectNoSecret(error);
  });

  it("an in-stream error line echoing every credential → ProviderError", async () => {
    handler = (req, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.end(`${JSON.stringify({ error: echo(req) })}\n`);
    };
    const error = await streamError(adapterFor(server.url));
    expect(ProviderError.isInstance(error)).toBe(true);
    expectNoSecret(error);
  });

  it("a malformed line echoing every credential → OllamaProtocolError", async () => {
    handler = (req, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.end(`not json ${PORTAL_TOKEN.slice(0, 1)}${echo(req)}\n`);
    };
    const error = await streamError(adapterFor(server.url));
    expect(OllamaProtocolError.isInstance(error)).toBe(true);
    expectNoSecret(error);
  });

  it("reset mid-stream → OllamaProtocolError (truncated)", async () => {
    handler = (_q, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.write('{"message":{"role":"assistant","content":"Hel"},"done":false}\n', () =>
        setImmediate(() => res.socket?.destroy()),
      );
    };
    const error = await streamError(adapterFor(server.url));
    expect(OllamaProtocolError.isInstance(error)).toBe(true);
    expectNoSecret(error);
  });

  it("first-chunk timeout → ModelLoadingTimeoutError", async () => {
    handler = () => {};
    const error = await streamError(adapterFor(server.url), { timeouts: { firstChunkMs: 100 } });
    expect(ModelLoadingTimeoutError.isInstance(error)).toBe(true);
    expectNoSecret(error);
  });

  it("abort → AbortedError", async () => {
    handler = () => {};
    const controller = new AbortController();
    const arrived = server.nextRequest();
    const pending = streamError(adapterFor(server.url), { signal: controller.signal });
    await arrived;
    controller.abort(new Error(`cancelled by ${USER}`));
    const error = await pending;
    expect(AbortedError.isInstance(error)).toBe(true);
    expectNoSecret(error);
  });

  it("bad input → InvalidRequestError", async () => {
    const error = await streamError(adapterFor(server.url), undefined, [
      { role: "user", content: PORTAL_TOKEN, images: [`https://${USER}:${PASSWORD}@x/a.png`] },
    ]);
    expect(InvalidRequestError.isInstance(error)).toBe(true);
    expectNoSecret(error);
  });

  it("listModels: refused, 401 echo and a body that is not JSON", async () => {
    const refused = adapterFor(await refusedOrigin());
    expectNoSecret(await refused.listModels().catch((e) => e));
    await refused.close();
    const adapter = adapterFor(server.url);
    handler = (req, res) => {
      res.writeHead(401, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: echo(req) }));
    };
    expectNoSecret(await adapter.listModels().catch((e) => e));
    handler = (req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(echo(req));
    };
    const error = await adapter.listModels().catch((e) => e);
    expect(OllamaProtocolError.isInstance(error)).toBe(true);
    expectNoSecret(error);
    await adapter.close();
  });
});
