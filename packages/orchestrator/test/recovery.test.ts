import type { Message } from "@x/core";
import { describe, expect, it } from "vitest";
import {
  createFallbackChain,
  type FallbackChainOptions,
  type OrchestratorEvent,
} from "../src/index.js";
import { answerOf, FALLBACK_TEXT, PRIMARY_TEXT, pair, timed } from "./wire/members.js";

// A primary that is down for a while (503 on every request, health check included) and then
// recovers, under a steady trickle of requests. During the outage every request must be answered
// by the fallback without waiting on the dead member; after it, the primary must serve again
// within 5 s at one request every 4 s. The tuned chain runs the same story ten times faster.

const USER: Message[] = [{ role: "user", content: "Why is the sky blue?" }];

interface Served {
  at: number;
  provider: string;
  ms: number;
}

/**
 * Sends one request every `everyMs` (`count` of them); the primary is down until `recoverAt` ms
 * after the first. Returns who served each request, when and how fast, plus the outage's end.
 */
async function trickle(
  options: FallbackChainOptions,
  everyMs: number,
  count: number,
  recoverAt: number,
): Promise<{
  served: Served[];
  recoveredAt: number;
  primaryChatsDuringOutage: number;
  events: OrchestratorEvent[];
}> {
  let down = true;
  const p = await pair(() => (down ? { kind: "status", status: 503 } : { kind: "ok" }));
  p.primary.healthy = false;
  const events: OrchestratorEvent[] = [];
  const chain = createFallbackChain([p.primaryAdapter, p.fallbackAdapter], {
    ...options,
    onEvent: (e) => events.push(e),
  });
  const start = Date.now();
  let recoveredAt = 0;
  let primaryChatsDuringOutage = 0;
  const recovery = setTimeout(() => {
    down = false;
    p.primary.healthy = true;
    recoveredAt = Date.now();
    primaryChatsDuringOutage = p.primary.chats.length;
  }, recoverAt);
  const served: Served[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const due = start + i * everyMs;
      // Pacing of the scenario (one request every `everyMs`), not synchronisation.
      await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
      const { chunks, error, ms } = await timed(chain.stream(USER));
      expect(error).toBeUndefined();
      const done = chunks.at(-1);
      if (done?.type !== "done") throw new Error("no done");
      expect(answerOf(chunks).text).toBe(
        done.provider === "primary" ? PRIMARY_TEXT : FALLBACK_TEXT,
      );
      served.push({ at: Date.now(), provider: done.provider, ms });
    }
  } finally {
    clearTimeout(recovery);
    await chain.close?.();
    await p.close();
  }
  return { served, recoveredAt, primaryChatsDuringOutage, events };
}

describe.concurrent("a primary down for a while, then recovering", () => {
  it("default chain: fallback during the outage without waiting; the primary serves again within 5 s", async () => {
    // Requests at 0, 4, 8, 12 s; the outage ends 100 ms after the third, the worst alignment
    // for one request every 4 s (the next one comes 3.9 s later).
    const { served, recoveredAt, primaryChatsDuringOutage, events } = await trickle(
      {},
      4_000,
      4,
      8_100,
    );
    const during = served.filter((s) => s.at < recoveredAt);
    expect(during.length).toBe(3);
    for (const s of during) {
      expect(s.provider).toBe("fallback");
      expect(s.ms).toBeLessThan(1_000); // at most one short retry before the breaker opened
    }
    // The breaker opened after two requests (4 tries); the third never reached the primary.
    expect(primaryChatsDuringOutage).toBe(4);
    const back = served.find((s) => s.at > recoveredAt && s.provider === "primary");
    expect(back).toBeDefined();
    expect(back!.at - recoveredAt).toBeLessThan(5_000);
    const types = events.map((e) => e.type);
    expect(types).toContain("breaker-open");
    expect(types).toContain("breaker-probe");
    expect(types.filter((t) => t === "breaker-close")).toHaveLength(1);
    expect(types.indexOf("breaker-close")).toBeGreaterThan(types.lastIndexOf("breaker-half-open"));
  }, 30_000);

  it("tuned chain (cooldown 50 ms, request every 400 ms): the same, ten times faster", async () => {
    const tuned: FallbackChainOptions = {
      retry: { maxRetries: 1, baseDelayMs: 20 },
      breaker: { failureRate: 0.5, minimumRequests: 4, windowMs: 5_000, cooldownMs: 50 },
    };
    const { served, recoveredAt, primaryChatsDuringOutage } = await trickle(tuned, 400, 6, 1_210);
    const during = served.filter((s) => s.at < recoveredAt);
    for (const s of during) {
      expect(s.provider).toBe("fallback");
      expect(s.ms).toBeLessThan(300);
    }
    expect(primaryChatsDuringOutage).toBe(4);
    const back = served.find((s) => s.at > recoveredAt && s.provider === "primary");
    expect(back!.at - recoveredAt).toBeLessThan(500);
  }, 15_000);
});
