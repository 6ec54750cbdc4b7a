import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * How one chat request is answered (or not). OpenAI SSE unless the server speaks Ollama NDJSON.
 * `text` is split into words, one content frame each, `gapMs` apart.
 */
export type Fault =
  /** The whole answer, finish frame, usage frame and `[DONE]`. */
  | { kind: "ok"; text?: string; firstMs?: number; gapMs?: number }
  /** A non-2xx answer. */
  | { kind: "status"; status: number; headers?: Record<string, string>; body?: unknown }
  /** The socket is destroyed before any response (a reset before headers). */
  | { kind: "reset" }
  /** Accepts the request and never answers (no headers). */
  | { kind: "silent" }
  /** Headers at once, then the answer's first frame only after `firstMs`. */
  | { kind: "slow-first"; firstMs: number; text?: string }
  /** `after` content frames, then the socket is destroyed. */
  | { kind: "cut"; after: number; text?: string; gapMs?: number }
  /** `after` content frames, then silence with the connection open. */
  | { kind: "stall"; after: number; text?: string; gapMs?: number }
  /** `after` content frames, then a frame that is not JSON. */
  | { kind: "malformed"; after: number; text?: string; gapMs?: number }
  /** The answer without `[DONE]`: with its finish frame or without, then the body ends. */
  | { kind: "no-done"; finish: boolean; text?: string }
  /** `after` content frames, then an in-stream error event. */
  | { kind: "error-frame"; after: number; text?: string }
  /** A 200 answer the provider's filter stopped: `finish_reason: "content_filter"`. */
  | { kind: "filtered"; text?: string };

/** One request the server received. */
export interface SeenRequest {
  path: string;
  /** The JSON body of a chat request. */
  body: { messages?: { role: string; content: string }[]; [key: string]: unknown } | undefined;
  /** When it arrived (epoch ms). */
  at: number;
  /** Resolves when its connection or response closed. */
  closed: Promise<void>;
}

/** A loopback server that answers chat requests as told. */
export interface FaultServer {
  /** `http://127.0.0.1:port` (+ `/v1` for OpenAI adapters). */
  readonly origin: string;
  readonly baseUrl: string;
  /** Chat requests received, in order. */
  readonly chats: SeenRequest[];
  /** Health requests received. */
  readonly healthChecks: SeenRequest[];
  /** How the next chat request is answered: a fault, or a function of the request number. */
  answer: Fault | ((n: number, request: SeenRequest) => Fault);
  /** Health endpoint: 200 when true, 503 otherwise. */
  healthy: boolean;
  /** The answer text of an `ok` fault without `text`. */
  readonly text: string;
  close(): Promise<void>;
}

/** Words of `text`, each keeping its trailing space. */
export function words(text: string): string[] {
  return text.match(/\S+\s*/g) ?? [];
}

