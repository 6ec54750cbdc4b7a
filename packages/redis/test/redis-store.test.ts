import { createFallbackChain, type OrchestratorEvent } from "@x/orchestrator";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisStore, type RedisStore } from "../src/index.js";
import { startRedis, type TestRedis } from "./redis-server.js";
import { startUpstream, type Upstream } from "./upstream.js";

let redis: TestRedis;
let raw: ReturnType<typeof createClient>;
const stores: RedisStore[] = [];
const signal = () => AbortSignal.timeout(2_000);

function store(prefix = "test:"): RedisStore {
  const s = createRedisStore({ url: redis.url, prefix });
  stores.push(s);
  return s;
}

beforeAll(async () => {
  redis = await startRedis();
  raw = createClient({ url: redis.url });
  await raw.connect();
});

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  raw.destroy();
  await redis.kill();
});

describe("createRedisStore", () => {
  it("keeps a generation per opening; a close ends only its own generation", async () => {
    const s = store("gen:");
    expect(await s.getBreaker("m", signal())).toBeUndefined();
    const opened = await s.openBreaker("m", 2_000, signal());
    expect(opened).toMatchObject({ generation: 1, state: "open" });
    expect(opened.remainingMs).toBeGreaterThan(1_500);
    expect(opened.remainingMs).toBeLessThanOrEqual(2_000);
    // Opened again while open: the same generation, the later deadline.
    expect(await s.openBreaker("m", 10, signal())).toMatchObject({ generation: 1, state: "open" });
    expect((await s.getBreaker("m", signal()))!.remainingMs).toBeGreaterThan(1_500);
    expect(await s.closeBreaker("m", 7, signal())).toMatchObject({ generation: 1, state: "open" });
    expect(await s.closeBreaker("m", 1, signal())).toMatchObject({
      generation: 1,
      state: "closed",
    });
    expect(await s.openBreaker("m", 100, signal())).toMatchObject({ generation: 2, state: "open" });
    expect(await s.closeBreaker("absent", 1, signal())).toBeUndefined();
  });

  it("keeps every key under the prefix and one Cluster hash tag, with a time to live", async () => {
    const s = createRedisStore({ url: redis.url, prefix: "app:", keyTtlMs: 60_000 });
    stores.push(s);
    await s.openBreaker("ollama:llama3.2@http://gpu-1:11434", 500, signal());
    const key = "app:{breakers}:ollama:llama3.2@http://gpu-1:11434";
    expect(s.keyOf("ollama:llama3.2@http://gpu-1:11434")).toBe(key);
    expect(await raw.keys("app:*")).toEqual([key]);
    const ttl = await raw.pTTL(key);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(await raw.hGetAll(key)).toMatchObject({ generation: "1", state: "open" });
  });

  it("sends a script again after the server lost its script cache", async () => {
    const s = store("flush:");
    await s.openBreaker("m", 1_000, signal());
    await raw.scriptFlush();
    expect(await s.getBreaker("m", signal())).toMatchObject({ generation: 1, state: "open" });
  });

  it("opens atomically: many processes opening one member at once make one generation", async () => {
    const clients = Array.from({ length: 5 }, () => store("race:"));
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => clients[i % 5]!.openBreaker("m", 1_000, signal())),
    );
    expect(new Set(answers.map((a) => a.generation))).toEqual(new Set([1]));
    const closes = await Promise.all(clients.map((c) => c.closeBreaker("m", 1, signal())));
    expect(closes.every((c) => c?.state === "closed")).toBe(true);
    const reopened = await Promise.all(clients.map((c) => c.openBreaker("m", 1_000, signal())));
    expect(new Set(reopened.map((a) => a.generation))).toEqual(new Set([2]));
  });

  it("uses a client of your own and leaves it open", async () => {
    const mine = createClient({ url: redis.url, disableOfflineQueue: true });
    await mine.connect();
    const s = createRedisStore({ client: mine, prefix: "own:" });
    expect(await s.openBreaker("m", 1_000, signal())).toMatchObject({ generation: 1 });
    await s.close();
    expect(mine.isReady).toBe(true);
    expect(await mine.exists("own:{breakers}:m")).toBe(1);
    mine.destroy();
  });

  it("refuses bad options", () => {
    expect(() => createRedisStore({ timeoutMs: 0 })).toThrow(TypeError);
    expect(() => createRedisStore({ refreshMs: Number.NaN })).toThrow(TypeError);
  });
});

describe("two chains, two connections, one Redis", () => {
  let flaky: Upstream;
  let backup: Upstream;
  beforeAll(async () => {
    [flaky, backup] = await Promise.all([startUpstream("flaky"), startUpstream("backup")]);
  });
  afterAll(async () => {
    await Promise.all([flaky.close(), backup.close()]);
  });

  it("one chain's opening is followed by the other within 1 s", async () => {
    const events: OrchestratorEvent[] = [];
    const opener = createFallbackChain([flaky.adapter(), backup.adapter()], {
      store: store("chains:"),
      breaker: { failureThreshold: 1 },
    });
    const follower = createFallbackChain([flaky.adapter(), backup.adapter()], {
      store: store("chains:"),
      breaker: { failureThreshold: 1_000 },
      onEvent: (e) => events.push(e),
    });
    expect(await answer(follower)).toBe(flaky.text);
    flaky.failing = true;
    await answer(opener);
    const openedAt = Date.now();
    expect(opener.breakerStates()[0]!.state).toBe("open");
    const deadline = openedAt + 2_000;
    while (!events.some((e) => e.type === "skip" && e.adapter.index === 0)) {
      expect(Date.now()).toBeLessThan(deadline);
      expect(await answer(follower)).toBe(backup.text);
    }
    expect(Date.now() - openedAt).toBeLessThan(1_000);
    expect(events.find((e) => e.type === "breaker-open")).toMatchObject({ source: "store" });
    await Promise.all([opener.close?.(), follower.close?.()]);
  });
});

async function answer(chain: ReturnType<typeof createFallbackChain>): Promise<string> {
  let text = "";
  for await (const chunk of chain.stream([{ role: "user", content: "hi" }])) {
    if (chunk.type === "content") text += chunk.content;
    if (chunk.type === "reset") text = "";
  }
  return text;
}
