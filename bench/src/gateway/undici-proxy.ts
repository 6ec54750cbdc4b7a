/**
 * The part both undici reference targets share: a node:http server that reads each request's
 * body, sends it upstream with undici's `request()` (one keep-alive agent) and answers with the
 * upstream's status and `content-type`; `relay` writes the answer's body. The upstream body is
 * destroyed when the client goes away; any failure destroys the response.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Agent, type Dispatcher, request } from "undici";

/** The upstream answer's body as undici gives it. */
export type UpstreamBody = Dispatcher.ResponseData["body"];

/** Writes the upstream answer's body to `res` and ends it. */
export type Relay = (body: UpstreamBody, res: ServerResponse, contentType: string) => Promise<void>;

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** Writes `data`, waiting for the socket to drain when the client reads slowly. */
export async function write(res: ServerResponse, data: string | Uint8Array): Promise<void> {
  if (!res.write(data)) await once(res, "drain");
}

/** Copies the body's bytes as they are. */
export async function copyBytes(body: UpstreamBody, res: ServerResponse): Promise<void> {
  for await (const bytes of body) await write(res, bytes as Uint8Array);
  res.end();
}

/** Serves on a loopback port, relaying every request to `UPSTREAM` through undici. */
export function serveThroughUndici(relay: Relay): void {
  const upstream = process.env.UPSTREAM ?? "";
  const dispatcher = new Agent();
  createServer(async (req, res) => {
    try {
      const body = await readBody(req);
      const answer = await request(`${upstream}${req.url ?? "/"}`, {
        method: (req.method ?? "GET") as Dispatcher.HttpMethod,
        headers: { "content-type": req.headers["content-type"] ?? "application/json" },
        body: body.length > 0 ? body : undefined,
        dispatcher,
      });
      res.on("close", () => answer.body.destroy());
      const contentType = String(answer.headers["content-type"] ?? "application/octet-stream");
      res.writeHead(answer.statusCode, { "content-type": contentType });
      await relay(answer.body, res, contentType);
    } catch {
      res.destroy();
    }
  }).listen(0, "127.0.0.1");
}
