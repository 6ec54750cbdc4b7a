import { LoopbackServer } from "@x/conformance/core";
import { AbortedError, InvalidRequestError } from "@x/core";
import { describe, expect, it } from "vitest";
import {
  AllAdaptersFailedError,
  createFallbackChain,
  createPool,
  type OrchestratorEvent,
  type ReplicaServedEvent,
} from "../src/index.js";
import { drain, pollUntil, recorder, USER, visibleText } from "./helpers.js";
import { adapterFor, closedAfterEach, type Replica, startReplica } from "./pool-replicas.js";

const MODEL = "m";
const open = closedAfterEach();

async function replicas(
  n: number,
  answer: Replica["answer"] = { kind: "ok" },
  protocol: "openai" | "ollama" = "openai",
): Promise<Replica[]> {
  const started = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      startReplica({ name: `r${i}`, model: MODEL, answer, protocol }),
    ),
  );
  open.push(...started);
  return started;
}

/** A pool over `servers`, closed after the test. */
function poolOf(servers: Replica[], options: Parameters<typeof createPool>[1] = {}) {
  const pool = createPool(
    servers.map((s) => adapterFor(s, MODEL)),
    options,
  );
  open.push(pool as { close(): Promise<void> });
  return pool;
}

function served(events: OrchestratorEvent[]): ReplicaServedEvent[] {
  return events.filter((e): e is ReplicaServedEvent => e.type === "replica-served");
}

describe("strategies", () => {
  it("least-in-flight spreads streams started together evenly and reports who served", async () => {
    const servers = await replicas(4, { kind: "ok", gapMs: 2 });
    const log = recorder();
    const pool = poolOf(servers, { onEvent: log.onEvent });
    const results = await Promise.all(Array.from({ length: 40 }, () => drain(pool.stream(USER))));
    for (const r of results) expect(r.error).toBeUndefined();
    expect(servers.map((s) => s.chats)).toEqual([10, 10, 10, 10]);
    const events = served(log.events);
    expect(events).toHaveLength(40);
    for (const [i, s] of servers.entries()) {
      const mine = events.filter((e) => e.adapter.index === i);
      expect(mine).toHaveLength(10);
      expect(mine[0]).toMatchObject({
        id: `openai:${MODEL}@${s.baseUrl}`,
        strategy: "least-in-flight",
        rank: 1,
      });
    }
    // Each answer is whole and from one replica.
    const texts = new Set(results.map((r) => visibleText(r.chunks)));
    expect(texts).toEqual(new Set(servers.map((s) => s.text)));
  });

  it("round-robin starts each request one replica further", async () => {
    const servers = await replicas(3);
    const pool = poolOf(servers, { strategy: "round-robin" });
    const order: string[] = [];
    for (let i = 0; i < 6; i++) order.push(visibleText((await drain(pool.stream(USER))).chunks));
    expect(order).toEqual([...servers, ...servers].map((s) => s.text));
  });

  it("latency prefers the replica with the lower time to first chunk", async () => {
    const [fast, slow] = await replicas(2);
    slow!.answer = { kind: "ok", firstMs: 80 };
    const pool = poolOf([fast!, slow!], { strategy: "latency" });
    for (let i = 0; i < 10; i++) expect((await drain(pool.stream(USER))).error).toBeUndefined();
    // Each is tried once while unmeasured; then the fast one serves alone at this load.
    expect(slow!.chats).toBe(1);
    expect(fast!.chats).toBe(9);
    const [fastStatus, slowStatus] = pool.replicaStatus();
    expect(slowStatus?.firstChunkMs).toBeGreaterThan((fastStatus?.firstChunkMs ?? 0) + 40);
  });

  it("least-in-flight sends fewer streams to a slow replica under sustained load", async () => {
    const servers = await replicas(4, { kind: "ok", gapMs: 2 });
    servers[3]!.answer = { kind: "ok", firstMs: 10, gapMs: 10 };
    const pool = poolOf(servers);
    // 16 workers, each sending 12 requests one after the other.
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let i = 0; i < 12; i++) expect((await drain(pool.stream(USER))).error).toBeUndefined();
      }),
    );
    const fastest = Math.min(...servers.slice(0, 3).map((s) => s.chats));
    expect(servers[3]!.chats * 2).toBeLessThan(fastest);
    expect(servers.reduce((sum, s) => sum + s.chats, 0)).toBe(16 * 12);
  });
});

