import type { IncomingMessage, ServerResponse } from "node:http";
import {
  type AIAdapter,
  type Message,
  type StreamOptions,
  sseErrorEvent,
  type ToolCall,
} from "@x/core";
import { DEMO_TOOLS, runDemoTool } from "../commands/demo-tools.js";
import { abortOnClientGone, writeWithBackPressure } from "../gateway/sse-writer.js";
import { readJsonBody, sendJson } from "../http/json-body.js";
import type { ChainMonitor, WebChainEvent } from "./chain-monitor.js";

/** Tool rounds per question before the server stops asking the model again (as in `chat`). */
const MAX_TOOL_ROUNDS = 4;

/** What the page posts to `/api/chat`. */
export interface PageChatRequest {
  /** The conversation in our own `Message` shape, ending with the user's question. */
  messages: Message[];
  /** Offer the demo tools (`get_weather`, `get_time`) and run the calls on the server. */
  tools: boolean;
  /** Ask for reasoning. */
  think: boolean;
}

/** A request body the page should never send: answered 400. */
class PageRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PageRequestError";
  }
}

const ROLES = new Set(["system", "user", "assistant", "tool"]);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseToolCall(value: unknown, where: string): ToolCall {
  if (
    !isObject(value) ||
    typeof value.id !== "string" ||
    typeof value.name !== "string" ||
    !isObject(value.arguments)
  ) {
    throw new PageRequestError(`${where}: a tool call needs id, name and an arguments object`);
  }
  return { id: value.id, name: value.name, arguments: value.arguments };
}

function parseMessage(value: unknown, index: number): Message {
  const where = `messages[${index}]`;
  if (!isObject(value) || typeof value.role !== "string" || !ROLES.has(value.role))
    throw new PageRequestError(`${where}: role must be system, user, assistant or tool`);
  if (typeof value.content !== "string")
    throw new PageRequestError(`${where}: content must be a string`);
  const message: Message = { role: value.role as Message["role"], content: value.content };
  if (value.toolCalls !== undefined) {
    if (!Array.isArray(value.toolCalls))
      throw new PageRequestError(`${where}: toolCalls must be an array`);
    message.toolCalls = value.toolCalls.map((call, n) =>
      parseToolCall(call, `${where}.toolCalls[${n}]`),
    );
  }
  if (typeof value.toolCallId === "string") message.toolCallId = value.toolCallId;
  if (typeof value.name === "string") message.name = value.name;
  return message;
}

/** Checks the page's request body (our `Message` shape plus two switches). */
function parsePageChatRequest(body: unknown): PageChatRequest {
  if (!isObject(body) || !Array.isArray(body.messages) || body.messages.length === 0)
    throw new PageRequestError("messages must be a non-empty array");
  return {
    messages: body.messages.map(parseMessage),
    tools: body.tools === true,
    think: body.think === true,
  };
}

/**
 * `POST /api/chat`: streams one answer to the page as server-sent events.
 *
 * - `data: <StreamChunk JSON>` for every chunk, as `toSSE()` encodes them (without `raw`);
 * - `event: chain` with a {@link WebChainEvent} for every orchestrator event this request caused
 *   (attempts, failures, fallbacks, breaker changes), in order with the chunks;
 * - `event: tool` with `{ id, name, content }` after the server ran a demo tool call; the next
 *   tool round's chunks follow (a `done` with finish reason `tool_calls` ends each round);
 * - `event: error` with the error's JSON when the answer failed; the stream then ends.
 */
export async function handleWebChat(
  req: IncomingMessage,
  res: ServerResponse,
  adapter: AIAdapter,
  monitor: ChainMonitor | undefined,
): Promise<void> {
  let request: PageChatRequest;
  try {
    request = parsePageChatRequest(await readJsonBody(req));
  } catch (error) {
    // A body over the limit or not JSON (RequestBodyError): listen() answers it.
    if (!(error instanceof PageRequestError)) throw error;
    sendJson(res, 400, { error: { message: error.message, type: "invalid_request_error" } });
    return;
  }
  const { signal, release } = abortOnClientGone(res);
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
  });
  // Proxies close a silent connection; a model may think (or hang, on purpose) for a while.
  const keepAlive = setInterval(() => {
    if (!res.writableEnded) res.write(": keep-alive\n\n");
  }, 15_000);
  const onChainEvent = (event: WebChainEvent) => {
    if (!res.writableEnded && !res.destroyed)
      res.write(`event: chain\ndata: ${JSON.stringify(event)}\n\n`);
  };
  try {
    const run = () => streamRounds(res, adapter, request, signal);
    await (monitor ? monitor.run(onChainEvent, run) : run());
  } finally {
    clearInterval(keepAlive);
    release();
  }
}

async function streamRounds(
  res: ServerResponse,
  adapter: AIAdapter,
  request: PageChatRequest,
  signal: AbortSignal,
): Promise<void> {
  const history = [...request.messages];
  const options: StreamOptions = { signal };
  if (request.tools) options.tools = DEMO_TOOLS;
  if (request.think) options.think = true;
  try {
    for (let round = 0; round < MAX_TOOL_ROUNDS; round++) {
      let content = "";
      let toolCalls: ToolCall[] = [];
      for await (const chunk of adapter.stream(history, options)) {
        if (chunk.type === "content") content += chunk.content;
        else if (chunk.type === "tool_calls") toolCalls = [...toolCalls, ...chunk.toolCalls];
        else if (chunk.type === "reset") {
          content = "";
          toolCalls = [];
        }
        const { raw: _raw, ...shown } = chunk as typeof chunk & { raw?: unknown };
        if (!(await writeWithBackPressure(res, `data: ${JSON.stringify(shown)}\n\n`))) return;
      }
      if (!request.tools || toolCalls.length === 0) break;
      history.push({ role: "assistant", content, toolCalls });
      for (const call of toolCalls) {
        const result = runDemoTool(call);
        history.push({ role: "tool", content: result, toolCallId: call.id, name: call.name });
        const event = { id: call.id, name: call.name, content: result };
        if (!(await writeWithBackPressure(res, `event: tool\ndata: ${JSON.stringify(event)}\n\n`)))
          return;
      }
    }
    res.end();
  } catch (error) {
    if (signal.aborted) return; // the page pressed Stop: nobody is listening
    res.end(sseErrorEvent(error));
  }
}
