import type { AIAdapter } from "@x/core";
import { describe, expect, it } from "vitest";
import {
  conformanceCases,
  LoopbackServer,
  planConformance,
  runConformanceCases,
} from "../src/core.js";
import { referenceOptions } from "./broken-helpers.js";
import { RefAdapter } from "./reference/ref-adapter.js";
import { refCodec } from "./reference/ref-codec.js";

const skipOf = (plan: ReturnType<typeof planConformance>, id: string) =>
  plan.find((p) => p.case.id === id)?.skipReason;

describe("planConformance", () => {
  it("has unique, dotted, stable case ids", () => {
    const ids = conformanceCases.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z]+\.[a-z0-9-]+$/);
    expect(ids.length).toBeGreaterThanOrEqual(50);
  });

  it("skips unclaimed capabilities with the reason, and runs what the adapter advertises", () => {
    const noTools = referenceOptions(undefined, {
      capabilities: {},
      create: ({ baseUrl, model }) =>
        new RefAdapter({
          baseUrl,
          model,
          capabilities: {
            tools: false,
            thinking: false,
            images: false,
            jsonSchema: false,
            usage: false,
          },
        }),
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
    const advertised = planConformance(referenceOptions(undefined, { capabilities: {} }), {});
    expect(skipOf(advertised, "tools.single")).toBeUndefined();
  });

  it("honours options.skip and codecs without invalid-argument support", () => {
    const { encodeInvalidToolArguments: _omit, ...codec } = refCodec;
    const plan = planConformance(
      referenceOptions(undefined, { codec, skip: { "http.503": "proxy rewrites 503" } }),
      {},
    );
    expect(skipOf(plan, "http.503")).toBe("skipped by options.skip: proxy rewrites 503");
    expect(skipOf(plan, "tools.invalid-arguments")).toMatch(/has no encodeInvalidToolArguments/);
  });

  it("fails capabilities.consistent when a claim is not advertised by the adapter", async () => {
    const options = referenceOptions(undefined, {
      create: ({ baseUrl, model }): AIAdapter =>
        new RefAdapter({ baseUrl, model, capabilities: { tools: false } }),
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
    const live = await LoopbackServer.start({
      "/api/chat": {
        kind: "stream",
        stream: refCodec.encodeStream({ model: "live-model", text: ["Hi"] }),
      },
      "/health": { kind: "answer", answer: refCodec.encodeHealth() },
      "/models": { kind: "answer", answer: refCodec.encodeModels(["live-model:latest"]) },
    });
    try {
      const options = referenceOptions(undefined, {
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
