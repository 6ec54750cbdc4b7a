import { InvalidRequestError, ServerError, type StreamChunk, UnavailableError } from "@x/core";
import { createMockAdapter, type MockStep, textSteps } from "@x/core/testing";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AllAdaptersFailedError, createFallbackChain, getChainReport } from "../src/index.js";
import { drain, recorder, USER, visibleText } from "./helpers.js";

const who = { provider: "a", model: "m" };
const boom = () => new ServerError("upstream died", { ...who, status: 502 });
const partialThenDie = (_provider: string, text: string): MockStep[] => [
  ...textSteps(text),
  { type: "error", error: boom },
];
const full = (provider: string, text: string, assistantPrefill = false) =>
  createMockAdapter({
    provider,
    capabilities: { assistantPrefill },
    script: [...textSteps(text), { type: "done" }],
  });
/** Commit at the first chunk, so failures after it are "after commit". */
const NO_WINDOW = { commitAfter: {} };

afterEach(() => {
  vi.useRealTimers();
});

describe("commit point", () => {
  it("default: commits at the first chunk (it is yielded before the second exists)", async () => {
    const a = createMockAdapter({
      provider: "a",
      script: [{ type: "content", content: "first" }, { type: "hang" }],
    });
    const iterator = createFallbackChain([a]).stream(USER)[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({
      done: false,
      value: { type: "content", content: "first" },
    });
    await iterator.return?.();
    expect(a.openStreams).toBe(0);
  });

  it("chars: a failure inside the window falls back with nothing visible", async () => {
    const a = createMockAdapter({ provider: "a", script: partialThenDie("a", "Hello wor") });
    const b = full("b", "Bonjour le monde");
    const rec = recorder();
    const chain = createFallbackChain([a, b], { commitAfter: { chars: 20 }, onEvent: rec.onEvent });
    const { chunks, error } = await drain(chain.stream(USER));
    expect(error).toBeUndefined();
    expect(chunks.some((c) => c.type === "reset")).toBe(false);
    expect(visibleText(chunks)).toBe("Bonjour le monde");
    expect(rec.events.find((e) => e.type === "fallback")).toMatchObject({
      stage: "mid-stream",
      afterCommit: false,
    });
  });

  it("chars: once reached, the held chunks are released in order", async () => {
    const a = createMockAdapter({
      provider: "a",
      script: [...textSteps("aaaa bbbb cccc"), { type: "hang" }],
    });
    const iterator = createFallbackChain([a], { commitAfter: { chars: 8 } })
      .stream(USER)
      [Symbol.asyncIterator]();
    const got: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await iterator.next();
      if (!r.done && r.value.type === "content") got.push(r.value.content);
    }
    expect(got.join("")).toBe("aaaa bbbb cccc");
    await iterator.return?.();
    expect(a.openStreams).toBe(0);
  });

  it("ms: commits when the time bound passes even with few characters (fake timers)", async () => {
    vi.useFakeTimers();
    const a = createMockAdapter({
      provider: "a",
      script: [
        { type: "content", content: "x" },
        { type: "delay", ms: 1000 },
        { type: "content", content: "y" },
        { type: "done" },
      ],
    });
    const iterator = createFallbackChain([a], { commitAfter: { chars: 100, ms: 200 } })
      .stream(USER)
      [Symbol.asyncIterator]();
    const first = iterator.next();
    let settled = false;
    void first.then(() => {
      settled = true;
    });
    await vi.advanceTimersByTimeAsync(150);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(100);
    expect(settled).toBe(true);
    expect(await first).toEqual({ done: false, value: { type: "content", content: "x" } });
    const rest = iterator.next();
    await vi.advanceTimersByTimeAsync(1000);
    expect(await rest).toEqual({ done: false, value: { type: "content", content: "y" } });
    expect((await iterator.next()).value).toMatchObject({ type: "done" });
    expect((await iterator.next()).done).toBe(true);
  });
});

