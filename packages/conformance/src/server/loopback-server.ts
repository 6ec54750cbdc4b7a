import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { EncodedStream, HttpAnswer } from "../codec.js";
import { cutPieces, type Delivery } from "./delivery.js";

/** What the server does with a request to one path. */
export type Behavior =
  /** A complete answer (health, model list, an HTTP error). */
  | { kind: "answer"; answer: HttpAnswer }
  /**
   * A streamed answer. `cutAfterBytes` stops writing after that many body bytes. `after` says what
   * happens once the pieces are written: `end` the response (default), `hang` (keep the socket
   * open and silent), `destroy` the socket without the end of the chunked body (FIN), `reset`
   * it (TCP RST), or keep sending `frames` one every `everyMs` for as long as the client listens
   * (keep-alives before a first chunk that never comes; more frames after the terminal one).
   */
  | {
      kind: "stream";
      stream: EncodedStream;
      delivery?: Delivery;
      cutAfterBytes?: number;
      after?: "end" | "hang" | "destroy" | "reset" | { repeat: string[]; everyMs: number };
    }
  /** Accept the request and never answer (the socket stays open until the client gives up). */
  | { kind: "hang" }
  /** Reset the connection (TCP RST) as soon as the request arrived, before any response byte. */
  | { kind: "reset" };

/** One request the server received. */
export interface RecordedRequest {
  /** HTTP method. */
  method: string;
  /** Path with query. */
  path: string;
  /** Request headers (lower-case names). */
  headers: Record<string, string | string[] | undefined>;
  /** The request body as text. */
  body: string;
  /** Id of the server-side socket that carried it (see {@link LoopbackServer.socketClosed}). */
  socketId: number;
}

interface TrackedSocket {
  socket: Socket;
  closed: boolean;
  /** `performance.now()` when the socket closed. */
  closedAt: number | undefined;
  closedPromise: Promise<void>;
  /** Body bytes of streamed answers the kernel took (their write callbacks fired). */
  accepted: number;
  /** All pieces of the streamed answer were written. */
  written: boolean;
  /** Called on every accepted piece and when writing ends. */
  onProgress: (() => void) | undefined;
}

/** How far a streamed answer got: see {@link LoopbackServer.writesSettled}. */
export interface WriteProgress {
  /** Body bytes the kernel took. */
  bytes: number;
  /** Every piece was written (the client read them all, or buffered them). */
  finished: boolean;
}

/**
 * The suite's loopback HTTP server (`node:http` on 127.0.0.1, port 0). Serves what the codec
 * encodes, applies transport faults, records every request and watches every server-side socket so
 * cases can assert that an aborted client really closed its connection.
 */
export class LoopbackServer {
  readonly #server: Server;
  readonly #routes = new Map<string, Behavior>();
  readonly #fallback: Map<string, Behavior>;
  readonly #sockets = new Map<number, TrackedSocket>();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  readonly #waiters: Array<{ path: string | undefined; resolve: (r: RecordedRequest) => void }> =
    [];
  #nextSocketId = 1;
  #closing = false;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[] = [];

