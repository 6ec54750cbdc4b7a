import { AbortedError, type Timeouts } from "@x/core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { OllamaAdapter } from "../src/index.js";
import { activeTimeouts, type Handler, type Loopback, startServer } from "./loopback-server.js";

let server: Loopback;
let handler: Handler = () => {};
let adapter: OllamaAdapter;
let timersBefore = 0;

beforeAll(async () => {
  server = await startServer((req, res, recorded) => handler(req, res, recorded));
});
afterAll(async () => {
  await server.close();
});
afterEach(async () => {
  await adapter.close();
  expect(activeTimeouts()).toBeLessThanOrEqual(timersBefore);
});

function frame(i: number): string {
  return `{"model":"m","message":{"role":"assistant","content":"t${i}"},"done":false}\n`;
}

/** Writes a frame every time the previous one was flushed, forever (until the socket closes). */
const endless: Handler = (_q, res) => {
  res.writeHead(200, { "content-type": "application/x-ndjson" });
  let i = 0;
  const pump = () => {
    while (!res.destroyed && res.write(frame(i++))) {
      if (i % 50 === 0) return setImmediate(pump);
    }
    if (!res.destroyed) res.once("drain", pump);
  };
  pump();
};

function start(
  timeouts: Timeouts = { firstChunkMs: 30_000, idleMs: 30_000, totalMs: 60_000 },
): void {
  timersBefore = activeTimeouts();
  adapter = new OllamaAdapter({ baseUrl: server.url, model: "m", timeouts });
}

describe("abort and break", () => {
  it("break after the first chunk closes the socket (server sees it)", async () => {
    handler = endless;
    start({});
    const chunks: string[] = [];
    for await (const chunk of adapter.stream([{ role: "user", content: "hi" }])) {
      if (chunk.type === "content") chunks.push(chunk.content);
      break;
    }
    expect(chunks).toEqual(["t0"]);
    await server.allSocketsClosed();
    expect(server.sockets.size).toBe(0);
  });

  it("abort while waiting for the first byte (model loading) → AbortedError and the socket closes", async () => {
    handler = () => {}; // no headers, like a cold load
    start();
    const controller = new AbortController();
    const arrived = server.nextRequest();
    const pending = (async () => {
      for await (const _ of adapter.stream([{ role: "user", content: "hi" }], {
        signal: controller.signal,
      })) {
        // none
      }
    })().catch((e) => e);
    await arrived;
    controller.abort();
    const error = await pending;
    expect(AbortedError.isInstance(error)).toBe(true);
    expect((error as AbortedError).retryable).toBe(false);
    await server.allSocketsClosed();
  });

  it("abort mid-stream → AbortedError with partial output; the socket closes", async () => {
    handler = endless;
    start();
    const controller = new AbortController();
    let received = 0;
    const error = await (async () => {
      for await (const chunk of adapter.stream([{ role: "user", content: "hi" }], {
        signal: controller.signal,
      })) {
        if (chunk.type === "content" && ++received === 3)
          controller.abort(new Error("user cancelled"));
      }
    })().catch((e) => e);
    expect(AbortedError.isInstance(error)).toBe(true);
    expect((error as AbortedError).partial?.content.startsWith("t0t1t2")).toBe(true);
    await server.allSocketsClosed();
  });

  it("an abort after done was received throws nothing: done stays the last word", async () => {
    handler = (_q, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.write(
        `${frame(0)}{"model":"m","message":{"role":"assistant","content":""},"done":true}\n`,
      );
      // The body stays open after done: the drain must not turn the abort into an error.
    };
    start();
    const controller = new AbortController();
    const iterator = adapter
      .stream([{ role: "user", content: "hi" }], { signal: controller.signal })
      [Symbol.asyncIterator]();
    expect((await iterator.next()).value).toEqual({ type: "content", content: "t0" });
    expect((await iterator.next()).value).toMatchObject({ type: "done" });
    const after = iterator.next();
    controller.abort();
    expect(await after).toEqual({ value: undefined, done: true });
    await server.allSocketsClosed();
  });

  it("an already-aborted signal throws AbortedError without sending", async () => {
    handler = endless;
    start();
    const before = server.requests.length;
    const error = await (async () => {
      for await (const _ of adapter.stream([{ role: "user", content: "hi" }], {
        signal: AbortSignal.abort(),
      })) {
        // none
      }
    })().catch((e) => e);
    expect(AbortedError.isInstance(error)).toBe(true);
    expect(server.requests.length).toBe(before);
  });

  it("back-pressure: a paused consumer does not make the adapter read the whole body", async () => {
    // The server writes until the socket pushes back; with a paused consumer it must stall
    // after undici's buffers fill, far below the 2 000 000 frames it would like to send.
    let written = 0;
    let stalled!: () => void;
    const stall = new Promise<void>((resolve) => {
      stalled = resolve;
    });
    handler = (_q, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      const pump = () => {
        while (written < 2_000_000) {
          written++;
          if (!res.write(frame(written))) {
            res.once("drain", pump);
            stalled();
            return;
          }
        }
        res.end();
      };
      pump();
    };
    start();
    const iterator = adapter.stream([{ role: "user", content: "hi" }])[Symbol.asyncIterator]();
    await iterator.next();
    await stall;
    // Give the client every chance to over-read; it must not (we only pulled one chunk).
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(written).toBeLessThan(200_000);
    await iterator.return?.();
    await server.allSocketsClosed();
  });
});

describe("connection reuse and clean completion", () => {
  it("a completed stream leaves its keep-alive socket open for reuse; no timer is left", async () => {
    handler = (_q, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      // The response ends with the done frame: the body is complete when done is decoded.
      res.end(
        `${frame(0)}{"model":"m","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop"}\n`,
      );
    };
    start({ firstChunkMs: 30_000, idleMs: 30_000, totalMs: 60_000 });
    const seen = new Set<unknown>();
    let first: unknown;
    // undici may open a second connection when the next request starts before it has processed
    // the end of the previous response (raw undici request() does the same), so: three streams,
    // at most two sockets, and the first one still open afterwards (it was not destroyed).
    for (let i = 0; i < 3; i++) {
      const types: string[] = [];
      for await (const chunk of adapter.stream([{ role: "user", content: "hi" }]))
        types.push(chunk.type);
      expect(types).toEqual(["content", "done"]);
      for (const socket of server.sockets) seen.add(socket);
      if (i === 0) first = [...server.sockets][0];
    }
    expect(seen.size).toBeLessThanOrEqual(2);
    expect(server.sockets.has(first as never)).toBe(true);
  });

  it("AbortedError keeps the caller's abort reason as its cause", async () => {
    handler = () => {};
    start();
    const controller = new AbortController();
    const reason = new Error("user pressed stop");
    const arrived = server.nextRequest();
    const pending = (async () => {
      for await (const _ of adapter.stream([{ role: "user", content: "hi" }], {
        signal: controller.signal,
      })) {
        // none
      }
    })().catch((e) => e);
    await arrived;
    controller.abort(reason);
    const error = await pending;
    expect(AbortedError.isInstance(error)).toBe(true);
    expect((error as AbortedError).cause).toBe(reason);
    await server.allSocketsClosed();
  });
});
