import { type BreakerStore, type SharedBreakerState, STORE_DEFAULTS } from "@x/orchestrator";
import { createClient } from "redis";
import { type BreakerScript, CLOSE_BREAKER, GET_BREAKER, OPEN_BREAKER } from "./breaker-scripts.js";

/**
 * The part of a node-redis client the store uses: `createClient()`'s and `createCluster()`'s
 * clients both have it (a cluster routes each call by its key).
 */
export interface RedisScriptClient {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  evalSha(sha1: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/** Options for {@link createRedisStore}. */
export interface RedisStoreOptions {
  /**
   * The server, e.g. `redis://:password@cache:6379/0` or `rediss://...` for TLS. Default: the
   * `REDIS_URL` environment variable, else `redis://127.0.0.1:6379`. Ignored with `client`.
   */
  url?: string;
  /**
   * A connected client of your own (`createClient()` or `createCluster()` from `redis`), e.g. one
   * your app already has. The store never connects or closes it; give it `disableOfflineQueue:
   * true` so calls fail at once while it is disconnected instead of queueing.
   */
  client?: RedisScriptClient;
  /**
   * Prepended to every key. Default `"x:"`. A member's key is
   * `<prefix>{breakers}:<member id>`: the `{breakers}` hash tag puts every key of the store in one
   * Redis Cluster slot.
   */
  prefix?: string;
  /**
   * How long the orchestrator waits for one call before it goes on on local state (and how long
   * the store's own client lets a command wait for its reply). Default 250 ms.
   */
  timeoutMs?: number;
  /** How stale a process's view of a member may get while requests use it. Default 250 ms. */
  refreshMs?: number;
  /** A member's key expires this long after its last change. Default 24 hours. */
  keyTtlMs?: number;
}

/** A {@link BreakerStore} on Redis. */
export interface RedisStore extends BreakerStore {
  /** The Redis key a member's breaker is kept under. */
  keyOf(id: string): string;
  /** Closes the store's own connection (a `client` you passed is left open). Idempotent. */
  close(): Promise<void>;
}

const DEFAULT_URL = "redis://127.0.0.1:6379";
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A breaker store on Redis for `createFallbackChain(members, { store })` and `createPool(replicas,
 * { store })`: when one process opens a member's breaker, every process using the same Redis and
 * prefix skips that member soon after, since each re-reads a member in the background at most
 * every `refreshMs` while it asks for permits (the delay also includes the request in flight when
 * a read is due, and the read). Every change is one Lua script (atomic); times come from the
 * Redis server's clock. The store's own client connects on first use, fails calls at once while
 * disconnected (no offline queue), gives up on a reply after `timeoutMs`, and reconnects in the
 * background; the orchestrator meanwhile runs on each process's own state and reports
 * `store-unavailable`. Call `close()` when done.
 *
 * @example
 * const store = createRedisStore({ url: process.env.REDIS_URL });
 * const chain = createFallbackChain([local, hosted], { store });
 * // ...
 * await chain.close?.();
 * await store.close();
 */
export function createRedisStore(options: RedisStoreOptions = {}): RedisStore {
  const timeoutMs = positive("timeoutMs", options.timeoutMs) ?? STORE_DEFAULTS.timeoutMs;
  const refreshMs = positive("refreshMs", options.refreshMs) ?? STORE_DEFAULTS.refreshMs;
  const keyTtlMs = String(positive("keyTtlMs", options.keyTtlMs) ?? DAY_MS);
  const prefix = options.prefix ?? "x:";
  if (typeof prefix !== "string") throw new TypeError("createRedisStore: prefix must be a string");
  const connection =
    options.client === undefined
      ? new OwnedClient(options.url ?? process.env.REDIS_URL ?? DEFAULT_URL, timeoutMs)
      : undefined;
  const keyOf = (id: string) => `${prefix}{breakers}:${id}`;

  async function run(
    script: BreakerScript,
    id: string,
    args: string[],
    signal: AbortSignal,
  ): Promise<SharedBreakerState | undefined> {
    const client = options.client ?? (await connection!.ready(signal));
    const call = { keys: [keyOf(id)], arguments: args };
    let reply: unknown;
    try {
      reply = await client.evalSha(script.sha1, call);
    } catch (error) {
      // The server does not have the script cached yet (a restart, a failover): send it once.
      if (!(error instanceof Error && error.message.startsWith("NOSCRIPT"))) throw error;
      reply = await client.eval(script.source, call);
    }
    return toState(reply);
  }

  return {
    timeoutMs,
    refreshMs,
    keyOf,
    getBreaker: (id, signal) => run(GET_BREAKER, id, [], signal),
    async openBreaker(id, cooldownMs, signal) {
      const state = await run(OPEN_BREAKER, id, [String(Math.ceil(cooldownMs)), keyTtlMs], signal);
      if (state === undefined) throw new Error("redis: the open script answered nothing");
      return state;
    },
    closeBreaker: (id, generation, signal) =>
      run(CLOSE_BREAKER, id, [String(generation), keyTtlMs], signal),
    close: async () => connection?.close(),
  };
}

/** The store's own client: connected on first use, closed by `close()`. */
class OwnedClient {
  readonly #client: ReturnType<typeof createClient>;
  #connecting: Promise<unknown> | undefined;
  #closed = false;

  constructor(url: string, timeoutMs: number) {
    this.#client = createClient({
      url,
      // A call while disconnected fails at once (the orchestrator backs off) instead of waiting.
      disableOfflineQueue: true,
      // A reply slower than this rejects, even after the command was sent (a hung server).
      commandOptions: { timeout: timeoutMs, rejectInFlight: true },
      socket: {
        connectTimeout: Math.max(1_000, timeoutMs),
        reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 2_000),
      },
    });
    // Failures reach the caller through the calls; an unheard 'error' event would crash the process.
    this.#client.on("error", () => {});
  }

  /** The client once connected; rejects when `signal` aborts first or it is disconnected. */
  async ready(signal: AbortSignal): Promise<RedisScriptClient> {
    if (this.#closed) throw new Error("redis: the store is closed");
    if (!this.#client.isReady) {
      // connect() keeps retrying until it connects; a later disconnect fails calls at once.
      this.#connecting ??= this.#client.connect().catch(() => {});
      await untilAborted(this.#connecting, signal);
    }
    return this.#client;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#client.isReady) {
      await this.#client.close().catch(() => this.#client.destroy());
    } else if (this.#client.isOpen) {
      this.#client.destroy();
    }
  }
}

/** `promise`, or a rejection as soon as `signal` aborts. */
function untilAborted(promise: Promise<unknown>, signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

function toState(reply: unknown): SharedBreakerState | undefined {
  if (reply === null || reply === undefined) return undefined;
  if (!Array.isArray(reply) || reply.length !== 3) {
    throw new Error("redis: unexpected reply from a breaker script");
  }
  const [generation, state, remainingMs] = reply as unknown[];
  return {
    generation: Number(generation),
    state: state === "open" ? "open" : "closed",
    remainingMs: Number(remainingMs),
  };
}

function positive(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`createRedisStore: ${name} must be a positive number of milliseconds`);
  }
  return value;
}