describe("failures within a request", () => {
  it("moves to another replica when one fails before its first chunk, with nothing shown", async () => {
    const [bad, good] = await replicas(2);
    bad!.answer = { kind: "status", status: 503 };
    const log = recorder();
    const pool = poolOf([bad!, good!], { strategy: "round-robin", onEvent: log.onEvent });
    const { chunks, error } = await drain(pool.stream(USER));
    expect(error).toBeUndefined();
    expect(chunks.some((c) => c.type === "reset")).toBe(false);
    expect(visibleText(chunks)).toBe(good!.text);
    // The next replica is the retry: the failed one is not asked twice.
    expect([bad!.chats, good!.chats]).toEqual([1, 1]);
    expect(log.types()).toEqual([
      "attempt",
      "failure",
      "fallback",
      "attempt",
      "success",
      "replica-served",
    ]);
    expect(served(log.events)[0]).toMatchObject({ adapter: { index: 1 }, rank: 2 });
  });

  it("opens the breaker of a dead replica and orders it last", async () => {
    const [good] = await replicas(1);
    const dead = await LoopbackServer.refusedOrigin();
    const log = recorder();
    const pool = createPool(
      [
        adapterFor({ ...good!, baseUrl: `${dead}/v1`, origin: dead }, MODEL),
        adapterFor(good!, MODEL),
      ],
      { strategy: "round-robin", onEvent: log.onEvent },
    );
    open.push(pool as { close(): Promise<void> });
    for (let i = 0; i < 12; i++) expect((await drain(pool.stream(USER))).error).toBeUndefined();
    expect(good!.chats).toBe(12);
    expect(pool.replicaStatus()[0]!.breaker).toBe("open");
    const failures = log.events.filter((e) => e.type === "failure" && e.adapter.index === 0);
    // Rate rule: half of at least 4 tries; afterwards it is not even skipped (ordered last).
    expect(failures.length).toBeLessThanOrEqual(4);
    expect(log.events.filter((e) => e.type === "skip")).toHaveLength(0);
  });

  it("never moves on for the caller's own error, and never counts it", async () => {
    const [first, second] = await replicas(2);
    first!.answer = { kind: "status", status: 400 };
    const pool = poolOf([first!, second!], { strategy: "round-robin" });
    for (let i = 0; i < 6; i += 2) {
      const { error } = await drain(pool.stream(USER));
      expect(InvalidRequestError.isInstance(error)).toBe(true);
      await drain(pool.stream(USER)); // round-robin: this one starts at the second replica
    }
    expect(second!.chats).toBe(3); // only its own turns
    expect(pool.replicaStatus().map((r) => r.breaker)).toEqual(["closed", "closed"]);
  });

  it("a cancel ends the request: no other replica is asked, nothing counted", async () => {
    const [slow, other] = await replicas(2);
    slow!.answer = { kind: "ok", firstMs: 5_000 };
    const pool = poolOf([slow!, other!], { strategy: "round-robin" });
    const controller = new AbortController();
    const pending = drain(pool.stream(USER, { signal: controller.signal }));
    await pollUntil(() => slow!.chats === 1);
    controller.abort();
    const { error } = await pending;
    expect(AbortedError.isInstance(error)).toBe(true);
    expect(other!.chats).toBe(0);
    await pollUntil(() => slow!.active === 0); // its socket was closed
    expect(pool.replicaStatus()[0]).toMatchObject({ inFlight: 0, breaker: "closed" });
  });

  it("after output was shown: restarts on another replica (default), or throws with the partial", async () => {
    const [cut, good] = await replicas(2);
    cut!.answer = { kind: "cut", after: 3 };
    const restart = poolOf([cut!, good!], { strategy: "round-robin", commitAfter: {} });
    const { chunks, error } = await drain(restart.stream(USER));
    expect(error).toBeUndefined();
    expect(chunks.filter((c) => c.type === "reset")).toHaveLength(1);
    expect(visibleText(chunks)).toBe(good!.text);

    const strict = poolOf([cut!, good!], {
      strategy: "round-robin",
      commitAfter: {},
      midStream: "error",
    });
    const before = good!.chats;
    const failed = await drain(strict.stream(USER));
    const shownWords = (cut as Replica).text.match(/\S+\s*/g) ?? [];
    expect((failed.error as { partial?: { content: string } }).partial?.content).toBe(
      shownWords.slice(0, 3).join(""),
    );
    expect(good!.chats).toBe(before);
  });
});

