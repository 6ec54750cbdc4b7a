import { once } from "node:events";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  type Fault,
  type FaultProxy,
  type FaultProxyOptions,
  startFaultProxy,
} from "../src/faults/fault-proxy.js";
import type { RunningServer } from "../src/http/listen.js";
import { startOllamaSim } from "../src/sim/ollama-sim.js";
import { startOpenAISim } from "../src/sim/openai-sim.js";
import { send } from "./http-client.js";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

async function proxied(
  sim: Promise<RunningServer>,
  options: Omit<FaultProxyOptions, "target"> = {},
): Promise<FaultProxy> {
  const server = await sim;
  cleanup.push(() => server.close());
  const proxy = await startFaultProxy({ target: server.url, ...options });
  cleanup.push(() => proxy.close());
  return proxy;
}

/** Posts `body` and resolves with what arrived before the answer ended or the socket failed. */
function post(
  url: string,
  body: unknown,
  signal?: AbortSignal,
): Promise<{ status?: number; text: string; error?: string }> {
  return new Promise((resolve) => {
    let text = "";
    let status: number | undefined;
    const req = request(url, { method: "POST", agent: false, signal }, (res) => {
      status = res.statusCode;
      res.setEncoding("utf8");
      res.on("data", (part: string) => {
        text += part;
      });
      res.on("end", () => resolve({ ...(status ? { status } : {}), text }));
      res.on("error", (error) =>
        resolve({ ...(status ? { status } : {}), text, error: error.message }),
      );
    });
    req.on("error", (error: NodeJS.ErrnoException) =>
      resolve({ ...(status ? { status } : {}), text, error: error.code ?? error.message }),
    );
    req.end(JSON.stringify(body));
  });
}

const chat = { model: "m", messages: [{ role: "user", content: "Say hi to everyone here" }] };
const openaiChat = { ...chat, stream: true };

describe("fault proxy", () => {
  it("passes requests and streamed answers through unchanged with no fault", async () => {
    const proxy = await proxied(startOpenAISim({ model: "m" }));
    const direct = await post(`${proxy.target}/v1/chat/completions`, openaiChat);
    const through = await post(`${proxy.url}/v1/chat/completions`, openaiChat);
    expect(through.status).toBe(200);
    // Same chunks (ids and timestamps aside).
    const strip = (text: string) => text.replace(/"(id|created)":("[^"]*"|\d+)/g, "");
    expect(strip(through.text)).toBe(strip(direct.text));
    expect(through.text.trimEnd().endsWith("data: [DONE]")).toBe(true);
    expect((await send(`${proxy.url}/v1/models`, "GET")).status).toBe(200);
  });

  it("refuse closes the port (ECONNREFUSED) and leaving it opens the same port again", async () => {
    const proxy = await proxied(startOllamaSim());
    await proxy.setFault("refuse");
    expect((await post(`${proxy.url}/api/chat`, chat)).error).toBe("ECONNREFUSED");
    await proxy.setFault("none");
    const answer = await post(`${proxy.url}/api/chat`, chat);
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('"done":true');
  });

  it("hang accepts a chat request and never answers it, while health checks still pass", async () => {
    let arrived: (fault: Fault) => void = () => {};
    const proxy = await proxied(startOllamaSim(), {
      onRequest: (fault, method) => {
        if (method === "POST") arrived(fault);
      },
    });
    await proxy.setFault("hang");
    expect((await send(`${proxy.url}/api/version`, "GET")).status).toBe(200);
    const controller = new AbortController();
    const hung = new Promise<Fault>((resolve) => {
      arrived = resolve;
    });
    const pending = post(`${proxy.url}/api/chat`, chat, controller.signal);
    let settled = false;
    void pending.then(() => {
      settled = true;
    });
    expect(await hung).toBe("hang");
    // A healthy request answered in full while the first one still waits proves it hangs.
    await proxy.setFault("none");
    expect((await post(`${proxy.url}/api/chat`, chat)).status).toBe(200);
    expect(settled).toBe(false);
    controller.abort();
    expect((await pending).status).toBeUndefined();
  });

  it("die-mid-stream forwards a few NDJSON frames, then drops the connection", async () => {
    const proxy = await proxied(startOllamaSim(), { dieAfterFrames: 4 });
    await proxy.setFault("die-mid-stream");
    const answer = await post(`${proxy.url}/api/chat`, chat);
    expect(answer.status).toBe(200);
    expect(answer.error).toBeDefined();
    const lines = answer.text.split("\n").filter(Boolean);
    expect(lines).toHaveLength(4);
    expect(answer.text).not.toContain('"done":true');
  });

  it("die-mid-stream counts SSE events, not lines", async () => {
    const proxy = await proxied(startOpenAISim(), { dieAfterFrames: 3 });
    await proxy.setFault("die-mid-stream");
    const answer = await post(`${proxy.url}/v1/chat/completions`, openaiChat);
    expect(answer.status).toBe(200);
    expect(answer.error).toBeDefined();
    expect(answer.text.match(/^data: /gm)).toHaveLength(3);
    expect(answer.text.endsWith("\n\n")).toBe(true);
    expect(answer.text).not.toContain("[DONE]");
  });

  it("http-503 answers chat requests with 503 server busy", async () => {
    const proxy = await proxied(startOpenAISim());
    await proxy.setFault("http-503");
    const answer = await post(`${proxy.url}/v1/chat/completions`, openaiChat);
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.text).error.message).toMatch(/server busy/);
    expect((await send(`${proxy.url}/v1/models`, "GET")).status).toBe(200);
  });

  it("drops the client's connection when the target refuses, and frees the upstream on cancel", async () => {
    const gone = await startOllamaSim({ fault: "refuse" });
    const proxy = await startFaultProxy({ target: gone.url });
    cleanup.push(() => proxy.close());
    const answer = await post(`${proxy.url}/api/chat`, chat);
    expect(answer.status).toBeUndefined();
    expect(answer.error).toBe("ECONNRESET");

    // A target that streams forever: cancelling the client closes the upstream request too.
    const upstream = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.write("{}\n");
    });
    upstream.listen(0, "127.0.0.1");
    await once(upstream, "listening");
    cleanup.push(
      () =>
        new Promise<void>((resolve) => {
          upstream.close(() => resolve());
          upstream.closeAllConnections();
        }),
    );
    const endless = await startFaultProxy({
      target: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
    });
    cleanup.push(() => endless.close());
    const closed = new Promise<void>((resolve) =>
      upstream.once("request", (_req, res) => res.once("close", () => resolve())),
    );
    const controller = new AbortController();
    const reading = new Promise<void>((resolve) => {
      const req = request(
        `${endless.url}/api/chat`,
        { method: "POST", agent: false, signal: controller.signal },
        (res) => res.once("data", () => resolve()),
      );
      req.on("error", () => {});
      req.end("{}");
    });
    await reading;
    controller.abort();
    await closed;
  });
});
