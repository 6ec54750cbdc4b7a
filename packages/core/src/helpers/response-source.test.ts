import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Agent } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { ResponseSource, readResponseText } from "./response-source.js";

let server: Server | undefined;
let agent: Agent | undefined;
const sockets = new Set<Socket>();

afterEach(async () => {
  await agent?.close();
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = agent = undefined;
});

async function serve(handler: (res: ServerResponse) => void): Promise<{
  origin: string;
  connections: () => number;
  closed: () => Promise<void>;
}> {
  let count = 0;
  server = createServer((_req, res) => handler(res));
  server.on("connection", (socket) => {
    count++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  agent = new Agent();
  return {
    origin: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`,
    connections: () => count,
    closed: async () => {
      while (sockets.size > 0) await new Promise((r) => setTimeout(r, 5));
    },
  };
}

function send(origin: string): ResponseSource {
  const source = new ResponseSource();
  source.dispatch(agent!, { origin, path: "/", method: "POST", body: "{}" });
  return source;
}

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("ResponseSource", () => {
  it("hands out every byte in order, then undefined, and leaves the connection for reuse", async () => {
    const s = await serve((res) => {
      res.write("abc");
      setTimeout(() => res.end("def"), 5);
    });
    for (let i = 0; i < 2; i++) {
      const source = send(s.origin);
      await source.headersReceived();
      expect(source.status).toBe(200);
      let text = "";
      for (let b = await source.read(); b !== undefined; b = await source.read()) {
        text += Buffer.from(b).toString();
      }
      expect(text).toBe("abcdef");
      expect(source.complete).toBe(true);
      source.release(); // a no-op after completion: the connection stays for reuse
      // undici marks the connection free again on the next setImmediate.
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(s.connections()).toBe(1);
  });

  it("hands out everything queued since the last read() as one chunk", async () => {
    const s = await serve((res) => {
      res.write("a");
      setTimeout(() => res.write("b"), 10);
      setTimeout(() => res.end("c"), 20);
    });
    const source = send(s.origin);
    await source.headersReceived();
    await tick(100);
    expect(Buffer.from((await source.read())!).toString()).toBe("abc");
    expect(await source.read()).toBeUndefined();
  });

  it("pauses the socket while the consumer holds data (back-pressure reaches the server)", async () => {
    const block = Buffer.alloc(64 * 1024, 0x61);
    let written = 0;
    let finished = false;
    const s = await serve((res) => {
      const pump = () => {
        while (written < 64 * 1024 * 1024) {
          written += block.length;
          if (!res.write(block)) {
            res.once("drain", pump);
            return;
          }
        }
        finished = true;
        res.end();
      };
      pump();
    });
    const source = send(s.origin);
    await source.headersReceived();
    await source.read();
    await tick(300);
    // Without pausing, undici would read all 64 MiB into the queue and the server would finish.
    expect(finished).toBe(false);
    expect(written).toBeLessThan(48 * 1024 * 1024);
    source.abort(new Error("done"));
    await s.closed();
  });

  it("delivers the bytes received before a reset, then rejects", async () => {
    const s = await serve((res) => {
      res.write("partial");
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const source = send(s.origin);
    await source.headersReceived();
    expect(Buffer.from((await source.read())!).toString()).toBe("partial");
    await expect(source.read()).rejects.toBeInstanceOf(Error);
  });

  it("abort() before headers rejects at once with the reason and closes the socket", async () => {
    const s = await serve(() => {}); // never answers
    const source = send(s.origin);
    const headers = source.headersReceived();
    await tick(20);
    const reason = new Error("cancelled");
    source.abort(reason);
    await expect(headers).rejects.toBe(reason);
    await s.closed();
  });

  it("abort() before the request reaches a socket still rejects at once", async () => {
    const s = await serve(() => {});
    const source = send(s.origin);
    const reason = new Error("cancelled early");
    source.abort(reason); // synchronously after dispatch: not connected yet
    await expect(source.headersReceived()).rejects.toBe(reason);
    await s.closed();
  });

  it("release() aborts an incomplete response (socket closed) and rejects a pending read", async () => {
    const s = await serve((res) => res.write("part")); // never ends
    const source = send(s.origin);
    await source.headersReceived();
    await source.read();
    const pending = source.read();
    source.release();
    await expect(pending).rejects.toBeInstanceOf(Error);
    await s.closed();
  });

  it("readResponseText() stops at the limit and aborts the rest", async () => {
    const s = await serve((res) => {
      res.statusCode = 500;
      res.write("x".repeat(10_000));
      // never ends
    });
    const source = send(s.origin);
    await source.headersReceived();
    expect(source.status).toBe(500);
    const text = await readResponseText(source, 100);
    expect(text.length).toBeGreaterThanOrEqual(100);
    await s.closed();
  });

  it("a refused connection rejects headersReceived()", async () => {
    const probe = await serve(() => {});
    const origin = probe.origin;
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    const source = send(origin);
    await expect(source.headersReceived()).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });
});
