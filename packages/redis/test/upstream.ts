import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { OpenAIAdapter } from "@x/openai";

/** A loopback OpenAI-compatible model server that answers its name, or 503 while `failing`. */
export interface Upstream {
  readonly baseUrl: string;
  readonly text: string;
  /** 503 for chats and health checks while true. */
  failing: boolean;
  /** A new adapter for it (id `openai:m@<baseUrl>` in a chain). */
  adapter(): OpenAIAdapter;
  close(): Promise<void>;
}

/** Starts an upstream on a free loopback port. */
export async function startUpstream(name: string): Promise<Upstream> {
  const sockets = new Set<Socket>();
  const text = `${name} says hello`;
  const adapters: OpenAIAdapter[] = [];
  const server: Server = createServer(async (req, res) => {
    for await (const _ of req); // the body is not needed
    if (upstream.failing) {
      res.writeHead(503, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: "overloaded" } }));
      return;
    }
    if (req.method === "GET") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ object: "list", data: [{ id: "m", object: "model" }] }));
      return;
    }
    const frame = (body: unknown) => `data: ${JSON.stringify(body)}\n\n`;
    const base = { id: "c", object: "chat.completion.chunk", created: 1, model: "m" };
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.end(
      frame({ ...base, choices: [{ index: 0, delta: { content: text }, finish_reason: null }] }) +
        frame({ ...base, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] }) +
        "data: [DONE]\n\n",
    );
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  const upstream: Upstream = {
    baseUrl,
    text,
    failing: false,
    adapter() {
      const adapter = new OpenAIAdapter({ baseUrl, model: "m", apiKey: "sk-test" });
      adapters.push(adapter);
      return adapter;
    },
    async close() {
      await Promise.all(adapters.map((a) => a.close()));
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, "close");
    },
  };
  return upstream;
}
