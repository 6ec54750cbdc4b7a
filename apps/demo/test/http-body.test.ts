import { Agent, request } from "node:http";
import { createMockAdapter, textSteps } from "@x/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { startGateway } from "../src/gateway/start-gateway.js";
import type { RunningServer } from "../src/http/listen.js";
import { startDemoServer } from "../src/web/demo-server.js";

let server: RunningServer | undefined;
let agent: Agent | undefined;

afterEach(async () => {
  agent?.destroy();
  agent = undefined;
  await server?.close();
  server = undefined;
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  reusedSocket: boolean;
}

/** One POST through `via` (a keep-alive agent with a single socket). */
function post(via: Agent, url: string, body: string | Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        agent: via,
        headers: { "content-type": "application/json", "content-length": body.length },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on("data", (part: Buffer) => parts.push(part));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(parts).toString("utf8"),
            reusedSocket: req.reusedSocket,
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** A syntactically valid chat request of about 11 MB: over the 10 MB limit. */
function hugeBody(): Buffer {
  const padding = "x".repeat(11 * 1024 * 1024);
  return Buffer.from(
    JSON.stringify({ model: "mock-model", messages: [{ role: "user", content: padding }] }),
  );
}

const small = JSON.stringify({
  model: "mock-model",
  stream: false,
  messages: [{ role: "user", content: "hi" }],
});

/** The gateway alone, or the whole `serve` server (web chat + gateway). */
async function start(which: "gateway" | "serve"): Promise<string> {
  const adapter = createMockAdapter({ script: [...textSteps("Hello."), { type: "done" }] });
  server = await (which === "gateway" ? startGateway({ adapter }) : startDemoServer({ adapter }));
  agent = new Agent({ keepAlive: true, maxSockets: 1 });
  return server.url;
}

describe("request bodies over the limit", () => {
  it("get 413 in OpenAI's envelope on /v1, and the same connection serves the next request", async () => {
    const url = await start("gateway");
    const via = agent as Agent;
    const tooBig = await post(via, `${url}/v1/chat/completions`, hugeBody());
    expect(tooBig.status).toBe(413);
    expect(JSON.parse(tooBig.text)).toEqual({
      error: {
        message: expect.stringMatching(/over 10000000 bytes/),
        type: "invalid_request_error",
        param: null,
        code: "request_too_large",
      },
    });
    const next = await post(via, `${url}/v1/chat/completions`, small);
    expect(next.status).toBe(200);
    expect(next.reusedSocket).toBe(true);
    expect(JSON.parse(next.text).choices[0].message.content).toBe("Hello.");
  });

  it("get 413 (not 500) as JSON on /api/chat, and the connection stays usable", async () => {
    const url = await start("serve");
    const via = agent as Agent;
    const tooBig = await post(via, `${url}/api/chat`, hugeBody());
    expect(tooBig.status).toBe(413);
    expect(tooBig.headers["content-type"]).toMatch(/^application\/json/);
    expect(JSON.parse(tooBig.text).error.code).toBe("request_too_large");
    const next = await post(via, `${url}/api/chat`, small);
    expect(next.status).toBe(200);
    expect(next.reusedSocket).toBe(true);
    expect(next.text).toContain("Hello.");
  });

  it("answers invalid JSON with 400 on every route", async () => {
    for (const [which, path] of [
      ["gateway", "/v1/chat/completions"],
      ["serve", "/api/chat"],
      ["serve", "/api/faults"],
    ] as const) {
      const url = await start(which);
      const res = await post(agent as Agent, `${url}${path}`, "{not json");
      expect(res.status, path).toBe(400);
      expect(JSON.parse(res.text).error.code, path).toBe("invalid_json");
      // The same OpenAI envelope on every route, not only the gateway's.
      expect(JSON.parse(res.text).error, path).toMatchObject({
        type: "invalid_request_error",
        param: null,
      });
      agent?.destroy();
      await server?.close();
    }
  });
});
