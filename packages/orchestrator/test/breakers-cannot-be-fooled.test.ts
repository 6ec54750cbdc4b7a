import {
  AbortedError,
  type AIAdapter,
  InvalidRequestError,
  type Message,
  type StreamOptions,
  UnavailableError,
} from "@x/core";
import { createMockAdapter, textSteps } from "@x/core/testing";
import { describe, expect, it, vi } from "vitest";
import { createFallbackChain, type OrchestratorEvent } from "../src/index.js";
import { drain, USER } from "./helpers.js";
import { answerOf, FALLBACK_TEXT, PRIMARY_TEXT, pair, timed } from "./wire/members.js";

const who = { provider: "a", model: "m" };
const Q: Message[] = [{ role: "user", content: "Why is the sky blue?" }];

describe("failure rate vs consecutive failures under concurrency (wire)", () => {
  it("30 % fast 503s among 100 concurrent slow successes: consecutive counting opens, the rate mode does not", async () => {
    // Every tenth request's first three are 503 within a few ms; the rest answer after 300 ms.
    const run = async (breaker: Parameters<typeof createFallbackChain>[1]) => {
      const p = await pair((n) =>
        n % 10 < 3 ? { kind: "status", status: 503 } : { kind: "ok", firstMs: 300 },
      );
      const opened: OrchestratorEvent[] = [];
      const chain = createFallbackChain([p.primaryAdapter, p.fallbackAdapter], {
        retry: false,
        ...breaker,
        onEvent: (e) => e.type === "breaker-open" && opened.push(e),
      });
      const results = await Promise.all(Array.from({ length: 100 }, () => timed(chain.stream(Q))));
      const byPrimary = results.filter(
        (r) => r.chunks.at(-1)?.type === "done" && answerOf(r.chunks).text === PRIMARY_TEXT,
      );
      await chain.close?.();
      await p.close();
      return { opened, primaryChats: p.primary.chats.length, servedByPrimary: byPrimary.length };
    };
    const consecutive = await run({ breaker: { mode: "consecutive", failureThreshold: 5 } });
    expect(consecutive.opened).toHaveLength(1);
    expect(consecutive.opened[0]).toMatchObject({ mode: "consecutive", failures: 5 });
    const rate = await run({ breaker: { mode: "rate", failureRate: 0.5, minimumRequests: 10 } });
    expect(rate.opened).toEqual([]);
    expect(rate.primaryChats).toBe(100);
    expect(rate.servedByPrimary).toBe(70);
  });
});

describe("the caller's own errors never count, never open a breaker, never fall back", () => {
  it("five bad calls (validation errors from a real adapter) leave every breaker closed", async () => {
    const p = await pair({ kind: "ok" });
    const events: OrchestratorEvent[] = [];
    const chain = createFallbackChain([p.primaryAdapter, p.fallbackAdapter], {
      breaker: { mode: "consecutive", failureThreshold: 1 },
      onEvent: (e) => events.push(e),
    });
    const bad: [Message[], StreamOptions | undefined][] = [
      [Q, { providerOptions: { seed: 10n } }],
      [Q, { timeouts: { idleMs: -1 } }],
      [[{ role: "robot", content: "hi" } as unknown as Message], undefined],
      [Q, { tools: "all of them" } as unknown as StreamOptions],
      [Q, { responseFormat: 42 } as unknown as StreamOptions],
    ];
    for (const [messages, options] of bad) {
      const { error, ms } = await timed(chain.stream(messages, options));
      expect(InvalidRequestError.isInstance(error)).toBe(true);
      expect(ms).toBeLessThan(500);
    }
    expect(p.primary.chats).toHaveLength(0); // nothing was sent
    expect(p.fallback.chats).toHaveLength(0); // nothing fell back
    expect(chain.breakerStates().map((s) => s.state)).toEqual(["closed", "closed"]);
    expect(events.filter((e) => e.type === "fallback" || e.type === "breaker-open")).toEqual([]);
    // And the chain still serves.
    expect(answerOf((await timed(chain.stream(Q))).chunks).text).toBe(PRIMARY_TEXT);
    await chain.close?.();
    await p.close();
  });

  it("a TypeError a member throws reaches the caller at once and counts against nobody", async () => {
    const typeErrors: AIAdapter = {
      ...createMockAdapter({ provider: "a", script: [] }),
      provider: "a",
      stream() {
        throw new TypeError("messages[0].content must be a string");
      },
    };
    const b = createMockAdapter({
      provider: "b",
      script: [...textSteps("fine"), { type: "done" }],
    });
    const chain = createFallbackChain([typeErrors, b], {
      breaker: { mode: "consecutive", failureThreshold: 1 },
    });
    for (let i = 0; i < 5; i++) {
      const { error } = await drain(chain.stream(USER));
      expect(error).toBeInstanceOf(TypeError);
    }
    expect(b.calls).toHaveLength(0);
    expect(chain.breakerStates()[0]!.state).toBe("closed");
  });
});

