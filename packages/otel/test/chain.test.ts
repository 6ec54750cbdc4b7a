import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { type AIAdapter, collect, UnavailableError } from "@x/core";
import { createMockAdapter, type MockStep, textSteps } from "@x/core/testing";
import { createFallbackChain, type FallbackChainOptions } from "@x/orchestrator";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createChainTracing, type InstrumentOptions, instrument } from "../src/index.js";
import {
  createHarness,
  drain,
  failureOf,
  type Harness,
  histogramPoints,
  parentIdOf,
} from "./harness.js";

let harness: Harness;
beforeEach(() => {
  harness = createHarness();
});
afterEach(async () => {
  await harness.shutdown();
});

const messages = [{ role: "user" as const, content: "Hello?" }];

function member(provider: string, script: MockStep[] | MockStep[][]) {
  return createMockAdapter({ provider, model: `${provider}-1`, script });
}

/** A connection reset before the response: transient, so a chain tries the member again. */
const reset = (provider: string): MockStep => ({
  type: "error",
  error: new UnavailableError(`${provider}: socket hang up`, { provider }),
});

/** A refused connection, as our adapters report it (chains move on without a retry). */
const down = (provider: string): MockStep => ({
  type: "error",
  error: new UnavailableError(`${provider}: connection refused`, {
    provider,
    cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
  }),
});

/** A traced chain over `members` (breakers off unless asked: each test starts clean). */
function tracedChain(
  members: AIAdapter[],
  options: FallbackChainOptions = {},
  tracingOptions: InstrumentOptions = {},
): AIAdapter {
  const tracing = createChainTracing({
    tracer: harness.tracer,
    meter: harness.meter,
    ...tracingOptions,
  });
  const chain = createFallbackChain(members, {
    breaker: false,
    ...options,
    onEvent: tracing.onEvent,
  });
  return tracing.instrument(chain);
}

function childrenOf(parent: ReadableSpan): ReadableSpan[] {
  const id = parent.spanContext().spanId;
  return harness.spans().filter((s) => parentIdOf(s) === id);
}

function eventNames(span: ReadableSpan): string[] {
  return span.events.map((e) => e.name);
}

