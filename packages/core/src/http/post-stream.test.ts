import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Agent } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NdjsonDecoder } from "../decoders/ndjson-decoder.js";
import { HttpError, RateLimitError } from "../errors/errors.js";
import { postStream, readFrames } from "./post-stream.js";

let server: Server;
let url = "";
const agent = new Agent();
const seen: { method?: string; url?: string; body: string; auth?: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (piece) => {
      body += piece;
    });
    req.on("end", () => {
      seen.push({ method: req.method, url: req.url, body, auth: req.headers.authorization });
      if (req.url?.startsWith("/limited")) {
        res.writeHead(429, { "retry-after": "2", "content-type": "application/json" });
        res.end('{"error":{"message":"slow down"}}');
        return;
      }
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.write('{"a":1}\n{"b"');
      setTimeout(() => res.end(':2}\n{"c":3}'), 20);
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await agent.close();
  server.close();
});

const context = { provider: "p", model: "m", secrets: ["sk-secret"] };
const signal = () => new AbortController().signal;

describe("postStream and readFrames", () => {
  it("POSTs the body with the headers to path and query; a 2xx answer's frames come per read, then the tail", async () => {
    const response = await postStream(
      {
        url: `${url}/v1/chat?x=1`,
        headers: { authorization: "Bearer sk-secret", "content-type": "application/json" },
        body: '{"q":1}',
        dispatcher: agent,
        signal: signal(),
      },
      context,
    );
    expect(response.statusCode).toBe(200);
    const reads: string[][] = [];
    for await (const lines of readFrames(response.body, new NdjsonDecoder())) reads.push(lines);
    expect(reads.flat()).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
    expect(reads.at(-1)).toEqual(['{"c":3}']); // the line without a newline comes from end()
    expect(seen.at(-1)).toEqual({
      method: "POST",
      url: "/v1/chat?x=1",
      body: '{"q":1}',
      auth: "Bearer sk-secret",
    });
  });

  it("a non-2xx answer becomes its HttpError, without the secrets", async () => {
    const error = await postStream(
      {
        url: `${url}/limited`,
        headers: { authorization: "Bearer sk-secret" },
        body: "{}",
        dispatcher: agent,
        signal: signal(),
      },
      context,
    ).catch((e: unknown) => e);
    expect(RateLimitError.isInstance(error)).toBe(true);
    expect((error as HttpError).status).toBe(429);
    expect((error as RateLimitError).retryAfterMs).toBe(2000);
    expect(JSON.stringify(error)).not.toContain("sk-secret");
  });

  it("an aborted signal rejects with undici's error, not an HttpError", async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await postStream(
      { url: `${url}/ok`, headers: {}, body: "{}", dispatcher: agent, signal: controller.signal },
      context,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(HttpError.isInstance(error)).toBe(false);
  });
});
