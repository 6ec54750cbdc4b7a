import { describe, expect, it } from "vitest";
import {
  type BreakerStore,
  createFallbackChain,
  createMemoryStore,
  defaultMemberId,
  type OrchestratorEvent,
  withCircuitBreaker,
} from "../src/index.js";
import { drain, pollUntil, recorder, USER, visibleText } from "./helpers.js";
import { adapterFor, closedAfterEach, type Replica, startReplica } from "./pool-replicas.js";

const MODEL = "m";
const open = closedAfterEach();

async function replica(name: string): Promise<Replica> {
  const r = await startReplica({ name, model: MODEL });
  open.push(r);
  return r;
}

function chainOf(
  members: Replica[],
  options: Parameters<typeof createFallbackChain>[1],
): ReturnType<typeof createFallbackChain> {
  const chain = createFallbackChain(
    members.map((m) => adapterFor(m, MODEL)),
    options,
  );
  open.push(chain as { close(): Promise<void> });
  return chain;
}

const skipped = (events: OrchestratorEvent[], index: number) =>
  events.some((e) => e.type === "skip" && e.reason === "circuit-open" && e.adapter.index === index);

describe("createMemoryStore", () => {
  it("a generation per opening; a close ends only its own generation", async () => {
    const store = createMemoryStore();
    const signal = new AbortController().signal;
    expect(await store.getBreaker("x", signal)).toBeUndefined();
    expect(await store.openBreaker("x", 1_000, signal)).toMatchObject({
      generation: 1,
      state: "open",
    });
    // Opened again while open: the same generation, the later deadline.
    const again = await store.openBreaker("x", 5_000, signal);
    expect(again).toMatchObject({ generation: 1, state: "open" });
    expect(again.remainingMs).toBeGreaterThan(4_000);
    expect(await store.closeBreaker("x", 0, signal)).toMatchObject({ state: "open" });
    expect(await store.closeBreaker("x", 1, signal)).toMatchObject({
      generation: 1,
      state: "closed",
    });
    expect(await store.openBreaker("x", 1_000, signal)).toMatchObject({
      generation: 2,
      state: "open",
    });
    expect(await store.closeBreaker("y", 1, signal)).toBeUndefined();
  });
});

