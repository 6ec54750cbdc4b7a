import type { IncomingMessage, ServerResponse } from "node:http";

/** Reads a request body as JSON (`{}` when empty). Rejects on invalid JSON or over `maxBytes`. */
export async function readJsonBody(req: IncomingMessage, maxBytes = 10_000_000): Promise<unknown> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of req) {
    const buffer = part as Buffer;
    size += buffer.length;
    if (size > maxBytes) throw new RangeError(`Request body over ${maxBytes} bytes`);
    parts.push(buffer);
  }
  const text = Buffer.concat(parts).toString("utf8").trim();
  return text === "" ? {} : (JSON.parse(text) as unknown);
}

/** Sends `body` as a JSON response. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}