describe("after commit", () => {
  it('default: "restart", with a commit window that hides a failure in the first 200 ms', async () => {
    const a = createMockAdapter({ provider: "a", script: partialThenDie("a", "Hello wor") });
    const b = full("b", "Bonjour le monde");
    const { chunks } = await drain(createFallbackChain([a, b]).stream(USER));
    expect(chunks.map((c) => c.type)).toEqual(["content", "content", "content", "done"]);
    expect(visibleText(chunks)).toBe("Bonjour le monde");
    const slow = createMockAdapter({
      provider: "a",
      script: [...textSteps("Hello "), { type: "delay", ms: 300 }, ...partialThenDie("a", "wor")],
    });
    const late = await drain(createFallbackChain([slow, full("b", "Bonjour")]).stream(USER));
    expect(late.chunks.map((c) => c.type)).toEqual([
      "content",
      "content",
      "reset",
      "content",
      "done",
    ]);
    expect(visibleText(late.chunks)).toBe("Bonjour");
  });

  it('"error" throws the failure with the visible partial output', async () => {
    const a = createMockAdapter({ provider: "a", script: partialThenDie("a", "Hello wor") });
    const b = full("b", "never");
    const chain = createFallbackChain([a, b], { ...NO_WINDOW, midStream: "error" });
    const { chunks, error } = await drain(chain.stream(USER));
    expect(visibleText(chunks)).toBe("Hello wor");
    expect(ServerError.isInstance(error)).toBe(true);
    expect((error as ServerError).partial).toEqual({
      content: "Hello wor",
      thinking: "",
      toolCalls: [],
    });
    expect(b.calls).toHaveLength(0);
  });

  it('"restart" yields a reset chunk naming the next provider, then its whole answer', async () => {
    const a = createMockAdapter({ provider: "a", script: partialThenDie("a", "Hello wor") });
    const b = full("b", "Bonjour le monde");
    const rec = recorder();
    const { chunks } = await drain(
      createFallbackChain([a, b], { ...NO_WINDOW, onEvent: rec.onEvent }).stream(USER),
    );
    const resetAt = chunks.findIndex((c) => c.type === "reset");
    expect(resetAt).toBeGreaterThan(0);
    expect(chunks[resetAt]).toEqual({ type: "reset", reason: "upstream died", provider: "b" });
    expect(visibleText(chunks.slice(0, resetAt))).toBe("Hello wor");
    expect(visibleText(chunks)).toBe("Bonjour le monde");
    const done = chunks.at(-1)!;
    expect(done).toMatchObject({ type: "done", provider: "b" });
    if (done.type === "done") expect(getChainReport(done)?.recovered).toBe("restart");
    expect(rec.events.find((e) => e.type === "fallback")).toMatchObject({ afterCommit: true });
  });

  it('"restart" with no member left throws AllAdaptersFailedError carrying the partial', async () => {
    const a = createMockAdapter({ provider: "a", script: partialThenDie("a", "Hello wor") });
    const b = createMockAdapter({
      provider: "b",
      script: [{ type: "error", error: new UnavailableError("no", who) }],
    });
    const { error } = await drain(
      createFallbackChain([a, b], { ...NO_WINDOW, retry: false }).stream(USER),
    );
    expect(AllAdaptersFailedError.isInstance(error)).toBe(true);
    expect((error as AllAdaptersFailedError).partial?.content).toBe("Hello wor");
    expect((error as AllAdaptersFailedError).attempts.map((x) => x.stage)).toEqual([
      "mid-stream",
      "connect",
    ]);
  });

  it('"continue" sends the partial as an assistant prefix with an instruction and yields only the continuation', async () => {
    const a = createMockAdapter({ provider: "a", script: partialThenDie("a", "The quick brown ") });
    const b = full("b", "fox jumps.", true);
    const chain = createFallbackChain([a, b], {
      ...NO_WINDOW,
      midStream: "continue",
      continueInstruction: "CONTINUE",
    });
    const { chunks } = await drain(chain.stream(USER));
    expect(chunks.some((c) => c.type === "reset")).toBe(false);
    expect(visibleText(chunks)).toBe("The quick brown fox jumps.");
    const sent = b.calls[0]!.messages;
    expect(sent.slice(0, USER.length)).toEqual(USER);
    expect(sent.slice(USER.length)).toEqual([
      { role: "system", content: "CONTINUE" },
      { role: "assistant", content: "The quick brown " },
    ]);
    const done = chunks.at(-1)!;
    expect(done).toMatchObject({ type: "done", provider: "b" });
    if (done.type === "done") expect(getChainReport(done)?.recovered).toBe("continue");
  });

  it('"continue" toward a member that does not declare assistantPrefill restarts behind a reset', async () => {
    const a = createMockAdapter({ provider: "a", script: partialThenDie("a", "The quick brown ") });
    const b = full("b", "A fox.");
    const chain = createFallbackChain([a, b], { ...NO_WINDOW, midStream: "continue" });
    const { chunks } = await drain(chain.stream(USER));
    expect(chunks.filter((c) => c.type === "reset")).toHaveLength(1);
    expect(visibleText(chunks)).toBe("A fox.");
    expect(b.calls[0]!.messages).toEqual(USER);
    const done = chunks.at(-1)!;
    expect(done).toMatchObject({ type: "done", provider: "b" });
    if (done.type === "done") expect(getChainReport(done)?.recovered).toBe("restart");
  });

  it('"continue" never continues after a member that rejected the prefill: it restarts on it', async () => {
    const a = createMockAdapter({ provider: "a", script: partialThenDie("a", "The quick brown ") });
    const rejects = createMockAdapter({
      provider: "b",
      capabilities: { assistantPrefill: true },
      script: (_call, messages) =>
        messages.at(-1)?.role === "assistant"
          ? [
              {
                type: "error",
                error: new InvalidRequestError("prefill not supported", { ...who, status: 400 }),
              },
            ]
          : [...textSteps("A fox."), { type: "done" }],
    });
    const rec = recorder();
    const chain = createFallbackChain([a, rejects], {
      ...NO_WINDOW,
      midStream: "continue",
      onEvent: rec.onEvent,
    });
    const { chunks, error } = await drain(chain.stream(USER));
    expect(error).toBeUndefined();
    expect(chunks.filter((c) => c.type === "reset")).toHaveLength(1);
    expect(visibleText(chunks)).toBe("A fox.");
    expect(rejects.calls).toHaveLength(2);
    expect(rec.events.find((e) => e.type === "retry")).toMatchObject({
      reason: "prefill-rejected",
      delayMs: 0,
    });
  });

  it('"continue" with only thinking visible restarts instead (an empty prefix would replay)', async () => {
    const a = createMockAdapter({
      provider: "a",
      script: [
        { type: "thinking", thinking: "hmm" },
        { type: "error", error: boom },
      ],
    });
    const b = full("b", "answer", true);
    const { chunks } = await drain(
      createFallbackChain([a, b], { ...NO_WINDOW, midStream: "continue" }).stream(USER),
    );
    expect(chunks.map((c) => c.type)).toEqual(["thinking", "reset", "content", "done"]);
    expect(b.calls[0]!.messages).toEqual(USER);
  });

  it.each([
    "restart",
    "continue",
  ] as const)("tool calls already yielded are never re-emitted or re-requested (%s degrades to error)", async (midStream) => {
    const call = { id: "c1", name: "charge", arguments: { amount: 5 } };
    const a = createMockAdapter({
      provider: "a",
      script: [
        { type: "tool_calls", toolCalls: [call] },
        { type: "error", error: boom },
      ],
    });
    const b = full("b", "never", true);
    const chain = createFallbackChain([a, b], { ...NO_WINDOW, midStream });
    const { chunks, error } = await drain(chain.stream(USER));
    expect(chunks.filter((c) => c.type === "tool_calls")).toHaveLength(1);
    expect(b.calls).toHaveLength(0);
    expect(ServerError.isInstance(error)).toBe(true);
    expect((error as ServerError).partial?.toolCalls).toEqual([call]);
  });

  it("a truncated stream after commit is a failure, not a success", async () => {
    const a = createMockAdapter({
      provider: "a",
      script: [{ type: "content", content: "Hel" }, { type: "truncate" }],
    });
    const { chunks, error } = await drain(createFallbackChain([a]).stream(USER));
    expect(chunks.some((c) => c.type === "done")).toBe(false);
    expect(error).toMatchObject({ code: "protocol_error", partial: { content: "Hel" } });
  });

  it("an adapter that just stops iterating (no done) is treated as truncated", async () => {
    const bare = {
      ...full("a", ""),
      provider: "bare",
      async *stream(): AsyncGenerator<StreamChunk> {
        yield { type: "content", content: "x" };
      },
    };
    const { error } = await drain(createFallbackChain([bare]).stream(USER));
    expect(error).toMatchObject({ code: "protocol_error", reason: "truncated" });
  });
});

