import { EventEmitter, once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** A request the loopback server received. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

export type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  recorded: RecordedRequest,
) => void | Promise<void>;

/** A node:http server on 127.0.0.1:0 that records requests and tracks its sockets. */
export interface Loopback {
  url: string;
  requests: RecordedRequest[];
  /** Open sockets right now. */
  sockets: Set<Socket>;
  /** Resolves once no socket is open (the client closed or the server destroyed them). */
  allSocketsClosed(): Promise<void>;
  /** Resolves when the next request arrives (its body fully read). */
  nextRequest(): Promise<RecordedRequest>;
  close(): Promise<void>;
}

export async function startServer(handler: Handler): Promise<Loopback> {
  const events = new EventEmitter();
  const sockets = new Set<Socket>();
  const requests: RecordedRequest[] = [];
  const server = createServer(async (req, res) => {
    const parts: Buffer[] = [];
    for await (const part of req) parts.push(part as Buffer);
    const recorded: RecordedRequest = {
      method: req.method ?? "",
      url: req.url ?? "",
      headers: req.headers,
      body: Buffer.concat(parts).toString("utf8"),
    };
    requests.push(recorded);
    events.emit("request", recorded);
    await handler(req, res, recorded);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => {
      sockets.delete(socket);
      events.emit("socket-close");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    sockets,
    async allSocketsClosed() {
      while (sockets.size > 0) await once(events, "socket-close");
    },
    async nextRequest() {
      const [recorded] = await once(events, "request");
      return recorded as RecordedRequest;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, "close");
    },
  };
}

const FIXTURES = new URL("../src/__fixtures__/", import.meta.url);

/** A fixture's exact bytes. */
export function fixture(name: string): Buffer {
  return readFileSync(new URL(name, FIXTURES));
}

/**
 * Writes an NDJSON fixture byte-exact as a chunked 200 (one write per line, as Ollama flushes
 * each frame), then ends the response.
 */
export function serveNdjson(res: ServerResponse, name: string): void {
  const bytes = fixture(name);
  res.writeHead(200, { "content-type": "application/x-ndjson" });
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(10, start);
    end = end === -1 ? bytes.length : end + 1;
    res.write(bytes.subarray(start, end));
    start = end;
  }
  res.end();
}

/** Writes a JSON fixture byte-exact with a status (Ollama's error bodies have no newline). */
export function serveJson(res: ServerResponse, status: number, name: string): void {
  const bytes = fixture(name);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": String(bytes.length),
  });
  res.end(bytes);
}

/** Active `Timeout` resources (leaked timers). */
export function activeTimeouts(): number {
  return process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
}
