import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OpenAIAdapter } from "../src/index.js";
import { type Answer, FixtureServer, fixture, sse } from "./fixture-server.js";
import { drain } from "./helpers.js";

/** Credentials of shapes no pattern recognises: only the adapter's own list can redact them. */
const KEY = "7f3c9a1e-portal-KEY-zz81q";
const USER = "alice-ops";
const PASSWORD = "pa55w0rd-XYZ-4471";
const QUERY_KEY = "QUERYSECRET123abc";
const QUERY_KEY2 = "OTHERSECRET456def";
const PORTAL_TOKEN = "7f3c0d9b8e2a4c61";
const BASIC = Buffer.from(`${USER}:${PASSWORD}`).toString("base64");
const SECRETS = [KEY, PASSWORD, QUERY_KEY, QUERY_KEY2, PORTAL_TOKEN, BASIC, `${USER}:`];

/** Every text an error exposes: message, stack, JSON, and the same for its whole cause chain. */
function exposed(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth++) {
    parts.push(String(current));
    if (current instanceof Error) parts.push(current.message, current.stack ?? "");
    try {
      parts.push(JSON.stringify(current) ?? "");
    } catch {
      // A cause that cannot be serialised shows nothing through JSON.
    }
    if (typeof current === "object") {
      parts.push(JSON.stringify(Object.entries(current).filter(([, v]) => typeof v === "string")));
    }
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join("\n");
}

function expectNoSecret(error: unknown): void {
  expect(error).toBeInstanceOf(Error);
  const text = exposed(error);
  for (const secret of SECRETS) expect(text).not.toContain(secret);
}

let server: FixtureServer;
beforeEach(async () => {
  server = await new FixtureServer().start();
});
afterEach(async () => {
  await server.stop();
});

function adapterAt(origin: string, extra: { firstChunkMs?: number } = {}): OpenAIAdapter {
  const url = new URL(origin);
  return new OpenAIAdapter({
    baseUrl: `http://${USER}:${PASSWORD}@${url.host}/v1?api_key=${QUERY_KEY}&key=${QUERY_KEY2}`,
    apiKey: KEY,
    headers: { "x-portal-token": PORTAL_TOKEN },
    model: "m",
    timeouts: extra.firstChunkMs ? { firstChunkMs: extra.firstChunkMs } : undefined,
  });
}

const echo = (status: number): Answer => ({
  status,
  headers: { "content-type": "application/json" },
  body: Buffer.from(
    JSON.stringify({
      error: {
        message: `Incorrect API key ${KEY} for ${USER}:${PASSWORD}, token ${PORTAL_TOKEN}, query ${QUERY_KEY} ${QUERY_KEY2}, Basic ${BASIC}`,
        code: "invalid_api_key",
      },
    }),
  ),
});

const textUntilHi = fixture("t1-openai-text.sse").indexOf("\n\n", 400) + 2;

