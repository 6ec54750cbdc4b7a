import {
  ContextLengthError,
  InvalidRequestError,
  type Message,
  ModelLoadingTimeoutError,
  RateLimitError,
  ServerError,
  UnavailableError,
} from "@x/core";
import { describe, expect, it } from "vitest";
import {
  AllAdaptersFailedError,
  createFallbackChain,
  type FallbackChainOptions,
  getChainReport,
} from "../src/index.js";
import {
  answerOf,
  FALLBACK_TEXT,
  ollamaMember,
  PRIMARY_TEXT,
  pair,
  timed,
} from "./wire/members.js";

// The failures that happen before a member shows anything, on the wire: real adapters, loopback
// servers that misbehave. Each runs against a chain with no options and against a tuned one.

const USER: Message[] = [{ role: "user", content: "Why is the sky blue?" }];

/** A chain tuned from the README: short limits, more retries, hedging, continuation. */
const TUNED: FallbackChainOptions = {
  timeouts: { firstChunkMs: 1_500, idleMs: 1_500 },
  retry: { maxRetries: 2, baseDelayMs: 40, maxRetryAfterMs: 3_000 },
  breaker: { failureRate: 0.5, minimumRequests: 6, windowMs: 10_000, cooldownMs: 200 },
  commitAfter: { chars: 20, ms: 100 },
  midStream: "continue",
  hedgeAfterMs: 400,
};

describe.concurrent("429 with Retry-After", () => {
  const limited = (n: number) =>
    n === 0
      ? ({ kind: "status", status: 429, headers: { "retry-after": "1" } } as const)
      : ({ kind: "ok" } as const);

  it("default: waits the Retry-After, then the same member answers", async () => {
    const p = await pair(limited);
    const chain = createFallbackChain([p.primaryAdapter, p.fallbackAdapter]);
    const { chunks, error } = await timed(chain.stream(USER));
    expect(error).toBeUndefined();
    expect(answerOf(chunks)).toEqual({ text: PRIMARY_TEXT, resets: 0 });
    expect(p.primary.chats).toHaveLength(2);
    expect(p.primary.chats[1]!.at - p.primary.chats[0]!.at).toBeGreaterThanOrEqual(950);
    expect(p.fallback.chats).toHaveLength(0);
    const report = getChainReport(chunks.at(-1) as never)!;
    expect(RateLimitError.isInstance(report.failures[0]!.error)).toBe(true);
    await p.close();
  });

  it("default: a Retry-After longer than the wait limit falls over at once", async () => {
    const p = await pair({ kind: "status", status: 429, headers: { "retry-after": "30" } });
    const chain = createFallbackChain([p.primaryAdapter, p.fallbackAdapter]);
    const { chunks, ms } = await timed(chain.stream(USER));
    expect(answerOf(chunks).text).toBe(FALLBACK_TEXT);
    expect(p.primary.chats).toHaveLength(1);
    expect(ms).toBeLessThan(3_000);
    await p.close();
  });

  it("tuned: falls over when the wait exceeds what is left of the budget", async () => {
    const p = await pair(limited);
    const chain = createFallbackChain([p.primaryAdapter, p.fallbackAdapter], {
      ...TUNED,
      hedgeAfterMs: undefined,
      timeouts: { ...TUNED.timeouts, totalMs: 800 },
    });
    const { chunks, ms } = await timed(chain.stream(USER));
    expect(answerOf(chunks).text).toBe(FALLBACK_TEXT);
    expect(p.primary.chats).toHaveLength(1);
    expect(ms).toBeLessThan(800);
    await p.close();
  });

  it("tuned (hedging): the fallback starts while the primary waits, and the wait is cancelled", async () => {
    const p = await pair(limited);
    const chain = createFallbackChain([p.primaryAdapter, p.fallbackAdapter], TUNED);
    const { chunks, ms } = await timed(chain.stream(USER));
    expect(answerOf(chunks).text).toBe(FALLBACK_TEXT);
    expect(ms).toBeLessThan(950);
    expect(p.primary.chats).toHaveLength(1); // the retry after Retry-After never went out
    expect(chain.breakerStates()[0]!.state).toBe("closed");
    await p.close();
  });
});

