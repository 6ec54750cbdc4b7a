/**
 * A reference, not a goal: the floor's pass-through with undici as its client. Per request it
 * reads the body, sends it upstream with undici's `request()` (one keep-alive agent), and copies
 * the answer's bytes back with `for await` over undici's body. No parsing: what undici's
 * transport alone costs over the bare node:http floor.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage } from "node:http";
import { Agent, type Dispatcher, request } from "undici";

const upstream = process.env.UPSTREAM ?? "";
const dispatcher = new Agent();

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

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
    res.writeHead(answer.statusCode, {
      "content-type": String(answer.headers["content-type"] ?? "application/octet-stream"),
    });
    for await (const bytes of answer.body) if (!res.write(bytes)) await once(res, "drain");
    res.end();
  } catch {
    res.destroy();
  }
}).listen(0, "127.0.0.1");