describe("Ollama replicas", () => {
  it("prefer a host with the model loaded (/api/ps) when load is equal", async () => {
    const servers = await replicas(3, { kind: "ok" }, "ollama");
    servers[2]!.loaded = [`${MODEL}:latest`];
    servers[0]!.loaded = ["other-model:latest"];
    const pool = poolOf(servers, { loadedModelsRefreshMs: 1_000 });
    await drain(pool.stream(USER)); // the first request starts the refresh
    await pollUntil(() => pool.replicaStatus().every((r) => r.loaded !== undefined));
    expect(pool.replicaStatus().map((r) => r.loaded)).toEqual([false, false, true]);
    const before = servers[2]!.chats;
    for (let i = 0; i < 5; i++) expect((await drain(pool.stream(USER))).error).toBeUndefined();
    expect(servers[2]!.chats - before).toBe(5);
  });
});

describe("nesting and the adapter methods", () => {
  it("a pool inside a chain, and chains inside a pool", async () => {
    const [fallback, a, b] = await replicas(3);
    const dead = await LoopbackServer.refusedOrigin();
    const deadAdapter = () => adapterFor({ ...a!, baseUrl: `${dead}/v1`, origin: dead }, MODEL);
    const chain = createFallbackChain([
      createPool([deadAdapter(), deadAdapter()]),
      adapterFor(fallback!, MODEL),
    ]);
    open.push(chain as { close(): Promise<void> });
    const viaChain = await drain(chain.stream(USER));
    expect(visibleText(viaChain.chunks)).toBe(fallback!.text);

    const pool = createPool(
      [
        createFallbackChain([deadAdapter(), adapterFor(a!, MODEL)]),
        createFallbackChain([adapterFor(b!, MODEL)]),
      ],
      { strategy: "round-robin" },
    );
    open.push(pool as { close(): Promise<void> });
    const texts = [];
    for (let i = 0; i < 2; i++) texts.push(visibleText((await drain(pool.stream(USER))).chunks));
    expect(texts).toEqual([a!.text, b!.text]);
  });

  it("throws AllAdaptersFailedError listing every replica when none can serve", async () => {
    const dead = await LoopbackServer.refusedOrigin();
    const [r] = await replicas(1);
    const pool = createPool([
      adapterFor({ ...r!, baseUrl: `${dead}/v1`, origin: dead }, MODEL),
      adapterFor({ ...r!, baseUrl: `${dead}/v1`, origin: dead }, MODEL),
    ]);
    open.push(pool as { close(): Promise<void> });
    const { error } = await drain(pool.stream(USER));
    expect(AllAdaptersFailedError.isInstance(error)).toBe(true);
    expect((error as AllAdaptersFailedError).attempts.map((a) => a.adapter.index).sort()).toEqual([
      0, 1,
    ]);
  });

  it("healthCheck is true while any replica is healthy; listModels is the union", async () => {
    const servers = await replicas(2);
    const other = await startReplica({ name: "x", model: "other" });
    open.push(other);
    const pool = createPool([
      ...servers.map((s) => adapterFor(s, MODEL)),
      adapterFor(other, "other"),
    ]);
    open.push(pool as { close(): Promise<void> });
    expect((await pool.listModels()).sort()).toEqual([MODEL, "other"]);
    servers[0]!.healthy = false;
    other.healthy = false;
    expect(await pool.healthCheck()).toBe(true);
    servers[1]!.healthy = false;
    expect(await pool.healthCheck()).toBe(false);
  });

  it("names replicas by provider, model and base URL, numbering repeats", async () => {
    const [r] = await replicas(1);
    const pool = createPool([
      adapterFor(r!, MODEL),
      adapterFor(r!, MODEL),
      { adapter: adapterFor(r!, MODEL), id: "mine" },
    ]);
    open.push(pool as { close(): Promise<void> });
    const id = `openai:${MODEL}@${r!.baseUrl}`;
    expect(pool.replicas.map((x) => x.id)).toEqual([id, `${id}#2`, "mine"]);
    expect(() =>
      createPool([
        { adapter: adapterFor(r!, MODEL), id: "same" },
        { adapter: adapterFor(r!, MODEL), id: "same" },
      ]),
    ).toThrow(TypeError);
    expect(() => createPool([])).toThrow(TypeError);
  });
});
