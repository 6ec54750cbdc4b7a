import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { toOpenAIError } from "../gateway/to-openai-error.js";
import { RequestBodyError, sendJson } from "./json-body.js";

/** A started loopback HTTP server. */
export interface RunningServer {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  readonly url: string;
  /** The bound port. */
  readonly port: number;
  /** Stops listening and destroys every open connection (hanging requests included). */
  close(): Promise<void>;
}

/**
 * A request handler; may be async. A rejection answers 500, or a {@link RequestBodyError} (400,
 * 413) the handler let through in OpenAI's error envelope with its `code`.
 */
export type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/**
 * Starts `handler` on `host` (default 127.0.0.1) and an OS-chosen port unless `port` is given.
 * `close()` also ends keep-alive and hanging sockets, so nothing outlives it.
 */
export function listen(
  handler: Handler,
  options: { host?: string; port?: number } = {},
): Promise<RunningServer> {
  const host = options.host ?? "127.0.0.1";
  const server = createServer((req, res) => {
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((error: unknown) => {
        if (res.headersSent) {
          res.destroy();
        } else if (error instanceof RequestBodyError) {
          // OpenAI's envelope, exactly as the gateway answers it, on every route of every server.
          const answer = toOpenAIError(error);
          sendJson(res, answer.status, answer.body);
        } else {
          res.writeHead(500, { "content-type": "application/json" });
          res.end(
            JSON.stringify({ error: error instanceof Error ? error.message : String(error) }),
          );
        }
      });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      const { port } = server.address() as AddressInfo;
      const urlHost = host.includes(":") ? `[${host}]` : host;
      resolve({
        url: `http://${urlHost}:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
