import type { IncomingMessage, ServerResponse } from "node:http";
import type { AIAdapter } from "@x/core";
import { isFault } from "../faults/fault-proxy.js";
import { handleGatewayRequest } from "../gateway/openai-gateway.js";
import { readJsonBody, sendJson } from "../http/json-body.js";
import { listen, type RunningServer } from "../http/listen.js";
import type { ChainMonitor } from "./chain-monitor.js";
import { readPageFiles } from "./page-files.js";
import { handleWebChat } from "./web-chat.js";

/** Options for {@link startDemoServer}. */
export interface DemoServerOptions {
  /** Answers every chat (normally a fallback chain). */
  adapter: AIAdapter;
  /** One line shown on the web page ("Ollama + OpenAI", "simulated servers"...). */
  description?: string;
  /** Members' health, breakers and faults for the page's side panel, and per-request chain events. */
  monitor?: ChainMonitor;
  /** Bind address. Default 127.0.0.1. */
  host?: string;
  /** Port. Default: OS-chosen. */
  port?: number;
}

/**
 * The page may run only its own files: no inline script, no other origin. Model output is put
 * into the page as text nodes anyway; this is the second lock on the same door.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

async function setFault(
  req: IncomingMessage,
  res: ServerResponse,
  monitor: ChainMonitor | undefined,
): Promise<void> {
  const body = (await readJsonBody(req)) as {
    member?: unknown;
    fault?: unknown;
    replica?: unknown;
  };
  if (
    !monitor ||
    typeof body.member !== "number" ||
    !isFault(body.fault) ||
    (body.replica !== undefined && typeof body.replica !== "number")
  ) {
    sendJson(res, 400, {
      error: {
        message: "expected {member: number, fault: name, replica?: number}",
        type: "invalid_request_error",
      },
    });
    return;
  }
  const replica = body.replica as number | undefined;
  if (!(await monitor.setFault(body.member, body.fault, replica))) {
    const which =
      replica === undefined
        ? `member ${body.member}`
        : `replica ${replica} of member ${body.member}`;
    sendJson(res, 404, {
      error: { message: `${which} has no fault proxy`, type: "not_found_error" },
    });
    return;
  }
  sendJson(res, 200, monitor.status());
}

/**
 * Starts the `serve` HTTP server: the web chat page at `/` (with its script and style files), its
 * SSE endpoint `POST /api/chat`, `GET /api/info`, the side panel's `GET /api/chain` and
 * `POST /api/faults`, and the OpenAI-compatible gateway under `/v1`. Uses only `node:http`.
 */
export async function startDemoServer(options: DemoServerOptions): Promise<RunningServer> {
  const gateway = { adapter: options.adapter };
  const page = new Map(readPageFiles().map((file) => [file.path, file]));
  const { monitor } = options;
  return listen(
    async (req, res) => {
      const path = new URL(req.url ?? "/", "http://demo").pathname;
      const file = req.method === "GET" ? page.get(path === "/index.html" ? "/" : path) : undefined;
      if (file) {
        res.writeHead(200, {
          "content-type": file.type,
          "content-length": file.body.length,
          "cache-control": "no-store",
          "content-security-policy": CONTENT_SECURITY_POLICY,
          "x-content-type-options": "nosniff",
        });
        res.end(file.body);
        return;
      }
      if (req.method === "POST" && path === "/api/chat")
        return handleWebChat(req, res, options.adapter, monitor);
      if (req.method === "GET" && path === "/api/info") {
        return sendJson(res, 200, {
          provider: options.adapter.provider,
          model: options.adapter.model,
          description:
            options.description ?? `${options.adapter.provider}/${options.adapter.model}`,
        });
      }
      if (req.method === "GET" && path === "/api/chain") {
        return sendJson(
          res,
          200,
          monitor?.status() ?? { mode: "single", members: [], faults: [], recent: [] },
        );
      }
      if (req.method === "POST" && path === "/api/faults") return setFault(req, res, monitor);
      if (await handleGatewayRequest(req, res, gateway)) return;
      sendJson(res, 404, {
        error: { message: `${req.method} ${path} not found`, type: "invalid_request_error" },
      });
    },
    {
      ...(options.host ? { host: options.host } : {}),
      ...(options.port !== undefined ? { port: options.port } : {}),
    },
  );
}
