/**
 * Child process of the pool bench: several OpenAI-compatible loopback replicas of one model,
 * each generating at most `slots` answers at once and queueing the rest in arrival order (as
 * Ollama does beyond OLLAMA_NUM_PARALLEL and llama.cpp beyond --parallel). An answer is its first
 * content frame after `firstMs`, then one frame every `gapMs`, then finish, usage and [DONE].
 *
 * Argument: JSON `ReplicaSpec[]`. Messages: `{ type: "listening", ports }` once listening; on
 * `{ type: "stop" }` it exits.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** One replica's speed and capacity. */
export interface ReplicaSpec {
  firstMs: number;
  gapMs: number;
  chunks: number;
  slots: number;
}

const specs = JSON.parse(process.argv[2] ?? "[]") as ReplicaSpec[];
const sockets = new Set<Socket>();

const base = { id: "c", object: "chat.completion.chunk", created: 1, model: "bench-model" };
const frame = (body: unknown) => `data: ${JSON.stringify(body)}\n\n`;
const CONTENT = frame({
  ...base,
  choices: [{ index: 0, delta: { content: "token " }, finish_reason: null }],
});
const END =
  frame({ ...base, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] }) +
  frame({
    ...base,
    choices: [],
    usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
  }) +
  "data: [DONE]\n\n";
const MODELS = JSON.stringify({ object: "list", data: [{ id: "bench-model", object: "model" }] });

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A counting semaphore with a FIFO queue: the replica's generation slots. */
function slotsOf(capacity: number) {
  let free = capacity;
  const queue: (() => void)[] = [];
  return {
    async take(): Promise<void> {
      if (free > 0) {
        free--;
        return;
      }
      await new Promise<void>((resolve) => queue.push(resolve));
    },
    give(): void {
      const next = queue.shift();
      if (next) next();
      else free++;
    },
  };
}

async function answer(
  i: number,
  req: IncomingMessage,
  res: ServerResponse,
  slots: ReturnType<typeof slotsOf>,
) {
  for await (const _ of req); // the request body is not needed
  if (req.method === "GET") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(MODELS);
    return;
  }
  const spec = specs[i]!;
  // Headers at once (as OpenAI-compatible servers send them), the answer when a slot is free.
  res.writeHead(200, { "content-type": "text/event-stream" });
  res.flushHeaders();
  await slots.take();
  try {
    await sleep(spec.firstMs);
    for (let c = 0; c < spec.chunks && !res.destroyed; c++) {
      if (c > 0) await sleep(spec.gapMs);
      res.write(CONTENT);
    }
    if (!res.destroyed) res.end(END);
  } finally {
    slots.give();
  }
}

const servers = specs.map((spec, i) => {
  const slots = slotsOf(spec.slots);
  const server = createServer((req, res) => void answer(i, req, res, slots));
  server.keepAliveTimeout = 60_000;
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.listen(0, "127.0.0.1");
  return server;
});
await Promise.all(servers.map((s) => once(s, "listening")));
process.send?.({ type: "listening", ports: servers.map((s) => (s.address() as AddressInfo).port) });

process.on("message", (message: { type: string }) => {
  if (message.type === "stop") {
    for (const socket of sockets) socket.destroy();
    for (const server of servers) server.close();
    process.disconnect();
  }
});