describe("chain tracing", () => {
  it("a fallback reads as one request span with an attempt span per member", async () => {
    const traced = tracedChain([
      member("primary", [down("primary")]),
      member("backup", [...textSteps("Hi!"), { type: "done", usage: { outputTokens: 2 } }]),
    ]);
    await drain(traced.stream(messages));

    const request = harness.span("chat primary-1");
    expect(request.kind).toBe(SpanKind.CLIENT);
    expect(request.status.code).toBe(SpanStatusCode.UNSET);
    expect(request.attributes).toMatchObject({
      "gen_ai.provider.name": "backup",
      "gen_ai.request.model": "primary-1",
      "gen_ai.response.model": "backup-1",
      "x.chain.attempts": 2,
      "x.outcome": "success",
    });
    const fallback = request.events.find((e) => e.name === "x.chain.fallback");
    expect(fallback?.attributes).toMatchObject({
      "gen_ai.provider.name": "primary",
      "x.chain.member.index": 0,
      "x.chain.stage": "connect",
      "x.chain.after_commit": false,
      "error.type": "UnavailableError",
    });

    const attempts = childrenOf(request);
    expect(attempts.map((s) => s.name).sort()).toEqual(["attempt backup-1", "attempt primary-1"]);
    const first = harness.span("attempt primary-1");
    const second = harness.span("attempt backup-1");
    for (const attempt of attempts) {
      expect(attempt.kind).toBe(SpanKind.INTERNAL);
      expect(attempt.spanContext().traceId).toBe(request.spanContext().traceId);
    }
    expect(first.status.code).toBe(SpanStatusCode.ERROR);
    expect(first.attributes).toMatchObject({
      "gen_ai.provider.name": "primary",
      "gen_ai.request.model": "primary-1",
      "x.chain.attempt": 1,
      "x.chain.member.index": 0,
      "x.chain.hedged": false,
      "x.chain.stage": "connect",
      "x.outcome": "error",
      "error.type": "UnavailableError",
    });
    expect(second.status.code).toBe(SpanStatusCode.UNSET);
    expect(second.attributes).toMatchObject({ "x.chain.attempt": 2, "x.outcome": "success" });

    // One request counted once, under the provider that served it.
    const duration = (await harness.metrics()).get("gen_ai.client.operation.duration");
    const points = histogramPoints(duration);
    expect(points).toHaveLength(1);
    expect(points[0]?.attributes["gen_ai.provider.name"]).toBe("backup");
  });

  it("a restart after commit records the reset, and captured output is only the new answer", async () => {
    const traced = tracedChain(
      [
        member("primary", [...textSteps("Bonjour à"), down("primary")]),
        member("backup", [...textSteps("Hello there"), { type: "done" }]),
      ],
      // Commit on the first chunk: a failure after it is a visible restart, not a quiet fallback.
      { midStream: "restart", commitAfter: {} },
      { captureContent: true },
    );
    const chunks = await drain(traced.stream(messages));
    expect(chunks.some((c) => c.type === "reset")).toBe(true);

    const request = harness.span("chat primary-1");
    expect(eventNames(request)).toEqual(expect.arrayContaining(["x.chain.fallback", "x.reset"]));
    const reset = request.events.find((e) => e.name === "x.reset");
    expect(reset?.attributes?.["gen_ai.provider.name"]).toBe("backup");
    const fallback = request.events.find((e) => e.name === "x.chain.fallback");
    expect(fallback?.attributes).toMatchObject({
      "x.chain.stage": "mid-stream",
      "x.chain.after_commit": true,
    });
    expect(harness.span("attempt primary-1").attributes["x.chain.stage"]).toBe("mid-stream");
    const output = JSON.parse(request.attributes["gen_ai.output.messages"] as string);
    expect(output[0].parts).toEqual([{ type: "text", content: "Hello there" }]);
  });

  it("a caller's abort is not an error on the request or its attempt", async () => {
    const controller = new AbortController();
    const traced = tracedChain([
      member("primary", [...textSteps("partial"), { type: "hang" }]),
      member("backup", [...textSteps("unused"), { type: "done" }]),
    ]);
    let error: unknown;
    try {
      for await (const chunk of traced.stream(messages, { signal: controller.signal })) {
        if (chunk.type === "content") controller.abort();
      }
    } catch (caught) {
      error = caught;
    }
    expect((error as { code?: string }).code).toBe("aborted");
    const request = harness.span("chat primary-1");
    expect(request.status.code).toBe(SpanStatusCode.UNSET);
    expect(request.attributes["x.outcome"]).toBe("aborted");
    const attempt = harness.span("attempt primary-1");
    expect(attempt.status.code).toBe(SpanStatusCode.UNSET);
    expect(attempt.attributes["x.outcome"]).toBe("aborted");
    expect(harness.spans().filter((s) => s.name === "attempt backup-1")).toEqual([]);
  });

  it("a failure of every member: request status ERROR with error.type, each attempt failed", async () => {
    const traced = tracedChain([member("a", [down("a")]), member("b", [down("b")])]);
    const error = await failureOf(traced.stream(messages));
    expect((error as Error).name).toBe("AllAdaptersFailedError");
    const request = harness.span("chat a-1");
    expect(request.status.code).toBe(SpanStatusCode.ERROR);
    expect(request.attributes["error.type"]).toBe("AllAdaptersFailedError");
    const attempts = childrenOf(request);
    expect(attempts).toHaveLength(2);
    for (const attempt of attempts) {
      expect(attempt.status.code).toBe(SpanStatusCode.ERROR);
      expect(attempt.attributes["error.type"]).toBe("UnavailableError");
    }
    const [point] = histogramPoints(
      (await harness.metrics()).get("gen_ai.client.operation.duration"),
    );
    expect(point?.attributes["error.type"]).toBe("AllAdaptersFailedError");
  });

  it("two concurrent requests each get their own attempts", async () => {
    const traced = tracedChain([
      member("primary", [down("primary")]),
      member("backup", [{ type: "delay", ms: 5 }, ...textSteps("one two three"), { type: "done" }]),
    ]);
    const first = traced.stream([{ role: "user", content: "first" }]);
    const second = traced.stream([{ role: "user", content: "second" }]);
    await Promise.all([collect(first), collect(second)]);

    const requests = harness.spans().filter((s) => s.name === "chat primary-1");
    expect(requests).toHaveLength(2);
    const traceIds = new Set(requests.map((r) => r.spanContext().traceId));
    expect(traceIds.size).toBe(2);
    for (const request of requests) {
      const attempts = childrenOf(request);
      expect(attempts.map((a) => a.attributes["x.chain.attempt"]).sort()).toEqual([1, 2]);
      expect(eventNames(request).filter((n) => n === "x.chain.fallback")).toHaveLength(1);
    }
  });

  it("instrumented members nest under their attempt spans", async () => {
    const inner = { tracer: harness.tracer, metrics: false };
    const traced = tracedChain(
      [
        instrument(member("primary", [down("primary")]), inner),
        instrument(member("backup", [...textSteps("ok"), { type: "done" }]), inner),
      ],
      { model: "auto" },
    );
    await drain(traced.stream(messages));
    const request = harness.span("chat auto");
    expect(parentIdOf(harness.span("attempt primary-1"))).toBe(request.spanContext().spanId);
    expect(parentIdOf(harness.span("chat primary-1"))).toBe(
      harness.span("attempt primary-1").spanContext().spanId,
    );
    expect(parentIdOf(harness.span("chat backup-1"))).toBe(
      harness.span("attempt backup-1").spanContext().spanId,
    );
  });

  it("a hedge is an event, and the attempt it beat ends as abandoned", async () => {
    const traced = tracedChain(
      [
        member("slow", [{ type: "hang" }]),
        member("fast", [...textSteps("quick"), { type: "done" }]),
      ],
      { hedgeAfterMs: 10 },
    );
    await drain(traced.stream(messages));
    const request = harness.span("chat slow-1");
    const hedge = request.events.find((e) => e.name === "x.chain.hedge");
    expect(hedge?.attributes).toMatchObject({
      "gen_ai.provider.name": "fast",
      "x.chain.primary.index": 0,
    });
    expect(harness.span("attempt fast-1").attributes).toMatchObject({
      "x.chain.hedged": true,
      "x.outcome": "success",
    });
    const loser = harness.span("attempt slow-1");
    expect(loser.attributes["x.outcome"]).toBe("abandoned");
    expect(loser.status.code).toBe(SpanStatusCode.UNSET);
  });

  it("breaker open and skip are events on the requests they happen in", async () => {
    const traced = tracedChain(
      [member("flaky", [down("flaky")]), member("steady", [...textSteps("ok"), { type: "done" }])],
      { breaker: { failureThreshold: 1, cooldownMs: 60_000 } },
    );
    await drain(traced.stream(messages));
    await drain(traced.stream(messages));
    const [opened, skipped] = harness.spans().filter((s) => s.name === "chat flaky-1");
    const open = opened?.events.find((e) => e.name === "x.chain.breaker.open");
    expect(open?.attributes).toMatchObject({
      "gen_ai.provider.name": "flaky",
      "x.chain.breaker.failures": 1,
      "x.chain.breaker.cooldown_ms": 60_000,
      "error.type": "UnavailableError",
    });
    const skip = skipped?.events.find((e) => e.name === "x.chain.skip");
    expect(skip?.attributes).toMatchObject({
      "gen_ai.provider.name": "flaky",
      "x.chain.skip.reason": "circuit-open",
    });
    expect(childrenOf(skipped!).map((s) => s.name)).toEqual(["attempt steady-1"]);
  });

  it("a retry is an event on its attempt; members' servers are on their attempts", async () => {
    const flaky = Object.assign(
      member("flaky", [[reset("flaky")], [...textSteps("second try"), { type: "done" }]]),
      { baseUrl: "http://gpu-box.lan:11434" },
    );
    const traced = tracedChain([flaky], { retry: { maxRetries: 1, random: () => 0 } });
    await drain(traced.stream(messages));
    const attempt = harness.span("attempt flaky-1");
    expect(attempt.attributes).toMatchObject({
      "x.outcome": "success",
      "server.address": "gpu-box.lan",
      "server.port": 11434,
    });
    const retry = attempt.events.find((e) => e.name === "x.chain.retry");
    expect(retry?.attributes).toMatchObject({
      "x.chain.retry": 1,
      "x.chain.delay_ms": 0,
      "x.chain.stage": "connect",
      "error.type": "UnavailableError",
    });
    expect(childrenOf(harness.span("chat flaky-1"))).toHaveLength(1);
  });

  it("a chain nested in a chain, both traced with one tracing, reads as nested requests", async () => {
    const tracing = createChainTracing({ tracer: harness.tracer, metrics: false });
    const inner = tracing.instrument(
      createFallbackChain(
        [member("a", [down("a")]), member("b", [...textSteps("ok"), { type: "done" }])],
        {
          breaker: false,
          model: "inner",
          onEvent: tracing.onEvent,
        },
      ),
    );
    const outer = tracing.instrument(
      createFallbackChain([inner, member("c", [{ type: "done" }])], {
        breaker: false,
        model: "outer",
        onEvent: tracing.onEvent,
      }),
    );
    await drain(outer.stream(messages));
    const outerRequest = harness.span("chat outer");
    const outerAttempt = harness.span("attempt inner");
    const innerRequest = harness.span("chat inner");
    expect(parentIdOf(outerAttempt)).toBe(outerRequest.spanContext().spanId);
    expect(parentIdOf(innerRequest)).toBe(outerAttempt.spanContext().spanId);
    expect(
      childrenOf(innerRequest)
        .map((s) => s.name)
        .sort(),
    ).toEqual(["attempt a-1", "attempt b-1"]);
    expect(eventNames(innerRequest)).toContain("x.chain.fallback");
    expect(eventNames(outerRequest)).not.toContain("x.chain.fallback");
    expect(harness.spans().some((s) => s.name === "attempt c-1")).toBe(false);
  });

  it("events outside a traced request are ignored", () => {
    const tracing = createChainTracing({ tracer: harness.tracer });
    tracing.onEvent({ type: "breaker-close" });
    tracing.onEvent({ type: "something-new" });
    expect(harness.spans()).toEqual([]);
  });
});
