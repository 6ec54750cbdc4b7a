import { AbortedError } from "@x/core";
import { check, checkErrorClass, describeChunks, describeError } from "../assert.js";
import { settleWithin } from "../observe.js";
import type { ConformanceCase } from "../types.js";
import { expectSuccess } from "./expect-answer.js";
import { PROMPT_MS, run } from "./helpers.js";

const LIVE_GUARD_MS = 120_000;
const PROMPT = [{ role: "user" as const, content: "Reply with one short word." }];

/** Checks against a real server, named by `options.live` environment variables. */
export const liveCases: ConformanceCase[] = [
  {
    id: "live.stream",
    title: "a real server streams an answer that ends with exactly one done, last",
    needs: ["live"],
    async run(ctx) {
      const adapter = ctx.adapter();
      const outcome = await run(ctx, adapter, {
        options: { maxTokens: 64, timeouts: ctx.options.live?.timeouts },
        messages: PROMPT,
        withinMs: LIVE_GUARD_MS,
      });
      const done = expectSuccess(outcome, "live stream");
      check(
        done.provider === adapter.provider,
        `done.provider should be ${adapter.provider}, got ${done.provider}`,
      );
      check(
        outcome.chunks.length > 1,
        `live stream: no content before done: ${describeChunks(outcome.chunks)}`,
      );
      check(
        typeof done.model === "string" && done.model !== "",
        `live stream: done.model should name the model that answered, got ${JSON.stringify(done.model)}`,
      );
    },
  },
  {
    id: "live.health",
    title: "healthCheck() resolves true against the real server",
    needs: ["live"],
    async run(ctx) {
      const result = await settleWithin(ctx.adapter().healthCheck(), 5_000);
      check(
        result.state === "resolved" && result.value === true,
        `healthCheck() should resolve true, got ${result.state === "resolved" ? String(result.value) : result.state}`,
      );
    },
  },
  {
    id: "live.models",
    title: "listModels() on the real server includes the configured model",
    needs: ["live", "listModels"],
    async run(ctx) {
      const result = await settleWithin(ctx.adapter().listModels(), 30_000);
      check(
        result.state === "resolved",
        `listModels() failed: ${result.state === "rejected" ? describeError(result.error) : "timed out"}`,
      );
      const found = result.value.some(
        (name) =>
          name === ctx.model ||
          name.startsWith(`${ctx.model}:`) ||
          ctx.model.startsWith(`${name}:`),
      );
      check(
        found,
        `listModels() should include ${JSON.stringify(ctx.model)}, got ${JSON.stringify(result.value.slice(0, 20))}`,
      );
    },
  },
  {
    id: "live.abort",
    title: "aborting a real stream after its first chunk throws AbortedError promptly",
    needs: ["live"],
    async run(ctx) {
      const controller = new AbortController();
      let abortedAt = 0;
      const outcome = await run(ctx, ctx.adapter(), {
        options: {
          signal: controller.signal,
          maxTokens: 256,
          timeouts: ctx.options.live?.timeouts,
        },
        onChunk: () => {
          if (abortedAt === 0) {
            abortedAt = performance.now();
            controller.abort();
          }
          return undefined;
        },
        messages: PROMPT,
        withinMs: LIVE_GUARD_MS,
      });
      check(
        abortedAt > 0,
        `live abort: the stream ended before its first chunk (${outcome.ended})`,
      );
      check(
        outcome.ended === "threw" || outcome.ended === "finished",
        `live abort: ${outcome.ended}`,
      );
      if (outcome.ended === "finished") {
        // A very short answer may already be complete in the first read; then there is nothing to abort.
        check(
          outcome.chunks[outcome.chunks.length - 1]?.type === "done",
          "live abort: ended without done or error",
        );
        return;
      }
      checkErrorClass(outcome.error, [AbortedError], "live abort");
      const took = performance.now() - abortedAt;
      check(
        took < PROMPT_MS,
        `live abort: ended ${Math.round(took)} ms after abort (bound ${PROMPT_MS} ms)`,
      );
    },
  },
];
