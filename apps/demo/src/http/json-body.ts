import type { IncomingMessage, ServerResponse } from "node:http";

/** Largest request body the demo server reads by default (10 MB). */
const MAX_BODY_BYTES = 10_000_000;

/**
 * A request body the server cannot use: over the size limit (413) or not JSON (400). Servers
 * answer with `status`; by then the body has been read to its end, so the connection is clean
 * and stays usable for the client's next request.
 */
export class RequestBodyError extends Error {
  /** The HTTP status to answer with. */
  readonly status: 400 | 413;
  /** A stable code for the error body. */
  readonly code: "request_too_large" | "invalid_json";
  constructor(status: 400 | 413, message: string) {
    super(message);
    this.name = "RequestBodyError";
    this.status = status;
    this.code = status === 413 ? "request_too_large" : "invalid_json";
  }
}

/**
 * Reads a request body as JSON (`{}` when empty). Rejects with {@link RequestBodyError} on
 * invalid JSON or a body over `maxBytes`. An over-limit body is still read to its end (and
 * dropped, never buffered): a server that stops reading mid-body leaves the client's next request
 * on that keep-alive connection stuck behind unread bytes. Node's `requestTimeout` bounds a body
 * that never ends.
 */
export async function readJsonBody(
  req: IncomingMessage,
  maxBytes = MAX_BODY_BYTES,
): Promise<unknown> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of req) {
    const buffer = part as Buffer;
    size += buffer.length;
    if (size <= maxBytes) parts.push(buffer);
    else parts.length = 0;
  }
  if (size > maxBytes) {
    throw new RequestBodyError(413, `request body of ${size} bytes is over ${maxBytes} bytes`);
  }
  const text = Buffer.concat(parts).toString("utf8").trim();
  if (text === "") return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new RequestBodyError(
      400,
      `invalid JSON body: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** Sends `body` as a JSON response (with extra `headers`, e.g. `retry-after`). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}