describe("consumer break", () => {
  it("propagates return() to the active member", async () => {
    const a = createMockAdapter({
      provider: "a",
      script: [...textSteps("one two three four"), { type: "done" }],
    });
    for await (const chunk of createFallbackChain([a]).stream(USER)) {
      if (chunk.type === "content") break;
    }
    expect(a.openStreams).toBe(0);
    expect(a.calls[0]!.outcome).toBe("cancelled");
  });

  it("a cancel is not a failure: the next member is never called", async () => {
    const a = createMockAdapter({
      provider: "a",
      script: [...textSteps("one two three"), { type: "hang" }],
    });
    const b = full("b", "never");
    const rec = recorder();
    const chain = createFallbackChain([a, b], { ...NO_WINDOW, onEvent: rec.onEvent });
    let n = 0;
    for await (const _ of chain.stream(USER)) if (++n === 2) break;
    expect(b.calls).toHaveLength(0);
    expect(rec.types()).not.toContain("failure");
    expect(chain.breakerStates()[0]!.state).toBe("closed");
  });

  it("caller abort mid-stream throws AbortedError and does not fall back", async () => {
    const controller = new AbortController();
    const a = createMockAdapter({
      provider: "a",
      script: [{ type: "content", content: "x" }, { type: "hang" }],
    });
    const b = full("b", "never");
    const chain = createFallbackChain([a, b], NO_WINDOW);
    const seen: StreamChunk[] = [];
    let error: unknown;
    try {
      for await (const chunk of chain.stream(USER, { signal: controller.signal })) {
        seen.push(chunk);
        controller.abort();
      }
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: "aborted", partial: { content: "x" } });
    expect(seen).toHaveLength(1);
    expect(b.calls).toHaveLength(0);
    expect(a.openStreams).toBe(0);
  });
});

