import {
  AbortedError,
  AdapterError,
  AuthenticationError,
  ContextLengthError,
  InvalidRequestError,
  ModelLoadingTimeoutError,
  ModelNotFoundError,
  ProtocolError,
  ProviderError,
  RateLimitError,
  ServerError,
  StreamTimeoutError,
  UnavailableError,
} from "@x/core";
import { createMockAdapter, textSteps } from "@x/core/testing";
import { describe, expect, it } from "vitest";
import { AllAdaptersFailedError, createFallbackChain, getChainReport } from "../src/index.js";
import { drain, recorder, USER, visibleText } from "./helpers.js";

const who = { provider: "p", model: "m" };
const ok = (provider: string, text = `answer from ${provider}`) =>
  createMockAdapter({ provider, script: [...textSteps(text), { type: "done" }] });
const failing = (provider: string, error: Error) =>
  createMockAdapter({ provider, script: [{ type: "error", error }] });

const fallbackErrors: [string, Error][] = [
  ["UnavailableError", new UnavailableError("refused", who)],
  ["ModelLoadingTimeoutError", new ModelLoadingTimeoutError("slow", { ...who, timeoutMs: 1 })],
  ["StreamTimeoutError", new StreamTimeoutError("idle", { ...who, timeoutMs: 1, phase: "idle" })],
  ["ServerError 503", new ServerError("503", { ...who, status: 503 })],
  ["RateLimitError 429", new RateLimitError("429", { ...who, status: 429 })],
  ["ModelNotFoundError", new ModelNotFoundError("404", { ...who, status: 404 })],
  ["AuthenticationError", new AuthenticationError("401", { ...who, status: 401 })],
  ["ProtocolError", new ProtocolError("bad", { ...who, reason: "malformed_frame" })],
  ["ProviderError", new ProviderError("in-band", who)],
  // The next member may have a larger context.
  ["ContextLengthError", new ContextLengthError("too long", { ...who, status: 400 })],
];

describe("what falls back", () => {
  it.each(fallbackErrors)("falls back on %s", async (_name, error) => {
    const a = failing("a", error);
    const b = ok("b");
    const { chunks, error: thrown } = await drain(createFallbackChain([a, b]).stream(USER));
    expect(thrown).toBeUndefined();
    expect(visibleText(chunks)).toBe("answer from b");
    expect(chunks.at(-1)).toMatchObject({ type: "done", provider: "b" });
  });

  it("never falls back on AbortedError and does not call the next member", async () => {
    const a = failing("a", new AbortedError("gone", who));
    const b = ok("b");
    const { error } = await drain(createFallbackChain([a, b]).stream(USER));
    expect(AbortedError.isInstance(error)).toBe(true);
    expect(b.calls).toHaveLength(0);
  });

  it.each([
    ["InvalidRequestError", new InvalidRequestError("400", { ...who, status: 400 })],
    ["a TypeError", new TypeError("content must be a string")],
  ])("does not fall back on the caller's own error (%s) by default", async (_name, err) => {
    const b = ok("b");
    const { error } = await drain(createFallbackChain([failing("a", err), b]).stream(USER));
    expect(error).toBe(err);
    expect(b.calls).toHaveLength(0);
  });

  it("a replaceable shouldFallback routes an InvalidRequestError to the next member", async () => {
    const err = new InvalidRequestError("filtered", { ...who, status: 400 });
    const seen: unknown[] = [];
    const chain = createFallbackChain([failing("a", err), ok("b")], {
      shouldFallback: (e, ctx) => {
        seen.push(ctx);
        return InvalidRequestError.isInstance(e);
      },
    });
    const { chunks } = await drain(chain.stream(USER));
    expect(visibleText(chunks)).toBe("answer from b");
    expect(seen).toEqual([
      {
        adapter: { provider: "a", model: "mock-model", index: 0 },
        stage: "connect",
        committed: false,
        attempt: 1,
      },
    ]);
  });

  it("shouldFallback is never consulted for AbortedError", async () => {
    let asked = 0;
    const chain = createFallbackChain([failing("a", new AbortedError("x", who)), ok("b")], {
      shouldFallback: () => {
        asked++;
        return true;
      },
    });
    const { error } = await drain(chain.stream(USER));
    expect(AbortedError.isInstance(error)).toBe(true);
    expect(asked).toBe(0);
  });
});

