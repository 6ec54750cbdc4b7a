import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { OllamaAdapter } from "@x/ollama";
import { OpenAIAdapter } from "@x/openai";
import { afterEach } from "vitest";

/** How a replica answers one chat request. */
export type ReplicaAnswer =
  /** The whole answer: first frame after `firstMs`, then one word every `gapMs`. */
  | { kind: "ok"; firstMs?: number; gapMs?: number }
  /** A non-2xx answer. */
  | { kind: "status"; status: number }
  /** `after` words, then the socket is destroyed. */
  | { kind: "cut"; after: number };

/** A loopback model server (OpenAI SSE or Ollama NDJSON) that says its own name. */
export interface Replica {
  readonly name: string;
  readonly origin: string;
  /** What an adapter is given: `origin` + `/v1` for OpenAI. */
  readonly baseUrl: string;
  /** The answer text (it names the replica). */
  readonly text: string;
  /** Chat requests received. */
  chats: number;
  /** Chat requests being answered now, and the most at once. */
  active: number;
  maxActive: number;
  /** Health and model-list endpoints answer 503 when false. */
  healthy: boolean;
  /** What `/api/ps` lists (Ollama). */
  loaded: string[];
  /** `/api/ps` requests received. */
  psRequests: number;
  answer: ReplicaAnswer | ((n: number) => ReplicaAnswer);
  close(): Promise<void>;
}

/** Starts a replica. */
export async function startReplica(options: {
  name: string;
  model: string;
  protocol?: "openai" | "ollama";
  answer?: Replica["answer"];
  loaded?: string[];
}): Promise<Replica> {
  const protocol = options.protocol ?? "openai";
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => void handle(req, res));
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const words = `${options.name} answers: the sky is blue because air scatters blue light.`.match(
    /\S+\s*/g,
  )!;
  const replica: Replica = {
    name: options.name,
    origin,
    baseUrl: protocol === "openai" ? `${origin}/v1` : origin,
    text: words.join(""),
    chats: 0,
    active: 0,
    maxActive: 0,
    healthy: true,
    loaded: options.loaded ?? [],
    psRequests: 0,
    answer: options.answer ?? { kind: "ok" },
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, "close");
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for await (const _ of req); // the body is not needed
    if (req.method === "GET") return answerGet(req.url ?? "", res);
    const n = replica.chats++;
    const answer = typeof replica.answer === "function" ? replica.answer(n) : replica.answer;
    replica.active++;
    replica.maxActive = Math.max(replica.maxActive, replica.active);
    res.on("close", () => replica.active--);
    if (answer.kind === "status") {
      res.writeHead(answer.status, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: `status ${answer.status}` } }));
      return;
    }
    res.writeHead(200, {
      "content-type": protocol === "openai" ? "text/event-stream" : "application/x-ndjson",
    });
    res.flushHeaders();
    const count = answer.kind === "cut" ? answer.after : words.length;
    const firstMs = answer.kind === "ok" ? (answer.firstMs ?? 0) : 0;
    const gapMs = answer.kind === "ok" ? (answer.gapMs ?? 0) : 0;
    for (let i = 0; i < count; i++) {
      await delay(i === 0 ? firstMs : gapMs);
      if (res.destroyed) return;
      res.write(frame(protocol, options.model, words[i]!));
    }
    if (answer.kind === "cut") {
      await delay(5);
      req.socket.destroy();
      return;
    }
    res.end(finish(protocol, options.model));
  }

  function answerGet(path: string, res: ServerResponse): void {
    if (path.startsWith("/api/ps")) replica.psRequests++;
    const body = path.startsWith("/api/ps")
      ? { models: replica.loaded.map((name) => ({ name, model: name })) }
      : path.startsWith("/api/tags")
        ? { models: [{ name: options.model, model: options.model }] }
        : path.startsWith("/api/version")
          ? { version: "0.12.0" }
          : { object: "list", data: [{ id: options.model, object: "model" }] };
    res.writeHead(replica.healthy ? 200 : 503, { "content-type": "application/json" });
    res.end(JSON.stringify(replica.healthy ? body : { error: "unhealthy" }));
  }
  return replica;
}

/** An adapter for `replica` (OpenAI adapters are named by the replica, for readable events). */
export function adapterFor(replica: Replica, model: string): OpenAIAdapter | OllamaAdapter {
  return replica.baseUrl === replica.origin
    ? new OllamaAdapter({ baseUrl: replica.origin, model })
    : new OpenAIAdapter({ baseUrl: replica.baseUrl, model, apiKey: "sk-test" });
}

function frame(protocol: "openai" | "ollama", model: string, content: string): string {
  if (protocol === "ollama") {
    return `${JSON.stringify({ model, message: { role: "assistant", content }, done: false })}\n`;
  }
  const chunk = { id: "c1", object: "chat.completion.chunk", created: 1, model };
  return `data: ${JSON.stringify({ ...chunk, choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
}

function finish(protocol: "openai" | "ollama", model: string): string {
  if (protocol === "ollama") {
    const done = { model, message: { role: "assistant", content: "" }, done: true };
    return `${JSON.stringify({ ...done, done_reason: "stop", prompt_eval_count: 3, eval_count: 9 })}\n`;
  }
  const chunk = { id: "c1", object: "chat.completion.chunk", created: 1, model };
  return (
    `data: ${JSON.stringify({ ...chunk, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] })}\n\n` +
    `data: ${JSON.stringify({ ...chunk, choices: [], usage: { prompt_tokens: 3, completion_tokens: 9, total_tokens: 12 } })}\n\n` +
    "data: [DONE]\n\n"
  );
}

/** What a test file registers (replicas, pools, chains) is closed after each of its tests. */
export function closedAfterEach(): { close(): Promise<void> }[] {
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((o) => o.close()));
  });
  return open;
}

function delay(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}
