/**
 * Preloaded (`node --import`) into every gateway process of the bench, ours, the floor's and
 * Portkey's alike:
 * - a server that listens without a host listens on 127.0.0.1 only (Portkey's does);
 * - a connection to anything but loopback fails at once (no gateway talks to the outside);
 * - the first HTTP server's port is reported to the parent, and `{ type: "cpu" }` is answered
 *   with `process.cpuUsage()`, so every gateway's CPU is measured the same way, in itself;
 * - with `BENCH_COPY_FETCH_HEADERS=1` (Portkey only), `fetch()` answers carry a mutable copy of
 *   their headers. Portkey 1.15.2 appends to the upstream response's headers, and
 *   @hono/node-server 1.19 hands it fetch's own, immutable, Headers: every streaming request
 *   fails with `TypeError: immutable` on Node 20 without this (one Headers copy per request).
 */
import { Server, Socket } from "node:net";
import type { CpuMessage, ListeningMessage } from "./protocol.js";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "::ffff:127.0.0.1"]);

const listen = Server.prototype.listen;
Server.prototype.listen = function (this: Server, ...args: unknown[]) {
  const [first, second] = args;
  if (typeof first === "number" && (second === undefined || typeof second === "function")) {
    args.splice(1, second === undefined ? 1 : 0, "127.0.0.1");
  } else if (
    typeof first === "object" &&
    first !== null &&
    !("host" in first) &&
    !("path" in first)
  ) {
    args[0] = { ...first, host: "127.0.0.1" };
  }
  // One keep-alive policy for every gateway (Node's default closes idle sockets after 5 s,
  // racing the client's reuse of them between rounds).
  if ("keepAliveTimeout" in this) (this as { keepAliveTimeout: number }).keepAliveTimeout = 65_000;
  this.once("listening", () => {
    const address = this.address();
    if (reported || typeof address !== "object" || address === null) return;
    reported = true;
    const message: ListeningMessage = { type: "listening", port: address.port };
    process.send?.(message);
  });
  return (listen as (...a: unknown[]) => Server).apply(this, args);
} as typeof Server.prototype.listen;
let reported = false;

const connect = Socket.prototype.connect;
Socket.prototype.connect = function (this: Socket, ...args: unknown[]) {
  const [first, second] = args;
  // `net.connect()` hands over its normalized arguments as one array.
  const given = Array.isArray(first) ? first[0] : first;
  const options =
    typeof given === "object" && given !== null
      ? (given as { host?: string; path?: string })
      : undefined;
  const host = options ? options.host : typeof second === "string" ? second : "localhost";
  if (!options?.path && host !== undefined && !LOOPBACK.has(host)) {
    throw new Error(`bench guard: connection to ${host} refused (loopback only)`);
  }
  return (connect as (...a: unknown[]) => Socket).apply(this, args);
} as typeof Socket.prototype.connect;

if (process.env.BENCH_COPY_FETCH_HEADERS === "1") {
  const fetchOriginal = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const answer = await fetchOriginal(input, init);
    // `Response` is looked up now: @hono/node-server has replaced the global by then.
    return new Response(answer.body, {
      status: answer.status,
      statusText: answer.statusText,
      headers: new Headers(answer.headers),
    });
  };
}

process.on("message", (message: { type?: string }) => {
  // A normal exit, so that `--cpu-prof` writes its profile.
  if (message.type === "exit") process.exit(0);
  if (message.type !== "cpu") return;
  const usage = process.cpuUsage();
  const reply: CpuMessage = { type: "cpu", user: usage.user, system: usage.system };
  process.send?.(reply);
});
// The parent's IPC channel must not keep a finished gateway alive, nor end it early.
process.channel?.unref();