describe("AllAdaptersFailedError", () => {
  it("lists every attempt with adapter, error, stage and duration", async () => {
    const e1 = new UnavailableError("refused", { provider: "a" });
    const a = failing("a", e1);
    const b = createMockAdapter({
      provider: "b",
      script: [{ type: "content", content: "x" }, { type: "truncate" }],
    });
    const c = createMockAdapter({ provider: "c", script: [{ type: "hang" }] });
    const chain = createFallbackChain([a, b, { adapter: c, firstChunkMs: 20 }], {
      breaker: false,
      retry: false,
      commitAfter: { chars: 100 },
    });
    const { chunks, error } = await drain(chain.stream(USER));
    expect(AllAdaptersFailedError.isInstance(error)).toBe(true);
    expect(AdapterError.isInstance(error)).toBe(true);
    const all = error as AllAdaptersFailedError;
    expect(all.code).toBe("all_adapters_failed");
    expect(all.attempts.map((x) => [x.adapter.provider, x.adapter.index, x.stage])).toEqual([
      ["a", 0, "connect"],
      ["b", 1, "mid-stream"],
      ["c", 2, "first-chunk"],
    ]);
    expect(all.attempts[0]!.error).toBe(e1);
    expect(ProtocolError.isInstance(all.attempts[1]!.error)).toBe(true);
    expect(ModelLoadingTimeoutError.isInstance(all.attempts[2]!.error)).toBe(true);
    for (const x of all.attempts) expect(x.durationMs).toBeGreaterThanOrEqual(0);
    expect(all.attempts[2]!.durationMs).toBeGreaterThanOrEqual(15);
    // b's "x" was still held back (commit window), so nothing reached the consumer.
    expect(chunks).toEqual([]);
    expect(c.openStreams).toBe(0);
    expect(JSON.stringify(all.toJSON())).toContain("first-chunk");
  });

  it("a one-member chain is transparent: its single failure is thrown as is", async () => {
    const e = new UnavailableError("refused", { provider: "a" });
    const { error } = await drain(createFallbackChain([failing("a", e)]).stream(USER));
    expect(error).toBe(e);
    const { error: two } = await drain(
      createFallbackChain([failing("a", e), failing("b", e)]).stream(USER),
    );
    expect(AllAdaptersFailedError.isInstance(two)).toBe(true);
  });

  it("isInstance survives a structurally branded copy and rejects other errors", () => {
    const err = new AllAdaptersFailedError("x", { provider: "chain", attempts: [] });
    expect(AllAdaptersFailedError.isInstance(err)).toBe(true);
    expect(AllAdaptersFailedError.isInstance(new Error("x"))).toBe(false);
    const foreign = Object.assign(new Error("y"), {
      [Symbol.for("@x/orchestrator/AllAdaptersFailedError")]: true,
    });
    expect(AllAdaptersFailedError.isInstance(foreign)).toBe(true);
  });
});

describe("capabilities", () => {
  it("skips a member lacking a needed capability with a skip event", async () => {
    const noTools = createMockAdapter({
      provider: "a",
      capabilities: { tools: false },
      script: [{ type: "done" }],
    });
    const b = ok("b");
    const rec = recorder();
    const chain = createFallbackChain([noTools, b], { onEvent: rec.onEvent });
    const tools = [{ type: "function" as const, function: { name: "f" } }];
    const { chunks } = await drain(chain.stream(USER, { tools }));
    expect(noTools.calls).toHaveLength(0);
    expect(chunks.at(-1)).toMatchObject({ provider: "b" });
    expect(rec.events[0]).toMatchObject({ type: "skip", reason: "capability", missing: ["tools"] });
  });

  it.each([
    ["images", { images: false }, [{ role: "user" as const, content: "x", images: ["aGk="] }], {}],
    [
      "jsonSchema",
      { jsonSchema: false },
      USER,
      { responseFormat: { type: "json_schema" as const, schema: {} } },
    ],
    ["thinking", { thinking: false }, USER, { think: true as const }],
  ])("skips on missing %s", async (name, caps, messages, options) => {
    const a = createMockAdapter({ provider: "a", capabilities: caps, script: [{ type: "done" }] });
    const rec = recorder();
    const { chunks } = await drain(
      createFallbackChain([a, ok("b")], { onEvent: rec.onEvent }).stream(messages, options),
    );
    expect(a.calls).toHaveLength(0);
    expect(chunks.at(-1)).toMatchObject({ provider: "b" });
    expect(rec.events[0]).toMatchObject({ type: "skip", missing: [name] });
  });

  it("throws AllAdaptersFailedError listing skipped members when none qualifies", async () => {
    const a = createMockAdapter({
      provider: "a",
      capabilities: { images: false },
      script: [{ type: "done" }],
    });
    const { error } = await drain(
      createFallbackChain([a]).stream([{ role: "user", content: "x", images: ["aGk="] }]),
    );
    expect(AllAdaptersFailedError.isInstance(error)).toBe(true);
    expect((error as AllAdaptersFailedError).skipped).toHaveLength(1);
  });

  it("advertises the union of its members' capabilities", () => {
    const a = createMockAdapter({ capabilities: { tools: false, images: false }, script: [] });
    const b = createMockAdapter({ capabilities: { tools: true, images: false }, script: [] });
    expect(createFallbackChain([a, b]).capabilities).toMatchObject({ tools: true, images: false });
  });
});