describe.concurrent("429 without Retry-After, 500 once, 503 forever, reset before headers", () => {
  it.each([
    ["default", {}, 2],
    ["tuned", TUNED, 3],
  ] as const)("429 forever (%s): retried after a short backoff, then the fallback", async (_n, options, tries) => {
    const p = await pair({ kind: "status", status: 429 });
    const chain = createFallbackChain([p.primaryAdapter, p.fallbackAdapter], options);
    const { chunks, ms } = await timed(chain.stream(USER));
    expect(answerOf(chunks).text).toBe(FALLBACK_TEXT);
    expect(p.primary.chats).toHaveLength(tries);
    expect(ms).toBeLessThan(1_500);
    await p.close();
  });

  it.each([
    ["default", {}],
    ["tuned", TUNED],
  ] as const)("500 once (%s): one retry and the same member answers", async (_n, options) => {
    const p = await pair((n) => (n === 0 ? { kind: "status", status: 500 } : { kind: "ok" }));
    const chain = createFallbackChain([p.primaryAdapter, p.fallbackAdapter], options);
    const { chunks } = await timed(chain.stream(USER));
    expect(answerOf(chunks)).toEqual({ text: PRIMARY_TEXT, resets: 0 });
    expect(p.primary.chats).toHaveLength(2);
    expect(p.fallback.chats).toHaveLength(0);
    await p.close();
  });

  it.each([
    ["default", {}, 2],
    ["tuned", TUNED, 3],
  ] as const)("503 forever (%s): never more than the retries in 1.5 s, then the fallback; the breaker then skips the primary", async (_n, options, tries) => {
    const p = await pair({ kind: "status", status: 503 });
    const chain = createFallbackChain([p.primaryAdapter, p.fallbackAdapter], options);
    const first = await timed(chain.stream(USER));
    expect(answerOf(first.chunks).text).toBe(FALLBACK_TEXT);
    expect(p.primary.chats).toHaveLength(tries);
    const span = p.primary.chats.at(-1)!.at - p.primary.chats[0]!.at;
    expect(span).toBeLessThan(1_500);
    await timed(chain.stream(USER)); // the breaker's minimum number of tries is reached
    expect(chain.breakerStates()[0]!.state).toBe("open");
    const seen = p.primary.chats.length;
    const third = await timed(chain.stream(USER));
    expect(answerOf(third.chunks).text).toBe(FALLBACK_TEXT);
    expect(p.primary.chats).toHaveLength(seen); // not asked again while open
    await p.close();
  });

  it.each([
    ["default", {}],
    ["tuned", TUNED],
  ] as const)("reset before headers once (%s): one retry and the same member answers", async (_n, options) => {
    const p = await pair((n) => (n === 0 ? { kind: "reset" } : { kind: "ok" }));
    const chain = createFallbackChain([p.primaryAdapter, p.fallbackAdapter], options);
    const { chunks } = await timed(chain.stream(USER));
    expect(answerOf(chunks).text).toBe(PRIMARY_TEXT);
    expect(p.primary.chats).toHaveLength(2);
    const report = getChainReport(chunks.at(-1) as never)!;
    expect(UnavailableError.isInstance(report.failures[0]!.error)).toBe(true);
    await p.close();
  });
});

