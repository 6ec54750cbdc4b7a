import { collect, type StreamChunk } from "@x/core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { OllamaAdapter } from "../src/index.js";
import { activeTimeouts, type Handler, type Loopback, startServer } from "./loopback-server.js";

let server: Loopback;
let handler: Handler = () => {};
let adapter: OllamaAdapter;

beforeAll(async () => {
  server = await startServer((req, res, recorded) => handler(req, res, recorded));
});
afterEach(async () => {
  await adapter.close();
});
afterAll(async () => {
  await server.close();
});

const hi = [{ role: "user" as const, content: "hi" }];
const CONTENT = '{"model":"m","message":{"role":"assistant","content":"Hi"},"done":false}\n';
const DONE =
  '{"model":"m","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","eval_count":1}\n';

/** Writes frames after the done frame for as long as the socket takes them. */
function keepSending(res: Parameters<Handler>[1]): void {
  const pump = () => {
    while (!res.destroyed) {
      if (
        !res.write('{"model":"m","message":{"role":"assistant","content":"late"},"done":false}\n')
      )
        return void res.once("drain", pump);
    }
  };
  setImmediate(pump);
}

describe("after the done frame the stream ends at once, whatever the server does next", () => {
  it("a body held open after done: collect() resolves and the socket is closed", async () => {
    handler = (_q, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.write(CONTENT + DONE); // and never res.end(), like a buffering proxy
    };
    adapter = new OllamaAdapter({ baseUrl: server.url, model: "m" });
    const timersBefore = activeTimeouts();
    const answer = await collect(adapter.stream(hi, { timeouts: { idleMs: 60_000 } }));
    expect(answer.message.content).toBe("Hi");
    expect(answer.finishReason).toBe("stop");
    await server.allSocketsClosed();
    expect(activeTimeouts()).toBeLessThanOrEqual(timersBefore);
  });

  it("frames keep coming after done: nothing after done is yielded and the socket is closed", async () => {
    handler = (_q, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.write(CONTENT + DONE);
      keepSending(res);
    };
    adapter = new OllamaAdapter({ baseUrl: server.url, model: "m" });
    const chunks: StreamChunk[] = [];
    for await (const chunk of adapter.stream(hi)) chunks.push(chunk);
    expect(chunks.map((c) => c.type)).toEqual(["content", "done"]);
    await server.allSocketsClosed();
  });

  it("a frame after done in the same read is ignored, not parsed (it may be garbage)", async () => {
    handler = (_q, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.end(`${CONTENT}${DONE}not json\n`);
    };
    adapter = new OllamaAdapter({ baseUrl: server.url, model: "m" });
    const chunks: StreamChunk[] = [];
    for await (const chunk of adapter.stream(hi)) chunks.push(chunk);
    expect(chunks.map((c) => c.type)).toEqual(["content", "done"]);
  });

  it("a normal response (ended with the done frame) leaves its connection in the pool", async () => {
    const sockets = new Set<unknown>();
    handler = (req, res) => {
      sockets.add(req.socket);
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.end(CONTENT + DONE);
    };
    adapter = new OllamaAdapter({ baseUrl: server.url, model: "m" });
    for (let i = 0; i < 3; i++) {
      expect((await collect(adapter.stream(hi))).message.content).toBe("Hi");
    }
    // The first connection was not closed after its answer. (undici may open a second one when
    // the next request starts before it has marked the first free; raw request() does the same.)
    expect(server.sockets.has([...sockets][0] as never)).toBe(true);
    expect(sockets.size).toBeLessThan(3);
  });
});