describe("adapter surface", () => {
  it("names itself and nests", async () => {
    const inner = createFallbackChain([failing("a", new UnavailableError("x", who)), ok("b")], {
      provider: "inner",
    });
    const outer = createFallbackChain([inner, ok("c")]);
    expect(outer.provider).toBe("chain");
    expect(outer.model).toBe("mock-model");
    expect(inner.provider).toBe("inner");
    const { chunks } = await drain(outer.stream(USER));
    expect(chunks.at(-1)).toMatchObject({ type: "done", provider: "b" });
    const innerDown = createFallbackChain([failing("a", new UnavailableError("x", who))], {
      provider: "inner",
    });
    const outer2 = createFallbackChain([innerDown, ok("c")], { model: "named" });
    expect(outer2.model).toBe("named");
    const second = await drain(outer2.stream(USER));
    expect(second.chunks.at(-1)).toMatchObject({ provider: "c" });
  });

  it("healthCheck is true if any member is healthy, false otherwise, and never throws", async () => {
    const sick = createMockAdapter({ script: [], health: false });
    const throws = createMockAdapter({
      script: [],
      health: () => {
        throw new Error("boom");
      },
    });
    const well = createMockAdapter({ script: [], health: true });
    expect(await createFallbackChain([sick, throws, well]).healthCheck()).toBe(true);
    expect(await createFallbackChain([sick, throws]).healthCheck()).toBe(false);
  });

  it("listModels merges attributable lists and de-duplicates names", async () => {
    const a = createMockAdapter({ provider: "a", script: [], models: ["x", "y"] });
    const b = createMockAdapter({ provider: "b", script: [], models: ["y", "z"] });
    const down = createMockAdapter({
      provider: "c",
      script: [],
      models: new UnavailableError("down", who),
    });
    const chain = createFallbackChain([a, b, down]);
    expect(await chain.listModels()).toEqual(["x", "y", "z"]);
    const by = await chain.listModelsByAdapter();
    expect(by.map((e) => [e.adapter.provider, e.models])).toEqual([
      ["a", ["x", "y"]],
      ["b", ["y", "z"]],
      ["c", []],
    ]);
    expect(UnavailableError.isInstance(by[2]!.error)).toBe(true);
    await expect(createFallbackChain([down, down]).listModels()).rejects.toSatisfy(
      AllAdaptersFailedError.isInstance,
    );
    await expect(createFallbackChain([down]).listModels()).rejects.toSatisfy(
      UnavailableError.isInstance,
    );
  });

  it("done names the serving provider and sums usage over attempts, abandoned usage separately", async () => {
    const abandoned = Object.assign(new ServerError("503", { ...who, status: 503 }), {
      usage: { inputTokens: 10 },
    });
    const b = createMockAdapter({
      provider: "b",
      script: [
        { type: "content", content: "hi" },
        { type: "done", usage: { inputTokens: 5, outputTokens: 2 } },
      ],
    });
    const chain = createFallbackChain([failing("a", abandoned), b], { retry: false });
    const { chunks } = await drain(chain.stream(USER));
    const done = chunks.at(-1)!;
    expect(done).toMatchObject({
      type: "done",
      provider: "b",
      usage: { inputTokens: 15, outputTokens: 2 },
    });
    if (done.type !== "done") throw new Error("no done");
    const report = getChainReport(done)!;
    expect(report.servedBy).toEqual({ provider: "b", model: "mock-model", index: 1 });
    expect(report.servedUsage).toEqual({ inputTokens: 5, outputTokens: 2 });
    expect(report.abandonedUsage).toEqual({ inputTokens: 10 });
    expect(report.attempts).toBe(2);
    expect(report.failures).toHaveLength(1);
  });

  it("emits attempt, retry, failure, fallback and success events with timings", async () => {
    const rec = recorder();
    const chain = createFallbackChain([failing("a", new UnavailableError("x", who)), ok("b")], {
      onEvent: rec.onEvent,
    });
    await drain(chain.stream(USER));
    // By default a refused connection is tried once more after a short backoff.
    expect(rec.types()).toEqual(["attempt", "retry", "failure", "fallback", "attempt", "success"]);
    expect(rec.events[1]).toMatchObject({ adapter: { provider: "a" }, stage: "connect", retry: 1 });
    expect(rec.events[2]).toMatchObject({ adapter: { provider: "a" }, stage: "connect" });
    expect(rec.events[5]).toMatchObject({ adapter: { provider: "b", index: 1 }, attempts: 2 });
    for (const e of rec.events) if ("elapsedMs" in e) expect(e.elapsedMs).toBeGreaterThanOrEqual(0);
  });

  it("a throwing event listener does not break the stream", async () => {
    const chain = createFallbackChain([ok("a")], {
      onEvent: () => {
        throw new Error("listener bug");
      },
    });
    const { error } = await drain(chain.stream(USER));
    expect(error).toBeUndefined();
  });

  it("rejects an empty member list", () => {
    expect(() => createFallbackChain([])).toThrow(TypeError);
  });
});