describe.concurrent("a member that goes silent is never asked again", () => {
  it.each([
    ["no response at all", { kind: "silent" }],
    ["slow first token", { kind: "slow-first", firstMs: 14_000 }],
  ] as const)(
    "default, %s: moves on after 10 s without a retry; the fallback answers within 15 s",
    async (_n, fault) => {
      const p = await pair(fault);
      const chain = createFallbackChain([p.primaryAdapter, p.fallbackAdapter]);
      const { chunks, ms } = await timed(chain.stream(USER));
      expect(answerOf(chunks).text).toBe(FALLBACK_TEXT);
      expect(ms).toBeGreaterThanOrEqual(9_900);
      expect(ms).toBeLessThan(15_000);
      expect(p.primary.chats).toHaveLength(1);
      await p.primary.chats[0]!.closed; // its socket was closed
      const report = getChainReport(chunks.at(-1) as never)!;
      expect(ModelLoadingTimeoutError.isInstance(report.failures[0]!.error)).toBe(true);
      expect(report.failures[0]!.stage).toBe("first-chunk");
      await p.close();
    },
    20_000,
  );

  it.each([
    ["no response at all", { kind: "silent" }],
    ["slow first token", { kind: "slow-first", firstMs: 14_000 }],
  ] as const)("tuned (hedging), %s: the fallback starts after 400 ms and wins; the primary is cancelled, not counted", async (_n, fault) => {
    const p = await pair(fault);
    const chain = createFallbackChain([p.primaryAdapter, p.fallbackAdapter], TUNED);
    const { chunks, ms } = await timed(chain.stream(USER));
    expect(answerOf(chunks).text).toBe(FALLBACK_TEXT);
    expect(ms).toBeLessThan(1_400);
    expect(p.primary.chats).toHaveLength(1);
    await p.primary.chats[0]!.closed;
    expect(getChainReport(chunks.at(-1) as never)!.failures).toEqual([]);
    expect(chain.breakerStates()[0]!.state).toBe("closed");
    await p.close();
  });

  it("Ollama cold start as the only member: no chain default cuts it (the member's own limits apply)", async () => {
    const ollama = await ollamaMember({ kind: "slow-first", firstMs: 11_500 });
    const chain = createFallbackChain([ollama.adapter]);
    const { chunks, error, ms } = await timed(chain.stream(USER));
    expect(error).toBeUndefined();
    expect(answerOf(chunks).text).toBe(PRIMARY_TEXT);
    expect(ms).toBeGreaterThanOrEqual(11_000);
    expect(ollama.server.chats).toHaveLength(1);
    await ollama.close();
  }, 20_000);

  it("Ollama cold start as the last member, after the first failed: not cut either", async () => {
    const p = await pair({ kind: "status", status: 404 });
    const ollama = await ollamaMember({ kind: "slow-first", firstMs: 11_500 });
    const chain = createFallbackChain([p.primaryAdapter, ollama.adapter]);
    const { chunks, ms } = await timed(chain.stream(USER));
    expect(chunks.at(-1)).toMatchObject({ type: "done", provider: "ollama", model: "llama3.2" });
    expect(ms).toBeGreaterThanOrEqual(11_000);
    await Promise.all([p.close(), ollama.close()]);
  }, 20_000);
});

