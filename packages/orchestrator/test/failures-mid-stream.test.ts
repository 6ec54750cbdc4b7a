import {
  collect,
  type Message,
  ProtocolError,
  ProviderError,
  RESTART_MARK,
  StreamTimeoutError,
  textStream,
} from "@x/core";
import { describe, expect, it } from "vitest";
import { createFallbackChain, type FallbackChainOptions, getChainReport } from "../src/index.js";
import type { Fault } from "./wire/fault-server.js";
import { answerOf, FALLBACK_TEXT, PRIMARY_TEXT, pair, timed } from "./wire/members.js";

// Failures after a member began to answer, on the wire (real adapters, loopback servers): the
// consumer of a chain with no options must end with one complete answer and never see two
// answers run together; a tuned chain continues where a member accepts an assistant prefill.

const USER: Message[] = [{ role: "user", content: "Why is the sky blue?" }];

const TUNED: FallbackChainOptions = {
  timeouts: { firstChunkMs: 1_500, idleMs: 500 },
  retry: { maxRetries: 2, baseDelayMs: 40 },
  commitAfter: { chars: 20, ms: 100 },
  midStream: "continue",
  hedgeAfterMs: 400,
};

/** A fault well after the default commit window (words 80 ms apart, the fault at word 6). */
const late = (kind: "cut" | "stall" | "malformed"): Fault => ({ kind, after: 6, gapMs: 80 });
/** A fault inside the default commit window (two words at once, then the fault). */
const early = (kind: "cut" | "stall" | "malformed"): Fault => ({ kind, after: 2 });
const shownBefore = PRIMARY_TEXT.split(" ").slice(0, 6).join(" ");

describe.concurrent("a failure after the first chunk, chain with no options", () => {
  it.each([
    ["stream cut", early("cut"), ProtocolError],
    ["malformed chunk", early("malformed"), ProtocolError],
    ["in-stream error", { kind: "error-frame", after: 2 } as Fault, ProviderError],
  ] as const)("%s inside the commit window: the fallback's answer with nothing else shown", async (_n, fault, errorClass) => {
    const p = await pair(fault);
    const chain = createFallbackChain([p.primaryAdapter, p.fallbackAdapter]);
    const { chunks, error } = await timed(chain.stream(USER));
    expect(error).toBeUndefined();
    expect(
      chunks
        .filter((c) => c.type === "content")
        .map((c) => c.type === "content" && c.content)
        .join(""),
    ).toBe(FALLBACK_TEXT);
    const report = getChainReport(chunks.at(-1) as never)!;
    expect(errorClass.isInstance(report.failures[0]!.error)).toBe(true);
    expect(report.recovered).toBe("none");
    await p.close();
  });

  it.each([
    ["stream cut", late("cut"), ProtocolError],
    ["malformed chunk", late("malformed"), ProtocolError],
  ] as const)("%s after commit: a reset, then the fallback's whole answer", async (_n, fault, errorClass) => {
    const p = await pair(fault);
    const chain = createFallbackChain([p.primaryAdapter, p.fallbackAdapter]);
    const { chunks, error } = await timed(chain.stream(USER));
    expect(error).toBeUndefined();
    expect(answerOf(chunks)).toEqual({ text: FALLBACK_TEXT, resets: 1 });
    const resetAt = chunks.findIndex((c) => c.type === "reset");
    expect(chunks[resetAt]).toMatchObject({ type: "reset", provider: "fallback" });
    expect(answerOf(chunks.slice(0, resetAt)).text.trim()).toBe(shownBefore);
    const report = getChainReport(chunks.at(-1) as never)!;
    expect(report.recovered).toBe("restart");
    expect(errorClass.isInstance(report.failures[0]!.error)).toBe(true);
    expect(p.fallback.chats[0]!.body?.messages).toEqual(USER); // a restart, not a prefill
    await p.close();
  });

  it("stream stall after commit: detected within 10 s, then a reset and the fallback's whole answer", async () => {
    const p = await pair(late("stall"));
    const chain = createFallbackChain([p.primaryAdapter, p.fallbackAdapter]);
    const { chunks, ms } = await timed(chain.stream(USER));
    expect(answerOf(chunks)).toEqual({ text: FALLBACK_TEXT, resets: 1 });
    expect(ms).toBeGreaterThanOrEqual(9_900);
    expect(ms).toBeLessThan(14_000);
    const report = getChainReport(chunks.at(-1) as never)!;
    expect(report.failures[0]).toMatchObject({ stage: "mid-stream" });
    expect(StreamTimeoutError.isInstance(report.failures[0]!.error)).toBe(true);
    await p.primary.chats[0]!.closed;
    await p.close();
  }, 20_000);

  it("collect() and textStream() with the defaults: the whole answer, never two run together", async () => {
    const p = await pair(late("cut"));
    const chain = createFallbackChain([p.primaryAdapter, p.fallbackAdapter]);
    const collected = await collect(chain.stream(USER));
    expect(collected.message.content).toBe(FALLBACK_TEXT);
    expect(collected.provider).toBe("fallback");
    let text = "";
    for await (const piece of textStream(chain.stream(USER))) text += piece;
    const [before, after] = text.split(RESTART_MARK);
    expect(before!.trim()).toBe(shownBefore);
    expect(after).toBe(FALLBACK_TEXT);
    await p.close();
  });

  it("missing [DONE] after the finish frame: a complete answer (servers that omit it exist)", async () => {
    const p = await pair({ kind: "no-done", finish: true });
    const chain = createFallbackChain([p.primaryAdapter, p.fallbackAdapter]);
    const { chunks } = await timed(chain.stream(USER));
    expect(answerOf(chunks).text).toBe(PRIMARY_TEXT);
    expect(chunks.at(-1)).toMatchObject({
      type: "done",
      finishReason: "stop",
      provider: "primary",
    });
    expect(p.fallback.chats).toHaveLength(0);
    await p.close();
  });

  it("missing [DONE] and finish frame: a truncation, never a success; the fallback answers", async () => {
    const p = await pair({ kind: "no-done", finish: false });
    const chain = createFallbackChain([p.primaryAdapter, p.fallbackAdapter]);
    const { chunks } = await timed(chain.stream(USER));
    expect(answerOf(chunks).text).toBe(FALLBACK_TEXT);
    expect(chunks.at(-1)).toMatchObject({ provider: "fallback" });
    const report = getChainReport(chunks.at(-1) as never)!;
    expect(report.failures[0]!.error).toMatchObject({
      code: "protocol_error",
      reason: "truncated",
    });
    await p.close();
  });

  it("a one-member chain never presents a truncated answer as a success", async () => {
    const p = await pair({ kind: "no-done", finish: false });
    const { chunks, error } = await timed(createFallbackChain([p.primaryAdapter]).stream(USER));
    expect(chunks.some((c) => c.type === "done")).toBe(false);
    expect(error).toMatchObject({ code: "protocol_error", reason: "truncated" });
    expect((error as ProtocolError).partial?.content).toBe(PRIMARY_TEXT);
    await p.close();
  });
});

