/**
 * The loopback server, run in its own child process (so it never shares an event loop with the
 * client being measured). It listens on 127.0.0.1 port 0 and reports, over IPC, its port, the port
 * of a "hung" server that accepts connections and never answers, and a port that refuses
 * connections.
 *
 * Routes: `POST /api/chat` (Ollama NDJSON), `POST /v1/chat/completions` (OpenAI SSE),
 * `POST /v1/messages` (Anthropic Messages SSE: message_start, content_block_start, one
 * content_block_delta per token, content_block_stop, message_delta, message_stop),
 * `GET /api/version`, `GET /api/tags`, `GET /v1/models`. The response size and write mode come
 * from the requested model name (`bench-<n>-<bulk|frame>`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { parseModelName, type ResponseSpec } from "../protocol/model-name.js";
import { type RenderedResponse, renderResponse, type WireFormat } from "../protocol/render.js";

/** Sent to the parent once every listener is up. */
export interface ServerReadyMessage {
  type: "ready";
  port: number;
  hungPort: number;
  refusedPort: number;
}

const rendered = new Map<string, RenderedResponse>();
let connections = 0;
const CORRUPT = process.env.BENCH_CORRUPT === "1";

function getRendered(format: WireFormat, model: string): RenderedResponse {
  const key = `${format}:${model}`;
  let value = rendered.get(key);
  if (!value) {
    value = renderResponse(format, model);
    rendered.set(key, value);
  }
  return value;
}

function drain(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

async function writeResponse(
  res: ServerResponse,
  format: WireFormat,
  model: string,
  requested: ResponseSpec,
): Promise<void> {
  const r = getRendered(format, model);
  // `--corrupt` (harness self-check): drop the last content chunk, so every client must fail
  // verification and the run must exit non-zero.
  const spec = CORRUPT && requested.n > 1 ? { ...requested, n: requested.n - 1 } : requested;
  res.writeHead(200, {
    "content-type": format === "ndjson" ? "application/x-ndjson" : "text/event-stream",
    "cache-control": "no-cache",
  });
  const write = async (buffer: Buffer): Promise<boolean> => {
    if (res.destroyed) return false;
    if (!res.write(buffer)) await drain(res);
    return !res.destroyed;
  };
  if (spec.mode === "frame") {
    if (r.head.length > 0 && !(await write(r.head))) return;
    const count = r.frames.length;
    for (let i = 0; i < spec.n; i++) {
      if (!(await write(r.frames[i % count]!))) return;
    }
    if (!(await write(r.tail(spec.n)))) return;
  } else {
    const blocks = Math.floor(spec.n / r.blockFrames);
    const restFrames: Buffer[] = [];
    for (let i = 0; i < spec.n % r.blockFrames; i++)
      restFrames.push(r.frames[i % r.frames.length]!);
    const restBuffer = Buffer.concat(restFrames);
    if (blocks === 0) {
      if (!(await write(Buffer.concat([r.head, restBuffer, r.tail(spec.n)])))) return;
    } else {
      if (r.head.length > 0 && !(await write(r.head))) return;
      for (let b = 0; b < blocks; b++) {
        if (!(await write(r.block))) return;
      }
      if (!(await write(Buffer.concat([restBuffer, r.tail(spec.n)])))) return;
    }
  }
  res.end();
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts).toString("utf8");
}

/** The streaming routes and the wire format each answers in. */
const FORMAT_OF_PATH = new Map<string, WireFormat>([
  ["/api/chat", "ndjson"],
  ["/v1/chat/completions", "sse"],
  ["/v1/messages", "anthropic"],
]);

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? "/").split("?")[0];
  if (req.method === "GET") {
    if (path === "/api/version") return sendJson(res, 200, { version: "0.12.6" });
    // Diagnostics: how many TCP connections clients opened (keep-alive reuse check).
    if (path === "/bench/connections") return sendJson(res, 200, { connections });
    if (path === "/api/tags")
      return sendJson(res, 200, { models: [{ name: "bench", model: "bench" }] });
    if (path === "/v1/models") {
      return sendJson(res, 200, {
        object: "list",
        data: [{ id: "bench", object: "model", created: 0, owned_by: "bench" }],
      });
    }
    return sendJson(res, 404, { error: "not found" });
  }
  const format = path === undefined ? undefined : FORMAT_OF_PATH.get(path);
  const body = await readBody(req);
  if (!format) return sendJson(res, 404, { error: "not found" });
  let model: unknown;
  try {
    model = (JSON.parse(body) as { model?: unknown }).model;
  } catch {
    return sendJson(res, 400, { error: "bad json" });
  }
  const spec = parseModelName(model);
  if (!spec) return sendJson(res, 404, { error: `model "${String(model)}" not found` });
  await writeResponse(res, format, model as string, spec);
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

async function reserveRefusedPort(): Promise<number> {
  const probe = createServer();
  const port = await listen(probe);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

async function main(): Promise<void> {
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      process.stderr.write(`bench server: ${String(error)}\n`);
      res.destroy();
    });
  });
  // No idle or request timeouts: a slow client (the AI SDK buffers a whole 200,000-chunk response
  // and digests it for seconds) must never find its keep-alive socket closed under it. Every
  // connection is closed explicitly at shutdown.
  server.on("connection", () => {
    connections++;
  });
  server.keepAliveTimeout = 0;
  server.requestTimeout = 0;
  // Accepts every connection and never answers: the "hung server" for healthCheck timings.
  const hungSockets = new Set<Socket>();
  const hung = createServer(() => {});
  hung.on("connection", (socket) => {
    hungSockets.add(socket);
    socket.on("close", () => hungSockets.delete(socket));
  });
  const port = await listen(server);
  const hungPort = await listen(hung);
  const refusedPort = await reserveRefusedPort();
  const ready: ServerReadyMessage = { type: "ready", port, hungPort, refusedPort };
  process.send?.(ready);
  process.on("message", (message: { type?: string }) => {
    if (message.type !== "close") return;
    for (const socket of hungSockets) socket.destroy();
    server.closeAllConnections();
    hung.closeAllConnections();
    server.close();
    hung.close();
    process.disconnect?.();
  });
  process.on("disconnect", () => process.exit(0));
}

main().catch((error: unknown) => {
  process.stderr.write(`bench server failed: ${String(error)}\n`);
  process.exit(1);
});
