import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { type AIAdapter, collect, type StreamChunk } from "@x/core";
import { readJsonBody, sendJson } from "../http/json-body.js";
import { GatewayRequestError, parseOpenAIRequest } from "./parse-openai-request.js";
import { routableModels, routeModel } from "./route-model.js";
import { abortOnClientGone, writeWithBackPressure } from "./sse-writer.js";
import {
  createChunkTranslator,
  type ResponseIdentity,
  toOpenAICompletion,
} from "./to-openai-chunks.js";
import { toOpenAIError } from "./to-openai-error.js";

/** What the gateway routes to. */
export interface GatewayOptions {
  /**
   * The adapter (normally a fallback chain) that answers requests for its own `model` name or a
   * chain alias; a chain's members answer requests for their own model names (see
   * {@link routeModel}).
   */
  adapter: AIAdapter;
}

function sendError(res: ServerResponse, error: unknown): void {
  const answer = toOpenAIError(error);
  sendJson(res, answer.status, answer.body, answer.headers);
}

async function streamAnswer(
  res: ServerResponse,
  iterator: AsyncIterator<StreamChunk>,
  identity: ResponseIdentity,
  includeUsage: boolean,
): Promise<void> {
  // Pull the first chunk before sending headers: a chain that fails before any output (every
  // adapter down) becomes a proper HTTP error the client's retry logic understands.
  let next: IteratorResult<StreamChunk>;
  try {
    next = await iterator.next();
  } catch (error) {
    sendError(res, error);
    return;
  }
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
  });
  const translate = createChunkTranslator(identity, { includeUsage });
  let first = true;
  try {
    while (!next.done) {
      // One write per chunk received; a slow reader (write() false) slows the upstream down.
      let events = "";
      for (const chunk of translate(next.value)) events += `data: ${JSON.stringify(chunk)}\n\n`;
      if (next.value.type === "done") events += "data: [DONE]\n\n";
      if (!(await writeWithBackPressure(res, events))) return;
      if (first) {
        // node:http corks the socket on a write until the next tick, and the chunks decoded from
        // one upstream read all arrive within a tick: without this the first token would wait
        // for the whole burst to be translated. Later chunks of a burst still share one write.
        first = false;
        res.socket?.uncork();
      }
      next = await iterator.next();
    }
    res.end();
  } catch (error) {
    // After headers, OpenAI itself reports an error as a `data: {"error": ...}` event and ends
    // the stream without [DONE]; openai-node turns that into an APIError.
    if (!res.destroyed) res.end(`data: ${JSON.stringify(toOpenAIError(error).body)}\n\n`);
  }
}

/** The adapter for `model`, or a 400 (no model) / 404 `model_not_found` request error. */
function pickAdapter(adapter: AIAdapter, model: string): AIAdapter {
  if (model === "") throw new GatewayRequestError("you must provide a model parameter", "model");
  const routed = routeModel(adapter, model);
  if (routed) return routed;
  throw new GatewayRequestError(
    `The model '${model}' is not served by this gateway (GET /v1/models lists the names it serves)`,
    "model",
    { status: 404, code: "model_not_found" },
  );
}

async function completions(
  req: IncomingMessage,
  res: ServerResponse,
  options: GatewayOptions,
): Promise<void> {
  let parsed: ReturnType<typeof parseOpenAIRequest>;
  let adapter: AIAdapter;
  try {
    parsed = parseOpenAIRequest(await readJsonBody(req));
    adapter = pickAdapter(options.adapter, parsed.model);
  } catch (error) {
    sendError(res, error);
    return;
  }
  const identity: ResponseIdentity = {
    id: `chatcmpl-${randomUUID().replaceAll("-", "").slice(0, 24)}`,
    created: Math.floor(Date.now() / 1000),
    model: parsed.model,
  };
  const { signal, release } = abortOnClientGone(res);
  const stream = adapter.stream(parsed.messages, { ...parsed.options, signal });
  const iterator = stream[Symbol.asyncIterator]();
  try {
    if (parsed.stream) {
      await streamAnswer(res, iterator, identity, parsed.includeUsage);
    } else {
      const resets: Array<{ reason: string; provider: string }> = [];
      const tapped: AsyncIterable<StreamChunk> = {
        [Symbol.asyncIterator]: () => ({
          next: async () => {
            const result = await iterator.next();
            if (!result.done && result.value.type === "reset") {
              resets.push({ reason: result.value.reason, provider: result.value.provider });
            }
            return result;
          },
        }),
      };
      try {
        sendJson(res, 200, toOpenAICompletion(identity, await collect(tapped), resets));
      } catch (error) {
        sendError(res, error);
      }
    }
  } finally {
    release();
    // Stops the upstream request when we left early (client gone, write failed).
    await Promise.resolve(iterator.return?.()).catch(() => {});
  }
}

/**
 * Handles the OpenAI-compatible routes: `POST /v1/chat/completions` (streaming and not) and
 * `GET /v1/models`. Resolves `true` when it answered the request, `false` for other paths.
 */
export async function handleGatewayRequest(
  req: IncomingMessage,
  res: ServerResponse,
  options: GatewayOptions,
): Promise<boolean> {
  const path = new URL(req.url ?? "/", "http://gateway").pathname.replace(/\/+$/, "");
  if (path === "/v1/chat/completions" && req.method === "POST") {
    await completions(req, res, options);
    return true;
  }
  if (path === "/v1/models" && req.method === "GET") {
    // Exactly the names the gateway routes, not what the upstream has installed.
    sendJson(res, 200, {
      object: "list",
      data: routableModels(options.adapter).map((id) => ({
        id,
        object: "model",
        created: 0,
        owned_by: "x-demo",
      })),
    });
    return true;
  }
  return false;
}
