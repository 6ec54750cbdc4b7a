import type { IncomingMessage, ServerResponse } from "node:http";
import { type AIAdapter, type Message, toSSE } from "@x/core";
import { handleGatewayRequest } from "../gateway/openai-gateway.js";
import { parseOpenAIRequest } from "../gateway/parse-openai-request.js";
import { abortOnClientGone, writeWithBackPressure } from "../gateway/sse-writer.js";
import { toOpenAIError } from "../gateway/to-openai-error.js";
import { readJsonBody, sendJson } from "../http/json-body.js";
import { listen, type RunningServer } from "../http/listen.js";
import { CHAT_PAGE } from "./chat-page.js";

/** Options for {@link startDemoServer}. */
export interface DemoServerOptions {
  /** Answers every chat (normally a fallback chain). */
  adapter: AIAdapter;
  /** Models listed by `GET /v1/models`. Default: the adapter's `listModels()`. */
  models?: () => Promise<string[]>;
  /** One line shown on the web page ("Ollama + OpenAI", "simulated servers"...). */
  description?: string;
  /** Bind address. Default 127.0.0.1. */
  host?: string;
  /** Port. Default: OS-chosen. */
  port?: number;
}

async function webChat(
  req: IncomingMessage,
  res: ServerResponse,
  adapter: AIAdapter,
): Promise<void> {
  let messages: Message[];
  try {
    // The page sends our own Message shape, which is a subset of OpenAI's, so one parser serves.
    messages = parseOpenAIRequest(await readJsonBody(req)).messages;
  } catch (error) {
    const answer = toOpenAIError(error);
    sendJson(res, answer.status, answer.body);
    return;
  }
  const { signal, release } = abortOnClientGone(res);
  const body = toSSE(adapter.stream(messages, { signal }), { keepAliveMs: 15_000 });
  const reader = body.getReader();
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
  });
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (!(await writeWithBackPressure(res, decoder.decode(value, { stream: true })))) return;
    }
    res.end();
  } finally {
    release();
    await reader.cancel().catch(() => {});
  }
}

/**
 * Starts the `serve` HTTP server: the web chat page at `/`, its SSE endpoint `POST /api/chat`,
 * `GET /api/info`, and the OpenAI-compatible gateway under `/v1`. Uses only `node:http`.
 */
export function startDemoServer(options: DemoServerOptions): Promise<RunningServer> {
  const gateway = {
    adapter: options.adapter,
    ...(options.models ? { models: options.models } : {}),
  };
  return listen(
    async (req, res) => {
      const path = new URL(req.url ?? "/", "http://demo").pathname;
      if (req.method === "GET" && (path === "/" || path === "/index.html")) {
        res.writeHead(200, {
          "content-type": "text/html; charset=utf-8",
          "cache-control": "no-store",
        });
        res.end(CHAT_PAGE);
        return;
      }
      if (req.method === "POST" && path === "/api/chat") return webChat(req, res, options.adapter);
      if (req.method === "GET" && path === "/api/info") {
        return sendJson(res, 200, {
          provider: options.adapter.provider,
          model: options.adapter.model,
          description:
            options.description ?? `${options.adapter.provider}/${options.adapter.model}`,
        });
      }
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