describe("every permit is settled", () => {
  const breaker = {
    mode: "consecutive",
    failureThreshold: 1,
    probe: "request",
    cooldownMs: 50,
  } as const;

  it("a member whose stream() throws synchronously fails that try only (counted, falls back)", async () => {
    const throws: AIAdapter = {
      ...createMockAdapter({ provider: "a", script: [] }),
      provider: "a",
      stream() {
        throw new Error("bug in a third-party adapter");
      },
    };
    const b = createMockAdapter({
      provider: "b",
      script: [...textSteps("fine"), { type: "done" }],
    });
    const chain = createFallbackChain([throws, b], { breaker, retry: false });
    const { chunks } = await drain(chain.stream(USER));
    expect(chunks.at(-1)).toMatchObject({ provider: "b" });
    expect(chain.breakerStates()[0]!.state).toBe("open");
  });

  it("caller aborts (before the first chunk and mid-stream), consumer breaks and hedge losers leave breakers closed", async () => {
    const hang = createMockAdapter({ provider: "hang", script: [{ type: "hang" }] });
    const slow = createMockAdapter({
      provider: "slow",
      script: [{ type: "content", content: "part " }, { type: "hang" }],
    });
    const chain = createFallbackChain([hang, slow], { breaker, hedgeAfterMs: 20, commitAfter: {} });
    // Hedge: `hang` loses to `slow` (aborted, not counted); the consumer then breaks.
    for await (const _ of chain.stream(USER)) break;
    // A caller abort mid-stream.
    const controller = new AbortController();
    const pending = drain(chain.stream(USER, { signal: controller.signal }));
    await vi.waitFor(() => expect(slow.openStreams).toBe(1));
    controller.abort();
    expect(AbortedError.isInstance((await pending).error)).toBe(true);
    // A caller abort before any first chunk.
    const early = new AbortController();
    const first = drain(chain.stream(USER, { signal: early.signal }));
    await vi.waitFor(() => expect(hang.openStreams).toBe(1));
    early.abort();
    expect(AbortedError.isInstance((await first).error)).toBe(true);
    expect(chain.breakerStates().map((s) => s.state)).toEqual(["closed", "closed"]);
    expect(hang.openStreams + slow.openStreams).toBe(0);
  });

  it("a half-open trial the caller cancels does not leave the breaker stuck: the next request is the trial", async () => {
    let call = 0;
    const a = createMockAdapter({
      provider: "a",
      script: () =>
        call++ === 0
          ? [{ type: "error", error: new UnavailableError("down", who) }]
          : [{ type: "delay", ms: 20 }, ...textSteps("back"), { type: "done" }],
    });
    const b = createMockAdapter({
      provider: "b",
      script: [...textSteps("fallback"), { type: "done" }],
    });
    const chain = createFallbackChain([a, b], { breaker, retry: false });
    await drain(chain.stream(USER));
    expect(chain.breakerStates()[0]!.state).toBe("open");
    await new Promise((r) => setTimeout(r, 60)); // the cooldown (a real 50 ms)
    const controller = new AbortController();
    const trial = drain(chain.stream(USER, { signal: controller.signal }));
    await vi.waitFor(() => expect(a.calls).toHaveLength(2));
    expect(chain.breakerStates()[0]!.state).toBe("half-open");
    controller.abort();
    expect(AbortedError.isInstance((await trial).error)).toBe(true);
    const next = await drain(chain.stream(USER));
    expect(next.chunks.at(-1)).toMatchObject({ provider: "a" });
    expect(chain.breakerStates()[0]!.state).toBe("closed");
  });
});

describe("a caller abort reports what was produced", () => {
  it("AbortedError and the abort event carry the partial text and the usage known so far", async () => {
    const p = await pair({ kind: "status", status: 503 }, { answer: { kind: "stall", after: 3 } });
    const events: OrchestratorEvent[] = [];
    const chain = createFallbackChain(
      [
        {
          adapter: createMockAdapter({
            provider: "nested",
            script: [
              {
                type: "error",
                error: Object.assign(new UnavailableError("x", who), { usage: { inputTokens: 9 } }),
              },
            ],
          }),
          retry: false,
        },
        p.fallbackAdapter,
      ],
      { onEvent: (e) => events.push(e), commitAfter: {} },
    );
    const controller = new AbortController();
    const seen: string[] = [];
    let error: unknown;
    try {
      for await (const chunk of chain.stream(Q, { signal: controller.signal })) {
        if (chunk.type === "content") seen.push(chunk.content);
        if (seen.length === 3) controller.abort();
      }
    } catch (e) {
      error = e;
    }
    expect(AbortedError.isInstance(error)).toBe(true);
    const aborted = error as AbortedError & { usage?: unknown };
    expect(aborted.partial).toEqual({ content: seen.join(""), thinking: "", toolCalls: [] });
    expect(aborted.partial?.content).toBe(`${FALLBACK_TEXT.split(" ").slice(0, 3).join(" ")} `);
    expect(aborted.usage).toEqual({ inputTokens: 9 });
    const abort = events.find((e) => e.type === "abort");
    expect(abort).toMatchObject({
      adapter: { provider: "fallback" },
      partial: aborted.partial,
      usage: { inputTokens: 9 },
    });
    expect(events.some((e) => e.type === "failure" && e.adapter.provider === "fallback")).toBe(
      false,
    );
    await p.fallback.chats[0]!.closed;
    await p.close();
  });
});