/** Starts a fault server for `model` speaking `protocol`; its default answer is `text`. */
export async function faultServer(options: {
  model: string;
  text: string;
  protocol?: "openai" | "ollama";
  answer?: FaultServer["answer"];
}): Promise<FaultServer> {
  const protocol = options.protocol ?? "openai";
  const server: Server = createServer((req, res) => void handle(req, res));
  const sockets = new Set<import("node:net").Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  const state: FaultServer = {
    origin,
    baseUrl: protocol === "openai" ? `${origin}/v1` : origin,
    chats: [],
    healthChecks: [],
    answer: options.answer ?? { kind: "ok" },
    healthy: true,
    text: options.text,
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, "close");
    },
  };
  const enc = protocol === "openai" ? openaiFrames(options.model) : ollamaFrames(options.model);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const closed = new Promise<void>((resolve) => {
      res.on("close", () => resolve());
    });
    const raw = await readBody(req);
    const path = req.url ?? "";
    const seen: SeenRequest = { path, body: parse(raw), at: Date.now(), closed };
    if (req.method === "GET") {
      state.healthChecks.push(seen);
      res.writeHead(state.healthy ? 200 : 503, { "content-type": "application/json" });
      res.end(
        protocol === "openai"
          ? JSON.stringify({ object: "list", data: [{ id: options.model, object: "model" }] })
          : JSON.stringify({ version: "0.12.0" }),
      );
      return;
    }
    state.chats.push(seen);
    const fault =
      typeof state.answer === "function"
        ? state.answer(state.chats.length - 1, seen)
        : state.answer;
    await play(fault, req, res, options.text);
  }

  async function play(fault: Fault, req: IncomingMessage, res: ServerResponse, text: string) {
    const alive = () => !res.destroyed && !req.socket.destroyed;
    const stream = (frames: string[], gapMs = 0) => writeAll(res, frames, gapMs, alive);
    switch (fault.kind) {
      case "status":
        res.writeHead(fault.status, { "content-type": "application/json", ...fault.headers });
        res.end(JSON.stringify(fault.body ?? { error: { message: `status ${fault.status}` } }));
        return;
      case "reset":
        req.socket.destroy();
        return;
      case "silent":
        return; // the connection stays open until the client gives up
      default:
        break;
    }
    res.writeHead(200, { "content-type": enc.contentType });
    res.flushHeaders();
    const all = words(("text" in fault && fault.text) || text);
    switch (fault.kind) {
      case "ok":
        await sleep(fault.firstMs ?? 0);
        await stream(all.map(enc.content), fault.gapMs);
        if (alive()) res.end(enc.finish("stop") + enc.end());
        return;
      case "slow-first":
        await sleep(fault.firstMs);
        await stream(all.map(enc.content));
        if (alive()) res.end(enc.finish("stop") + enc.end());
        return;
      case "cut":
        await stream(all.slice(0, fault.after).map(enc.content), fault.gapMs);
        await sleep(5);
        req.socket.destroy();
        return;
      case "stall":
        await stream(all.slice(0, fault.after).map(enc.content), fault.gapMs);
        return; // silence, connection open
      case "malformed":
        await stream(all.slice(0, fault.after).map(enc.content), fault.gapMs);
        if (alive()) res.end(enc.malformed());
        return;
      case "no-done":
        await stream(all.map(enc.content));
        if (alive()) res.end(fault.finish ? enc.finish("stop") : "");
        return;
      case "error-frame":
        await stream(all.slice(0, fault.after).map(enc.content));
        if (alive()) res.end(enc.error("the model crashed"));
        return;
      case "filtered":
        await stream(all.slice(0, 1).map(enc.content));
        if (alive()) res.end(enc.finish("content_filter") + enc.end());
        return;
    }
  }
  return state;
}

interface Frames {
  contentType: string;
  content(text: string): string;
  finish(reason: string): string;
  end(): string;
  malformed(): string;
  error(message: string): string;
}

function openaiFrames(model: string): Frames {
  const frame = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model, choices, ...extra })}\n\n`;
  return {
    contentType: "text/event-stream",
    content: (content) => frame([{ index: 0, delta: { content }, finish_reason: null }]),
    finish: (reason) =>
      frame([{ index: 0, delta: {}, finish_reason: reason }]) +
      frame([], { usage: { prompt_tokens: 7, completion_tokens: 5, total_tokens: 12 } }),
    end: () => "data: [DONE]\n\n",
    malformed: () => 'data: {"id":"c1","choices":[{"delta":{"content":"x"\n\n',
    error: (message) => `data: ${JSON.stringify({ error: { message, type: "server_error" } })}\n\n`,
  };
}

function ollamaFrames(model: string): Frames {
  const line = (message: string, done: Record<string, unknown> | undefined) =>
    `${JSON.stringify({
      model,
      created_at: "2026-12-01T00:00:00Z",
      message: { role: "assistant", content: message },
      done: done !== undefined,
      ...done,
    })}\n`;
  return {
    contentType: "application/x-ndjson",
    content: (content) => line(content, undefined),
    finish: (reason) =>
      line("", {
        done_reason: reason,
        prompt_eval_count: 7,
        eval_count: 5,
        eval_duration: 1_000_000,
      }),
    end: () => "",
    malformed: () => '{"model": "x", "message": {\n',
    error: (message) => `${JSON.stringify({ error: message })}\n`,
  };
}

async function writeAll(
  res: ServerResponse,
  frames: string[],
  gapMs: number | undefined,
  alive: () => boolean,
): Promise<void> {
  for (const frame of frames) {
    if (!alive()) return;
    if (gapMs) await sleep(gapMs);
    if (!res.write(frame)) await Promise.race([once(res, "drain"), once(res, "close")]);
  }
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}

async function readBody(req: IncomingMessage): Promise<string> {
  let raw = "";
  req.setEncoding("utf8");
  for await (const part of req) raw += part;
  return raw;
}

function parse(raw: string): SeenRequest["body"] {
  try {
    return raw ? (JSON.parse(raw) as SeenRequest["body"]) : undefined;
  } catch {
    return undefined;
  }
}