describe.concurrent("context length and content filter", () => {
  it.each([
    ["default", {}],
    ["tuned", TUNED],
  ] as const)("context length exceeded (%s): the fallback answers at once; no retry, no breaker count", async (_n, options) => {
    const body = {
      error: { message: "maximum context length is 8192 tokens", code: "context_length_exceeded" },
    };
    const p = await pair({ kind: "status", status: 400, body });
    const chain = createFallbackChain([p.primaryAdapter, p.fallbackAdapter], {
      ...options,
      breaker: { mode: "consecutive", failureThreshold: 1 },
    });
    const { chunks } = await timed(chain.stream(USER));
    expect(answerOf(chunks).text).toBe(FALLBACK_TEXT);
    expect(p.primary.chats).toHaveLength(1);
    const report = getChainReport(chunks.at(-1) as never)!;
    expect(ContextLengthError.isInstance(report.failures[0]!.error)).toBe(true);
    expect(chain.breakerStates()[0]!.state).toBe("closed");
    await p.close();
  });

  it.each([
    ["default", {}],
    ["tuned", TUNED],
  ] as const)("a filtered answer (%s) is the provider's answer: no retry, no fallback", async (_n, options) => {
    const p = await pair({ kind: "filtered" });
    const chain = createFallbackChain([p.primaryAdapter, p.fallbackAdapter], options);
    const { chunks, error } = await timed(chain.stream(USER));
    expect(error).toBeUndefined();
    expect(chunks.at(-1)).toMatchObject({
      type: "done",
      finishReason: "content_filter",
      provider: "primary",
    });
    expect(p.primary.chats).toHaveLength(1);
    expect(p.fallback.chats).toHaveLength(0);
    await p.close();
  });

  it.each([
    ["default", {}],
    ["tuned", TUNED],
  ] as const)("a refusal as 400 content_filter (%s) reaches the caller at once, counted against nobody", async (_n, options) => {
    const body = { error: { message: "The response was filtered", code: "content_filter" } };
    const p = await pair({ kind: "status", status: 400, body });
    const chain = createFallbackChain([p.primaryAdapter, p.fallbackAdapter], {
      ...options,
      breaker: { mode: "consecutive", failureThreshold: 1 },
    });
    const { error } = await timed(chain.stream(USER));
    expect(InvalidRequestError.isInstance(error)).toBe(true);
    expect((error as InvalidRequestError).providerCode).toBe("content_filter");
    expect(p.primary.chats).toHaveLength(1);
    expect(p.fallback.chats).toHaveLength(0);
    expect(chain.breakerStates()[0]!.state).toBe("closed");
    await p.close();
  });

  it("shouldFallback can route a content-filter refusal to the next member", async () => {
    const body = { error: { message: "The response was filtered", code: "content_filter" } };
    const p = await pair({ kind: "status", status: 400, body });
    const chain = createFallbackChain([p.primaryAdapter, p.fallbackAdapter], {
      shouldFallback: (e) =>
        InvalidRequestError.isInstance(e) && e.providerCode === "content_filter",
    });
    const { chunks } = await timed(chain.stream(USER));
    expect(answerOf(chunks).text).toBe(FALLBACK_TEXT);
    await p.close();
  });
});

describe.concurrent("fail-over accounting", () => {
  it.each([
    ["default", {}, 2],
    ["tuned", TUNED, 3],
  ] as const)("%s: done names the answering member's provider, model and usage; the report lists every try", async (_n, options, tries) => {
    const p = await pair({ kind: "status", status: 503 });
    const chain = createFallbackChain([p.primaryAdapter, p.fallbackAdapter], options);
    const { chunks } = await timed(chain.stream(USER));
    const done = chunks.at(-1)!;
    expect(done).toMatchObject({
      type: "done",
      provider: "fallback",
      model: "fallback-model",
      usage: { inputTokens: 7, outputTokens: 5, totalTokens: 12 },
    });
    const report = getChainReport(done as never)!;
    expect(report.servedBy).toEqual({ provider: "fallback", model: "fallback-model", index: 1 });
    expect(report.attempts).toBe(2);
    expect(report.failures).toHaveLength(tries);
    for (const f of report.failures) {
      expect(f).toMatchObject({ adapter: { provider: "primary", index: 0 }, stage: "connect" });
      expect(ServerError.isInstance(f.error)).toBe(true);
    }
    expect(report.servedUsage).toEqual({ inputTokens: 7, outputTokens: 5, totalTokens: 12 });
    await p.close();
  });

  it("when every member fails: AllAdaptersFailedError lists every try; no key in it", async () => {
    const p = await pair({ kind: "status", status: 503 }, { answer: { kind: "reset" } });
    const chain = createFallbackChain([p.primaryAdapter, p.fallbackAdapter]);
    const { error } = await timed(chain.stream(USER));
    expect(AllAdaptersFailedError.isInstance(error)).toBe(true);
    const all = error as AllAdaptersFailedError;
    expect(
      all.attempts.map((a) => [a.adapter.provider, a.error instanceof Error && a.error.name]),
    ).toEqual([
      ["primary", "ServerError"],
      ["primary", "ServerError"],
      ["fallback", "OpenAIUnavailableError"],
      ["fallback", "OpenAIUnavailableError"],
    ]);
    expect(JSON.stringify(all.toJSON())).not.toContain("sk-test");
    expect(String(all.stack)).not.toContain("sk-test");
    await p.close();
  });
});