describe.concurrent("a failure after the first chunk, tuned chain (midStream: continue)", () => {
  it.each([
    ["stream cut", late("cut")],
    ["stream stall", late("stall")],
    ["malformed chunk", late("malformed")],
  ] as const)("%s, fallback without assistant prefill: restarts behind a reset", async (_n, fault) => {
    const p = await pair(fault);
    const chain = createFallbackChain([p.primaryAdapter, p.fallbackAdapter], TUNED);
    const { chunks } = await timed(chain.stream(USER));
    expect(answerOf(chunks)).toEqual({ text: FALLBACK_TEXT, resets: 1 });
    expect(p.fallback.chats[0]!.body?.messages).toEqual(USER);
    expect(getChainReport(chunks.at(-1) as never)!.recovered).toBe("restart");
    await p.close();
  });

  it.each([
    ["stream cut", late("cut")],
    ["stream stall", late("stall")],
  ] as const)("%s, fallback accepting an assistant prefill: continues the shown text, no reset", async (_n, fault) => {
    const p = await pair(fault, { capabilities: { assistantPrefill: true } });
    const chain = createFallbackChain([p.primaryAdapter, p.fallbackAdapter], TUNED);
    const { chunks } = await timed(chain.stream(USER));
    const { text, resets } = answerOf(chunks);
    expect(resets).toBe(0);
    const sent = p.fallback.chats[0]!.body?.messages ?? [];
    expect(sent.at(-1)).toMatchObject({ role: "assistant" });
    const prefix = sent.at(-1)!.content;
    expect(prefix.trim()).toBe(shownBefore);
    expect(text).toBe(prefix + FALLBACK_TEXT);
    expect(getChainReport(chunks.at(-1) as never)!.recovered).toBe("continue");
    await p.close();
  });

  it("a fallback that claims assistant prefill but rejects it: restarts on it instead of failing", async () => {
    const p = await pair(late("cut"), {
      capabilities: { assistantPrefill: true },
      answer: (_n, seen) =>
        seen.body?.messages?.at(-1)?.role === "assistant"
          ? {
              kind: "status",
              status: 400,
              body: { error: { message: "assistant prefill is not supported" } },
            }
          : { kind: "ok" },
    });
    const chain = createFallbackChain([p.primaryAdapter, p.fallbackAdapter], {
      ...TUNED,
      breaker: { mode: "consecutive", failureThreshold: 1 },
    });
    const { chunks, error } = await timed(chain.stream(USER));
    expect(error).toBeUndefined();
    expect(answerOf(chunks)).toEqual({ text: FALLBACK_TEXT, resets: 1 });
    expect(p.fallback.chats).toHaveLength(2);
    expect(p.fallback.chats[0]!.body?.messages?.at(-1)?.role).toBe("assistant");
    expect(p.fallback.chats[1]!.body?.messages).toEqual(USER);
    expect(chain.breakerStates()[1]!.state).toBe("closed"); // the rejection was not its failure
    expect(getChainReport(chunks.at(-1) as never)!.recovered).toBe("restart");
    await p.close();
  });

  it("the default chain never sends a prefill, even to a member that accepts one", async () => {
    const p = await pair(late("cut"), { capabilities: { assistantPrefill: true } });
    const chain = createFallbackChain([p.primaryAdapter, p.fallbackAdapter]);
    const { chunks } = await timed(chain.stream(USER));
    expect(answerOf(chunks)).toEqual({ text: FALLBACK_TEXT, resets: 1 });
    expect(p.fallback.chats[0]!.body?.messages).toEqual(USER);
    await p.close();
  });
});
