import type { OrchestratorEvent } from "@x/orchestrator";
import { createFallbackChain } from "@x/orchestrator";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisStore } from "../src/index.js";
import { startRedis, type TestRedis } from "./redis-server.js";
import { startUpstream, type Upstream } from "./upstream.js";

let redis: TestRedis;
let flaky: Upstream;
let backup: Upstream;

beforeAll(async () => {
  redis = await startRedis();
  [flaky, backup] = await Promise.all([startUpstream("flaky"), startUpstream("backup")]);
});

afterAll(async () => {
  redis.resume();
  await Promise.all([flaky.close(), backup.close()]);
  await redis.kill();
});

/** Resolves once `predicate()` holds, polling every 10 ms for at most `ms`. */
async function until(predicate: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > end) throw new Error("condition never became true");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("Redis goes away mid-run", () => {
  it("the chain keeps serving on local state, reports the outage, and recovers when Redis returns", async () => {
    const timeoutMs = 500;
    const store = createRedisStore({ url: redis.url, prefix: "outage:", timeoutMs });
    const events: OrchestratorEvent[] = [];
    const chain = createFallbackChain([flaky.adapter(), backup.adapter()], {
      store,
      retry: false,
      breaker: { failureThreshold: 2, cooldownMs: 60_000 },
      onEvent: (e) => events.push(e),
    });
    const count = (type: string) => events.filter((e) => e.type === type).length;

    // Four workers send requests one after the other for the whole test.
    const durations: number[] = [];
    const failures: unknown[] = [];
    let running = true;
    const workers = Array.from({ length: 4 }, async () => {
      while (running) {
        const started = performance.now();
        try {
          let text = "";
          for await (const c of chain.stream([{ role: "user", content: "hi" }])) {
            if (c.type === "content") text += c.content;
          }
          if (text !== flaky.text && text !== backup.text) failures.push(new Error(text));
        } catch (error) {
          failures.push(error);
        }
        durations.push(performance.now() - started);
        await new Promise((r) => setTimeout(r, 2));
      }
    });
    const served = () => durations.length;
    await until(() => served() > 20, 5_000);

    // Killed: every call fails at once; one event per member, requests go on.
    await redis.kill();
    await until(() => count("store-unavailable") >= 1, 5_000);
    // The member fails meanwhile: its breaker opens on this process's own counts.
    flaky.failing = true;
    await until(() => chain.breakerStates()[0]!.state === "open", 5_000);
    const mark = served();
    await until(() => served() > mark + 50, 10_000);

    // Back: recovered, and the opening made during the outage is recorded for other processes.
    await redis.start();
    await until(() => count("store-recovered") >= 1, 15_000);
    const raw = createClient({ url: redis.url });
    await raw.connect();
    const key = store.keyOf(chain.members[0]!.id);
    await until(async () => (await raw.hGet(key, "state")) === "open", 10_000);

    // Frozen (connections open, no answer): calls time out after `timeoutMs`, requests do not wait.
    const outagesBefore = count("store-unavailable");
    redis.pause();
    const frozenAt = served();
    await until(() => count("store-unavailable") > outagesBefore, 10_000);
    await until(() => served() > frozenAt + 50, 10_000);
    redis.resume();
    const recoveriesBefore = count("store-recovered");
    await until(() => count("store-recovered") > recoveriesBefore, 15_000);

    running = false;
    await Promise.all(workers);
    expect(failures).toEqual([]);
    // No request ever waited for the store.
    expect(Math.max(...durations)).toBeLessThan(timeoutMs);
    expect(events.filter((e) => e.type === "breaker-open")[0]).not.toHaveProperty("source");
    raw.destroy();
    await chain.close?.();
    await store.close();
  });
});
