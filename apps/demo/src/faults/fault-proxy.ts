import {
  createServer,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { sendJson } from "../http/json-body.js";

/**
 * How a member is broken on demand (the same names as the simulators' faults).
 *
 * - `none`: requests pass through untouched.
 * - `refuse`: the proxy stops listening, so a connect gets ECONNREFUSED (a stopped server).
 * - `hang`: a chat request is accepted and never answered (a model load that never ends).
 * - `die-mid-stream`: a chat answer is forwarded for a few frames, then the connection drops.
 * - `http-503`: a chat request is answered 503 "server busy".
 *
 * Only `refuse` touches health checks and model lists: the other faults hit chat requests
 * (`POST`), as a broken model runner does while its server still answers `/api/version`.
 */
export type Fault = "none" | "refuse" | "hang" | "die-mid-stream" | "http-503";

/** Every {@link Fault}, in the order the page shows them. */
export const FAULTS: readonly Fault[] = ["none", "refuse", "hang", "die-mid-stream", "http-503"];

/** True when `value` names a {@link Fault}. */
export function isFault(value: unknown): value is Fault {
  return typeof value === "string" && (FAULTS as readonly string[]).includes(value);
}

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /** The real server: `http(s)://host:port` (a path, query or credentials are ignored here). */
  target: string;
  /** Fault to start with. Default `none`. */
  fault?: Fault;
  /**
   * Frames (NDJSON lines, or SSE events) forwarded before `die-mid-stream` drops the connection.
   * Default 12: past a chain's default commit point (100 characters or 200 ms), so the page shows
   * the visible restart; a death inside that window falls back with nothing shown.
   */
  dieAfterFrames?: number;
  /** Address to bind. Default 127.0.0.1. */
  host?: string;
  /** Called for each request with the fault it gets (lets tests wait on the event). */
  onRequest?: (fault: Fault, method: string) => void;
}

/** A running fault proxy. */
export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: point the adapter here instead of at the target. */
  readonly url: string;
  /** The origin requests are forwarded to. */
  readonly target: string;
  /** The fault applied to new requests. */
  readonly fault: Fault;
  /** Changes the fault for requests from now on (`refuse` closes the port, leaving it reopens it). */
  setFault(fault: Fault): Promise<void>;
  /** Stops listening and drops every connection, upstream ones included. */
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!HOP_BY_HOP.has(name) && value !== undefined) out[name] = value;
  }
  return out;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * Counts frame ends in a byte stream: every newline for NDJSON, a blank line for SSE (`\r` is
 * ignored, so `\r\n\r\n` counts too). Returns the offset just after the `remaining`-th frame end
 * in `bytes`, or -1 when the chunk holds fewer; `state` carries "the last byte ended a line" over
 * chunk boundaries.
 */
function frameCut(
  bytes: Uint8Array,
  blankLine: boolean,
  state: { frames: number; lineEnded: boolean },
  limit: number,
): number {
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index];
    if (byte === CARRIAGE_RETURN) continue;
    if (byte !== NEWLINE) {
      state.lineEnded = false;
      continue;
    }
    if (blankLine && !state.lineEnded) {
      state.lineEnded = true; // one line ended; an SSE event ends at the blank line after it
      continue;
    }
    state.lineEnded = false;
    state.frames++;
    if (state.frames >= limit) return index + 1;
  }
  return -1;
}

/**
 * Starts a small reverse proxy on loopback in front of a real (or simulated) model server, whose
 * fault can be switched while it runs. Used by `serve` so the page's fault buttons break a member
 * for real: the adapters see refused connections, silence, dropped streams and 503s, exactly as
 * they would from a failing server.
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  const secure = target.protocol === "https:";
  const send = secure ? httpsRequest : httpRequest;
  const agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const dieAfterFrames = Math.max(1, options.dieAfterFrames ?? 12);
  const host = options.host ?? "127.0.0.1";
  let fault: Fault = options.fault ?? "none";
  let closed = false;
  const sockets = new Set<Socket>();

  const forward = (req: IncomingMessage, res: ServerResponse, cutAfter: number | undefined) => {
    const upstream = send({
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: { ...withoutHopByHop(req.headers), host: target.host },
      agent,
    });
    // The target refused or reset: the client sees its own connection drop, as it would have.
    upstream.on("error", () => res.destroy());
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    upstream.on("response", (answer) => {
      res.writeHead(answer.statusCode ?? 502, withoutHopByHop(answer.headers));
      if (cutAfter === undefined) {
        answer.pipe(res);
        return;
      }
      const blankLine = /event-stream/i.test(String(answer.headers["content-type"] ?? ""));
      const state = { frames: 0, lineEnded: false };
      let dying = false;
      answer.on("data", (bytes: Buffer) => {
        if (dying) return;
        const cut = frameCut(bytes, blankLine, state, cutAfter);
        if (cut < 0) {
          if (!res.write(bytes)) {
            answer.pause();
            res.once("drain", () => answer.resume());
          }
          return;
        }
        // Like a runner that crashed: the frames so far arrive, then the connection is reset.
        dying = true;
        res.write(bytes.subarray(0, cut), () => res.destroy());
        answer.destroy();
      });
      answer.on("end", () => res.end());
      answer.on("error", () => res.destroy());
    });
    req.pipe(upstream);
  };

  const server = createServer((req, res) => {
    const now = fault;
    const chat = req.method === "POST";
    options.onRequest?.(now, req.method ?? "GET");
    if (now === "refuse") {
      // A request on a connection opened before the port closed.
      req.socket.destroy();
      return;
    }
    if (chat && now === "hang") {
      req.resume(); // read the body, never answer; close() or the client ends it
      return;
    }
    if (chat && now === "http-503") {
      req.resume();
      sendJson(res, 503, {
        error: {
          message: "server busy (injected by the x-demo fault proxy)",
          type: "server_error",
          param: null,
          code: null,
        },
      });
      return;
    }
    forward(req, res, chat && now === "die-mid-stream" ? dieAfterFrames : undefined);
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });

  const startListening = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) {
        for (const socket of sockets) socket.destroy();
        resolve();
        return;
      }
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });

  const port = await startListening(0);
  if (fault === "refuse") await stopListening();
  const urlHost = host.includes(":") ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}`,
    target: target.origin,
    get fault() {
      return fault;
    },
    async setFault(next: Fault) {
      if (closed || next === fault) return;
      const previous = fault;
      fault = next;
      if (next === "refuse") await stopListening();
      // The port was ours a moment ago; on loopback nothing else takes it in between in practice,
      // and if something did, the error says so.
      else if (previous === "refuse") await startListening(port);
    },
    async close() {
      if (closed) return;
      closed = true;
      await stopListening();
      agent.destroy();
    },
  };
}