describe("credentials never appear in an error, whatever their shape", () => {
  it("they are sent: Bearer key, custom header, query string; userinfo is not in the URL", async () => {
    server.answer(sse("t1-openai-text.sse"));
    const adapter = adapterAt(server.url);
    expect((await drain(adapter.stream([{ role: "user", content: "hi" }]))).error).toBeUndefined();
    const req = server.requests[0]!;
    expect(req.url).toBe(`/v1/chat/completions?api_key=${QUERY_KEY}&key=${QUERY_KEY2}`);
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req.headers["x-portal-token"]).toBe(PORTAL_TOKEN);
    await adapter.close();
  });

  it("userinfo becomes Basic authorization when no key is set", async () => {
    server.answer(sse("t1-openai-text.sse"));
    const url = new URL(server.url);
    const adapter = new OpenAIAdapter({
      baseUrl: `http://${USER}:${PASSWORD}@${url.host}/v1`,
      apiKey: "",
      model: "m",
    });
    await drain(adapter.stream([{ role: "user", content: "hi" }]));
    expect(server.requests[0]!.headers.authorization).toBe(`Basic ${BASIC}`);
    await adapter.close();
  });

  const faults: Array<[string, (origin: string) => Promise<unknown>]> = [
    [
      "refused port",
      async () => {
        const origin = server.url;
        await server.stop();
        return streamError(adapterAt(origin));
      },
    ],
    [
      "401 echoing every credential",
      async (origin) => {
        server.answer(echo(401));
        return streamError(adapterAt(origin));
      },
    ],
    [
      "500 echoing every credential",
      async (origin) => {
        server.answer(echo(500));
        return streamError(adapterAt(origin));
      },
    ],
    [
      "listModels 401 echoing every credential",
      async (origin) => {
        server.answer(echo(401));
        const adapter = adapterAt(origin);
        const error = await adapter.listModels().catch((e: unknown) => e);
        await adapter.close();
        return error;
      },
    ],
    [
      "reset mid-stream",
      async (origin) => {
        server.answer({
          ...sse("t1-openai-text.sse"),
          script: (res) => {
            res.writeHead(200, { "content-type": "text/event-stream" });
            res.write(fixture("t1-openai-text.sse").subarray(0, textUntilHi), () =>
              res.socket?.destroy(),
            );
          },
        });
        return streamError(adapterAt(origin));
      },
    ],
    [
      "first-chunk timeout",
      async (origin) => {
        server.answer({ status: 200, headers: {}, body: Buffer.alloc(0), noHeaders: true });
        return streamError(adapterAt(origin, { firstChunkMs: 100 }));
      },
    ],
    [
      "abort with a reason that names the key",
      async (origin) => {
        server.answer({ ...sse("t1-openai-text.sse"), hangAfter: textUntilHi });
        const controller = new AbortController();
        const adapter = adapterAt(origin);
        let error: unknown;
        try {
          for await (const _ of adapter.stream([{ role: "user", content: "hi" }], {
            signal: controller.signal,
          })) {
            controller.abort(new Error(`cancelled, key ${KEY} user ${USER}:${PASSWORD}`));
          }
        } catch (e) {
          error = e;
        }
        await adapter.close();
        return error;
      },
    ],
    [
      "malformed frame quoting the key",
      async (origin) => {
        server.answer({
          status: 200,
          headers: { "content-type": "text/event-stream" },
          body: Buffer.from(`data: {"oops": "${KEY} ${PORTAL_TOKEN} ${PASSWORD}\n\n`),
        });
        return streamError(adapterAt(origin));
      },
    ],
    [
      "in-stream error quoting the key",
      async (origin) => {
        server.answer({
          status: 200,
          headers: { "content-type": "text/event-stream" },
          body: Buffer.from(`data: {"error":{"message":"bad key ${KEY} / ${QUERY_KEY}"}}\n\n`),
        });
        return streamError(adapterAt(origin));
      },
    ],
    [
      "bad input",
      async (origin) => {
        const adapter = adapterAt(origin);
        const { error } = await drain(
          adapter.stream([{ role: "user", content: "hi" }], { providerOptions: { n: 1n } }),
        );
        await adapter.close();
        return error;
      },
    ],
  ];

  it.each(faults)("%s", async (_name, fault) => {
    const error = await fault(server.url);
    expectNoSecret(error);
  });
});

async function streamError(adapter: OpenAIAdapter): Promise<unknown> {
  const { error } = await drain(adapter.stream([{ role: "user", content: "hi" }]));
  await adapter.close();
  return error;
}

describe("baseUrl property", () => {
  it("shows where requests go, without userinfo or query secrets", () => {
    const adapter = adapterAt(server.url);
    const host = new URL(server.url).host;
    expect(adapter.baseUrl).toBe(`http://${host}/v1`);
    for (const secret of [USER, PASSWORD, QUERY_KEY, QUERY_KEY2]) {
      expect(adapter.baseUrl).not.toContain(secret);
    }
  });
});
