import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request the server received. */
export interface RecordedRequest {
  method: string;
  /** Path with query. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A `node:http` server on 127.0.0.1 (port 0) that records every request. */
export interface TestServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

type Handler = (request: RecordedRequest, response: ServerResponse) => void | Promise<void>;

/** Starts a loopback server; `handle` answers each request once its body has been read. */
export async function startServer(handle: Handler): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer(async (req, res) => {
    const parts: Buffer[] = [];
    for await (const part of req) parts.push(part as Buffer);
    const request: RecordedRequest = {
      method: req.method ?? "",
      path: req.url ?? "",
      headers: req.headers,
      body: Buffer.concat(parts).toString("utf8"),
    };
    requests.push(request);
    await handle(request, res);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

/** Writes `pieces` one at a time (each after the previous one was handed to the kernel), then ends. */
export async function writePieces(
  response: ServerResponse,
  pieces: readonly Uint8Array[],
): Promise<void> {
  response.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" });
  response.flushHeaders();
  for (const piece of pieces) {
    await new Promise<void>((resolve, reject) =>
      response.write(piece, (error) => (error ? reject(error) : resolve())),
    );
  }
  response.end();
}

/** Answers with a JSON body. */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(JSON.stringify(body));
}

/** A recorded stream from `__fixtures__`, byte for byte. */
export function fixture(name: string): Buffer {
  return readFileSync(new URL(`./__fixtures__/${name}.sse`, import.meta.url));
}

/**
 * `bytes` cut at 1 to 40 random offsets (seeded: the same seed, the same cut). Offsets fall
 * anywhere, inside multi-byte characters too.
 */
export function recut(bytes: Uint8Array, seed: number): Uint8Array[] {
  let state = seed >>> 0;
  const random = () => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const count = 1 + Math.floor(random() * 40);
  const cuts = new Set<number>();
  for (let i = 0; i < count; i++) cuts.add(1 + Math.floor(random() * (bytes.length - 1)));
  const offsets = [0, ...[...cuts].sort((a, b) => a - b), bytes.length];
  const pieces: Uint8Array[] = [];
  for (let i = 1; i < offsets.length; i++) pieces.push(bytes.subarray(offsets[i - 1], offsets[i]));
  return pieces;
}

/** Every chunk of a stream, or the error it threw. */
export async function drain<T>(
  stream: AsyncIterable<T>,
): Promise<{ chunks: T[]; error?: unknown }> {
  const chunks: T[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk);
    return { chunks };
  } catch (error) {
    return { chunks, error };
  }
}
