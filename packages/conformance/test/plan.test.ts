import type { AIAdapter, Capabilities } from "@x/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  conformanceCases,
  LoopbackServer,
  planConformance,
  runConformanceCases,
} from "../src/core.js";
import {
  generateReference,
  type Reference,
  referenceOptions,
  removeReference,
} from "./reference/generate.js";

const skipOf = (plan: ReturnType<typeof planConformance>, id: string) =>
  plan.find((p) => p.case.id === id)?.skipReason;

const NONE: Partial<Capabilities> = {
  tools: false,
  thinking: false,
  images: false,
  jsonSchema: false,
  usage: false,
};

let ref: Reference;
beforeAll(async () => {
  ref = await generateReference("plan");
});
afterAll(() => removeReference("plan"));

describe("planConformance", () => {
  it("has unique, dotted, stable case ids", () => {
    const ids = conformanceCases.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z]+\.[a-z0-9-]+$/);
    expect(ids.length).toBeGreaterThanOrEqual(75);
  });

  it("skips unclaimed capabilities with the reason, and runs what the adapter advertises", () => {
    const noTools = referenceOptions(ref, {
      capabilities: {},
      create: ({ baseUrl, model }) => new ref.RefAdapter({ baseUrl, model, capabilities: NONE }),
    });
    const plan = planConformance(noTools, {});
    expect(skipOf(plan, "tools.single")).toBe(
      "needs capability toolCalls (not claimed, and adapter.capabilities.tools is false)",
    );
    expect(skipOf(plan, "stream.tokens-per-sec")).toBe(
      "needs capability tokensPerSec (not claimed)",
    );
    expect(skipOf(plan, "stream.text-order")).toBeUndefined();
    // Not claimed to the suite, but advertised by the adapter: the tool cases run.
    const advertised = planConformance(referenceOptions(ref, { capabilities: {} }), {});
    expect(skipOf(advertised, "tools.single")).toBeUndefined();
  });

  it("honours options.skip, and skips what the codec cannot express, with the reason", () => {
    const {
      encodeInvalidToolArguments: _a,
      encodeCutToolCall: _b,
      keepAliveFrames: _c,
      toolChoices: _d,
      finishReasons: _e,
      timings: _f,
      ...codec
    } = ref.refCodec;
    const plan = planConformance(
      referenceOptions(ref, { codec, skip: { "http.503": "proxy rewrites 503" } }),
      {},
    );
    expect(skipOf(plan, "http.503")).toBe("skipped by options.skip: proxy rewrites 503");
    expect(skipOf(plan, "tools.invalid-arguments")).toMatch(/has no encodeInvalidToolArguments/);
    expect(skipOf(plan, "tools.cut-by-length")).toMatch(/has no encodeCutToolCall/);
    expect(skipOf(plan, "stream.keep-alive")).toMatch(/has no keepAliveFrames/);
    expect(skipOf(plan, "timeout.idle-keep-alive")).toMatch(/has no keepAliveFrames/);
    expect(skipOf(plan, "request.tool-choice")).toMatch(/declares no toolChoices/);
    expect(skipOf(plan, "stream.finish-reasons")).toMatch(/no finishReasons beyond stop/);
    expect(skipOf(plan, "stream.timings")).toMatch(/declares no server timings/);
    expect(skipOf(plan, "stream.tokens-per-sec")).toBeUndefined();
  });

  it("fails capabilities.consistent when a claim is not advertised by the adapter", async () => {
    const options = referenceOptions(ref, {
      create: ({ baseUrl, model }): AIAdapter =>
        new ref.RefAdapter({ baseUrl, model, capabilities: { tools: false } }),
      capabilities: { toolCalls: true },
    });
    const [result] = await runConformanceCases(options, {
      only: ["capabilities.consistent"],
      env: {},
    });
    expect(result?.status).toBe("failed");
    expect(result?.reason).toBe(
      "capabilities.toolCalls is claimed, but adapter.capabilities.tools is false",
    );
  });

  it("runs the live cases against the server the environment names", async () => {
    const { paths } = ref.refCodec;
    const live = await LoopbackServer.start({
      [paths.chat]: {
        kind: "stream",
        stream: ref.refCodec.encodeStream({ model: "live-model", text: ["Hi"] }),
      },
      [paths.health]: { kind: "answer", answer: ref.refCodec.encodeHealth() },
      [paths.models]: { kind: "answer", answer: ref.refCodec.encodeModels(["live-model:latest"]) },
    });
    try {
      const options = referenceOptions(ref, {
        live: { urlEnv: "LIVE_URL", modelEnv: "LIVE_MODEL" },
      });
      const off = await runConformanceCases(options, { only: ["live.stream"], env: {} });
      expect(off[0]).toMatchObject({
        status: "skipped",
        reason: "live mode off: set LIVE_URL and LIVE_MODEL to run against a real server",
      });
      const ids = ["live.stream", "live.health", "live.models", "live.abort"];
      const on = await runConformanceCases(options, {
        only: ids,
        env: { LIVE_URL: live.origin, LIVE_MODEL: "live-model" },
      });
      expect(on.map((r) => [r.id, r.status, r.reason])).toEqual(
        ids.map((id) => [id, "passed", undefined]),
      );
    } finally {
      await live.close();
    }
  });
});

describe("runConformance on a wrapper", () => {
  it("takes any AIAdapter factory: a wrapper around the adapter is held to the same contract", async () => {
    // A minimal pass-through wrapper, as a fallback chain or a retry policy is one.
    const wrap = (inner: AIAdapter): AIAdapter => ({
      provider: inner.provider,
      model: inner.model,
      capabilities: inner.capabilities,
      stream: (messages, options) => inner.stream(messages, options),
      healthCheck: (options) => inner.healthCheck(options),
      listModels: (options) => inner.listModels(options),
      close: () => inner.close?.() ?? Promise.resolve(),
    });
    const only = ["stream.text-order", "fault.truncated", "http.429", "abort.break"];
    const results = await runConformanceCases(
      referenceOptions(ref, {
        create: ({ baseUrl, model, apiKey, headers }) =>
          wrap(new ref.RefAdapter({ baseUrl, model, apiKey, headers })),
      }),
      { only, env: {} },
    );
    expect(results.map((r) => [r.id, r.status, r.reason])).toEqual(
      only.map((id) => [id, "passed", undefined]),
    );
  });
});