  private constructor(defaults: Map<string, Behavior>) {
    this.#fallback = defaults;
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#server.on("connection", (socket: Socket) => {
      const id = this.#nextSocketId++;
      (socket as Socket & { conformanceId?: number }).conformanceId = id;
      socket.setNoDelay(true);
      // Resets and aborted clients are the point of this server: socket errors are expected.
      socket.on("error", () => undefined);
      const tracked: TrackedSocket = {
        socket,
        closed: false,
        accepted: 0,
        written: false,
        onProgress: undefined,
        closedAt: undefined,
        closedPromise: new Promise<void>((resolve) => {
          socket.once("close", () => {
            tracked.closed = true;
            tracked.closedAt = performance.now();
            resolve();
          });
        }),
      };
      this.#sockets.set(id, tracked);
    });
  }

  /** Starts a server on 127.0.0.1 with an ephemeral port. `defaults` answer unrouted paths. */
  static async start(defaults: Record<string, Behavior> = {}): Promise<LoopbackServer> {
    const server = new LoopbackServer(new Map(Object.entries(defaults)));
    server.#server.listen(0, "127.0.0.1");
    await once(server.#server, "listening");
    return server;
  }

  /** A URL on 127.0.0.1 where nothing listens: a port that was bound, then closed. */
  static async refusedOrigin(): Promise<string> {
    const probe = createServer();
    probe.listen(0, "127.0.0.1");
    await once(probe, "listening");
    const { port } = probe.address() as AddressInfo;
    probe.close();
    await once(probe, "close");
    return `http://127.0.0.1:${port}`;
  }

  /** `http://127.0.0.1:<port>`. */
  get origin(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Sets what the server does for `path` (pathname, query ignored). */
  route(path: string, behavior: Behavior): this {
    this.#routes.set(path, behavior);
    return this;
  }

  /** Requests received for `path` (pathname match). */
  requestsTo(path: string): RecordedRequest[] {
    return this.requests.filter((r) => pathname(r.path) === path);
  }

  /** Resolves with the next (or an already received, not yet awaited) request to `path`. */
  nextRequest(path?: string): Promise<RecordedRequest> {
    const seen = path === undefined ? this.requests : this.requestsTo(path);
    const existing = seen[seen.length - 1];
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve) => this.#waiters.push({ path, resolve }));
  }

  /** Resolves once `count` requests to `path` arrived (at once if they have), or after `withinMs`. */
  async waitForRequests(path: string, count: number, withinMs: number): Promise<void> {
    const deadline = performance.now() + withinMs;
    while (this.requestsTo(path).length < count) {
      const left = deadline - performance.now();
      if (left <= 0) return;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.#waiters.push({ path, resolve: () => resolve() })),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, left);
        }),
      ]);
      clearTimeout(timer);
    }
  }

  /** Whether the server-side socket `socketId` has closed. */
  isSocketClosed(socketId: number): boolean {
    return this.#sockets.get(socketId)?.closed ?? false;
  }

  /** When (`performance.now()`) socket `socketId` closed, or `undefined` while it is open. */
  socketClosedAt(socketId: number): number | undefined {
    return this.#sockets.get(socketId)?.closedAt;
  }

  /** Resolves `true` once socket `socketId` closed, `false` if it is still open after `withinMs`. */
  async socketClosed(socketId: number, withinMs: number): Promise<boolean> {
    const tracked = this.#sockets.get(socketId);
    if (!tracked) return false;
    if (tracked.closed) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), withinMs);
    });
    try {
      return await Promise.race([tracked.closedPromise.then(() => true as const), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Waits until the streamed answer on socket `socketId` is fully written, or its writes stop
   * making progress for `quietMs` (the client stopped reading and every buffer on the way is
   * full), and says how many body bytes the kernel took.
   */
  async writesSettled(socketId: number, quietMs: number): Promise<WriteProgress> {
    const tracked = this.#sockets.get(socketId);
    if (!tracked) return { bytes: 0, finished: false };
    for (;;) {
      if (tracked.written || tracked.closed) return { bytes: tracked.accepted, finished: true };
      const before = tracked.accepted;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        tracked.onProgress = resolve;
        timer = setTimeout(resolve, quietMs);
      });
      clearTimeout(timer);
      tracked.onProgress = undefined;
      if (tracked.accepted === before && !tracked.written && !tracked.closed)
        return { bytes: tracked.accepted, finished: false };
    }
  }

  /** Sends a TCP RST on socket `socketId` (a connection reset in the middle of whatever it was doing). */
  resetSocket(socketId: number): void {
    const socket = this.#sockets.get(socketId)?.socket;
    if (socket && !socket.destroyed) socket.resetAndDestroy();
  }

  /** Closes the server and every socket; clears every timer it started. */
  async close(): Promise<void> {
    this.#closing = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const { socket } of this.#sockets.values()) socket.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of req) chunks.push(chunk as Buffer);
    } catch {
      return;
    }
    const socketId = (req.socket as Socket & { conformanceId?: number }).conformanceId ?? 0;
    const record: RecordedRequest = {
      method: req.method ?? "GET",
      path: req.url ?? "/",
      headers: { ...req.headers },
      body: Buffer.concat(chunks).toString("utf8"),
      socketId,
    };
    this.requests.push(record);
    const path = pathname(record.path);
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      const waiter = this.#waiters[i]!;
      if (waiter.path === undefined || waiter.path === path) {
        this.#waiters.splice(i, 1);
        waiter.resolve(record);
      }
    }
    const behavior = this.#routes.get(path) ?? this.#fallback.get(path);
    if (!behavior) {
      res.writeHead(404, { "content-type": "text/plain" }).end(`no route for ${path}`);
      return;
    }
    await this.#apply(behavior, req, res);
  }

  async #apply(behavior: Behavior, req: IncomingMessage, res: ServerResponse): Promise<void> {
    switch (behavior.kind) {
      case "answer":
        res.writeHead(behavior.answer.status, behavior.answer.headers).end(behavior.answer.body);
        return;
      case "hang":
        return;
      case "reset":
        req.socket.resetAndDestroy();
        return;
      case "stream":
        await this.#stream(behavior, req, res);
        return;
    }
  }

  async #stream(
    behavior: Extract<Behavior, { kind: "stream" }>,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const { stream } = behavior;
    const delivery = behavior.delivery ?? { mode: "frames" };
    const tracked = this.#sockets.get(
      (req.socket as Socket & { conformanceId?: number }).conformanceId ?? 0,
    );
    if (tracked) {
      tracked.accepted = 0;
      tracked.written = false;
    }
    res.on("error", () => undefined);
    res.writeHead(stream.status, stream.headers);
    res.flushHeaders();
    const pieces = limitBytes(cutPieces(stream.frames, delivery), behavior.cutAfterBytes);
    for (const piece of pieces) {
      if (this.#closing || res.destroyed) return;
      const ok = await new Promise<boolean>((resolve) => res.write(piece, (e) => resolve(!e)));
      if (ok && tracked) {
        tracked.accepted += piece.length;
        tracked.onProgress?.();
      }
      // Yield to the event loop so the client reads this piece on its own.
      await this.#pause(delivery.mode === "drip" ? delivery.intervalMs : 0);
    }
    if (tracked) {
      tracked.written = true;
      tracked.onProgress?.();
    }
    if (this.#closing || res.destroyed) return;
    const after = behavior.after ?? "end";
    if (after === "end") res.end();
    else if (after === "destroy") res.socket?.destroy();
    else if (after === "reset") res.socket?.resetAndDestroy();
    else if (after !== "hang") await this.#repeat(res, after.repeat, after.everyMs);
  }

  /** Writes `frames` one every `everyMs`, round and round, until the client goes away. */
  async #repeat(res: ServerResponse, frames: string[], everyMs: number): Promise<void> {
    if (frames.length === 0) return;
    for (let i = 0; ; i++) {
      await this.#pause(everyMs);
      if (this.#closing || res.destroyed) return;
      res.write(frames[i % frames.length]!);
    }
  }

  #pause(ms: number): Promise<void> {
    if (ms <= 0) return new Promise((resolve) => setImmediate(resolve));
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        resolve();
      }, ms);
      this.#timers.add(timer);
    });
  }
}

/** The first `limit` bytes of `pieces` (all of them when `limit` is undefined). */
function limitBytes(pieces: Buffer[], limit: number | undefined): Buffer[] {
  if (limit === undefined) return pieces;
  const out: Buffer[] = [];
  let left = limit;
  for (const piece of pieces) {
    if (left <= 0) break;
    out.push(piece.length <= left ? piece : piece.subarray(0, left));
    left -= piece.length;
  }
  return out;
}

function pathname(path: string): string {
  const q = path.indexOf("?");
  return q === -1 ? path : path.slice(0, q);
}