describe("property: never a silent splice", () => {
  it("whatever the failure points, visible output is one answer or reset-separated answers", async () => {
    const answers = ["alpha beta gamma delta ", "one two three four five ", "red green blue "];
    const step = fc.record({
      failAt: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
      kind: fc.constantFrom("error", "truncate", "hang"),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(step, step, step),
        fc.constantFrom("error", "restart", "continue"),
        fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }),
        async (plans, midStream, chars) => {
          const adapters = plans.map((plan, i) => {
            const words = textSteps(answers[i]!);
            const script: MockStep[] =
              plan.failAt === undefined || plan.failAt >= words.length
                ? [...words, { type: "done" }]
                : [
                    ...words.slice(0, plan.failAt),
                    plan.kind === "error"
                      ? { type: "error", error: boom }
                      : plan.kind === "truncate"
                        ? { type: "truncate" }
                        : { type: "hang" },
                  ];
            return {
              // Alternate members that accept an assistant prefill and members that do not.
              adapter: createMockAdapter({
                provider: `p${i}`,
                capabilities: { assistantPrefill: i % 2 === 1 },
                script,
              }),
              idleMs: 5,
              firstChunkMs: 5,
            };
          });
          const chain = createFallbackChain(adapters, {
            midStream,
            commitAfter: chars === undefined ? undefined : { chars },
            breaker: false,
          });
          const { chunks, error } = await drain(chain.stream(USER));
          // Split the visible output into segments separated by reset chunks.
          const segments: string[] = [""];
          for (const c of chunks) {
            if (c.type === "reset") segments.push("");
            if (c.type === "content") segments[segments.length - 1] += c.content;
          }
          const done = chunks.at(-1)?.type === "done";
          for (let s = 0; s < segments.length; s++) {
            const seg = segments[s]!;
            const last = s === segments.length - 1;
            // The only permitted join is an explicit continuation, told exactly what was
            // visible: cut the segment where continuations began; every piece must then be the
            // start of exactly one answer.
            const cuts = new Set<number>([0, seg.length]);
            for (const { adapter } of adapters) {
              for (const call of adapter.calls) {
                if (call.messages.length === USER.length) continue;
                const prefix = call.messages.at(-1)!;
                expect(prefix.role).toBe("assistant");
                expect(midStream).toBe("continue");
                expect(segments.some((other) => other.startsWith(prefix.content))).toBe(true);
                if (seg.startsWith(prefix.content)) cuts.add(prefix.content.length);
              }
            }
            const at = [...cuts].sort((x, y) => x - y);
            const pieces = at.slice(1).map((end, k) => seg.slice(at[k], end));
            for (const piece of pieces) {
              expect(piece === "" || answers.filter((a) => a.startsWith(piece)).length === 1).toBe(
                true,
              );
            }
            // The answer that ended in done is shown whole.
            if (last && done) expect(answers).toContain(pieces.at(-1));
          }
          expect(done || error !== undefined).toBe(true);
          for (const a of adapters) expect(a.adapter.openStreams).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });
});
