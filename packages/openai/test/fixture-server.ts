import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { fileURLToPath } from "node:url";

/** One answer the server gives to one request. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** Write the body in pieces of this many bytes (default: one write). */
  pieceSize?: number;
  /** Send headers, write this many body bytes, then stay silent until the client leaves. */
  hangAfter?: number;
  /** Never send headers (a model still loading, a stuck proxy). */
  noHeaders?: boolean;
  /** Writes the answer itself (status, headers and body are then ignored). */
  script?: (res: ServerResponse) => void;
}

/** A request the server received. */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
  /** The client port of the connection it came on (same port: same connection reused). */
  clientPort: number;
}

const FIXTURES = fileURLToPath(new URL("../src/__fixtures__/", import.meta.url));

/** Reads a fixture's bytes. */
export function fixture(name: string): Buffer {
  return readFileSync(FIXTURES + name);
}

/** A 200 `text/event-stream` answer with the fixture's bytes as body. */
export function sse(name: string, extra: Partial<Answer> = {}): Answer {
  return {
    status: 200,
    headers: { "content-type": "text/event-stream" },
    body: fixture(name),
    ...extra,
  };
}

/** Parses a recorded `HTTP/1.1 ...` response (status line, headers, blank line, body). */
export function httpAnswer(name: string): Answer {
  const raw = fixture(name);
  let split = raw.indexOf("\r\n\r\n");
  let sep = 4;
  if (split === -1) {
    split = raw.indexOf("\n\n");
    sep = 2;
  }
  const head = raw.subarray(0, split).toString("utf8").split(/\r?\n/);
  const status = Number(head[0]!.split(" ")[1]);
  const headers: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).trim().toLowerCase();
    // Node frames the body itself.
    if (name === "transfer-encoding" || name === "content-length") continue;
    headers[name] = line.slice(colon + 1).trim();
  }
  return { status, headers, body: raw.subarray(split + sep) };
}

/** A loopback server that answers requests from a queue and records what it receives. */
export class FixtureServer {
  readonly requests: ReceivedRequest[] = [];
  readonly #answers: Answer[] = [];
  #lastAnswer: Answer | undefined;
  readonly #sockets = new Set<Socket>();
  readonly #closedWaiters: Array<() => void> = [];
  #server: Server | undefined;
  /** Sockets closed so far. */
  closedSockets = 0;

  /** Queues answers for the next requests (the last one given repeats when the queue is empty). */
  answer(...answers: Answer[]): this {
    this.#answers.push(...answers);
    return this;
  }

  get url(): string {
    const address = this.#server?.address() as AddressInfo;
    return `http://127.0.0.1:${address.port}`;
  }

  /** Open sockets right now. */
  get openSockets(): number {
    return this.#sockets.size;
  }

  async start(): Promise<this> {
    this.#server = createServer((req, res) => this.#handle(req, res));
    this.#server.on("connection", (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on("close", () => {
        this.#sockets.delete(socket);
        this.closedSockets++;
        for (const waiter of this.#closedWaiters.splice(0)) waiter();
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, "127.0.0.1", resolve));
    return this;
  }

  /** Resolves once no socket is open. */
  async allSocketsClosed(): Promise<void> {
    while (this.#sockets.size > 0) {
      await new Promise<void>((resolve) => this.#closedWaiters.push(resolve));
    }
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      this.requests.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        clientPort: req.socket.remotePort ?? 0,
      });
      const answer = this.#answers.shift() ?? this.#lastAnswer;
      this.#lastAnswer = answer;
      if (!answer) {
        res.writeHead(500).end("no answer queued");
        return;
      }
      if (answer.noHeaders) return;
      if (answer.script) {
        answer.script(res);
        return;
      }
      res.writeHead(answer.status, answer.headers);
      if (answer.hangAfter !== undefined) {
        res.write(answer.body.subarray(0, answer.hangAfter));
        return;
      }
      const size = answer.pieceSize ?? answer.body.length;
      if (size >= answer.body.length) {
        res.end(answer.body);
        return;
      }
      for (let offset = 0; offset < answer.body.length; offset += size) {
        res.write(answer.body.subarray(offset, offset + size));
      }
      res.end();
    });
  }
}