describe("breakers shared through a store", () => {
  it("one chain's opening is followed by another within refreshMs, and so is the recovery", async () => {
    const [flaky, backup] = [await replica("flaky"), await replica("backup")];
    const store = createMemoryStore();
    const a = recorder();
    const b = recorder();
    const opener = chainOf([flaky, backup], {
      store,
      breaker: { failureThreshold: 1, cooldownMs: 100 },
      onEvent: a.onEvent,
    });
    // The follower would never open on its own failures.
    const follower = chainOf([flaky, backup], {
      store,
      breaker: { failureThreshold: 1_000, cooldownMs: 100 },
      onEvent: b.onEvent,
    });
    expect(visibleText((await drain(follower.stream(USER))).chunks)).toBe(flaky.text);

    flaky.answer = { kind: "status", status: 503 };
    flaky.healthy = false;
    await drain(opener.stream(USER));
    const openedAt = Date.now();
    expect(opener.breakerStates()[0]!.state).toBe("open");
    await pollUntil(async () => {
      const { chunks } = await drain(follower.stream(USER));
      expect(visibleText(chunks)).toBe(backup.text);
      return skipped(b.events, 0);
    });
    expect(Date.now() - openedAt).toBeLessThan(1_000);
    expect(b.events.find((e) => e.type === "breaker-open")).toMatchObject({
      source: "store",
      adapter: { index: 0 },
      error: undefined,
    });

    // It recovers: a health probe and a trial close it, and the other chain follows.
    flaky.answer = { kind: "ok" };
    flaky.healthy = true;
    await pollUntil(async () => {
      const served = await Promise.all([drain(opener.stream(USER)), drain(follower.stream(USER))]);
      return served.every((r) => visibleText(r.chunks) === flaky.text);
    });
    const closes = [...a.events, ...b.events].filter((e) => e.type === "breaker-close");
    expect(closes.length).toBeGreaterThanOrEqual(2);
    expect(
      await store.getBreaker(defaultMemberId(adapterFor(flaky, MODEL)), AbortSignal.timeout(100)),
    ).toMatchObject({ state: "closed", generation: 1 });
  });

  it("a store that hangs or fails never delays a request; the breakers go on locally and it is retried with backoff", async () => {
    const [flaky, backup] = [await replica("flaky"), await replica("backup")];
    const memory = createMemoryStore();
    let mode: "up" | "hang" | "fail" = "hang";
    let calls = 0;
    const gate = <T>(run: () => Promise<T>): Promise<T> => {
      calls++;
      if (mode === "hang") return new Promise<T>(() => {});
      if (mode === "fail") return Promise.reject(new Error("connection refused"));
      return run();
    };
    const store: BreakerStore = {
      timeoutMs: 200,
      refreshMs: 20,
      getBreaker: (id, s) => gate(() => memory.getBreaker(id, s)),
      openBreaker: (id, ms, s) => gate(() => memory.openBreaker(id, ms, s)),
      closeBreaker: (id, g, s) => gate(() => memory.closeBreaker(id, g, s)),
    };
    const log = recorder();
    const chain = chainOf([flaky, backup], {
      store,
      breaker: { failureThreshold: 2, cooldownMs: 60_000 },
      onEvent: log.onEvent,
    });
    // Requests complete while the first store call hangs: none waits for it.
    let served = 0;
    await pollUntil(async () => {
      expect(visibleText((await drain(chain.stream(USER))).chunks)).toBe(flaky.text);
      served++;
      return log.events.some((e) => e.type === "store-unavailable");
    });
    expect(served).toBeGreaterThan(1);
    for (let i = 0; i < 20; i++) {
      expect(visibleText((await drain(chain.stream(USER))).chunks)).toBe(flaky.text);
    }
    const unavailable = log.events.filter((e) => e.type === "store-unavailable");
    expect(unavailable).toHaveLength(1);
    expect(unavailable[0]).toMatchObject({ adapter: { index: 0 }, operation: "get" });
    expect(calls).toBeLessThanOrEqual(3); // backed off, not once per request

    // The breaker still works on local state.
    mode = "fail";
    flaky.answer = { kind: "status", status: 503 };
    flaky.healthy = false;
    for (let i = 0; i < 4; i++) {
      expect(visibleText((await drain(chain.stream(USER))).chunks)).toBe(backup.text);
    }
    expect(chain.breakerStates()[0]!.state).toBe("open");
    // Once per member and outage: the backup reports it when it is first asked for a permit.
    const outages = log.events.filter((e) => e.type === "store-unavailable");
    expect(outages.map((e) => e.adapter.index)).toEqual([0, 1]);

    // The store answers again: recovered, and the opening made meanwhile is recorded.
    mode = "up";
    await pollUntil(async () => {
      await drain(chain.stream(USER));
      return log.events.some((e) => e.type === "store-recovered");
    });
    const id = chain.members[0]!.id;
    await pollUntil(
      async () => (await memory.getBreaker(id, AbortSignal.timeout(100)))?.state === "open",
    );
  });
});

describe("member ids", () => {
  it("are provider:model@baseUrl, numbered when repeated, or the name given", async () => {
    const r = await replica("r");
    const chain = chainOf([r, r], {});
    const id = `openai:${MODEL}@${r.baseUrl}`;
    expect(chain.members.map((m) => m.id)).toEqual([id, `${id}#2`]);
    const named = createFallbackChain([{ adapter: adapterFor(r, MODEL), id: "gpu-1" }]);
    expect(named.members[0]!.id).toBe("gpu-1");
    expect(defaultMemberId(createFallbackChain([adapterFor(r, MODEL)]))).toBe(`chain:${MODEL}`);
  });

  it("withCircuitBreaker keys its store entry as a chain keys the same member", async () => {
    const r = await replica("r");
    const memory = createMemoryStore();
    const ids: string[] = [];
    const store: BreakerStore = {
      getBreaker: (id, signal) => {
        ids.push(id);
        return memory.getBreaker(id, signal);
      },
      openBreaker: (id, cooldownMs, signal) => {
        ids.push(id);
        return memory.openBreaker(id, cooldownMs, signal);
      },
      closeBreaker: (id, ...rest) => {
        ids.push(id);
        return memory.closeBreaker(id, ...rest);
      },
    };
    const guarded = withCircuitBreaker(adapterFor(r, MODEL), { store });
    open.push(guarded as { close(): Promise<void> });
    await drain(guarded.stream(USER));
    await pollUntil(() => ids.length > 0);
    // Two hosts of one model are two members, not one shared breaker.
    expect(new Set(ids)).toEqual(new Set([`openai:${MODEL}@${r.baseUrl}`]));
    expect(chainOf([r], {}).members[0]!.id).toBe(`openai:${MODEL}@${r.baseUrl}`);
  });
});
