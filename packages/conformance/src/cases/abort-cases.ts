import { AbortedError } from "@x/core";
import { check, describeChunks } from "../assert.js";
import { TimerScope } from "../observe.js";
import { textScenario } from "../scenarios.js";
import type { ConformanceCase } from "../types.js";
import { expectThrown } from "./expect-error.js";
import {
  expectNoLeftoverTimers,
  expectSocketsClosed,
  PROMPT_MS,
  run,
  serveThenHang,
} from "./helpers.js";

/** Abort by signal (before start, while waiting for the first byte, mid-stream) and by `break`. */
export const abortCases: ConformanceCase[] = [
  {
    id: "abort.before-start",
    title:
      "an already aborted signal throws AbortedError (with the signal's reason as cause) from the first next() and sends nothing",
    needs: [],
    async run(ctx) {
      serveThenHang(ctx, textScenario());
      const timers = new TimerScope();
      const controller = new AbortController();
      const reason = new Error("cancelled by the test");
      controller.abort(reason);
      const outcome = await run(ctx, ctx.adapter(), {
        options: { signal: controller.signal },
        withinMs: PROMPT_MS,
        timers,
      });
      const error = await expectThrown(
        ctx,
        outcome,
        [AbortedError],
        "signal aborted before start",
        {
          retryable: false,
          requests: 0,
        },
      );
      check(
        error.cause === reason,
        `signal aborted before start: AbortedError.cause should be the signal's reason, got ${String(error.cause)}`,
      );
      await expectNoLeftoverTimers(timers, "signal aborted before start");
    },
  },
  {
    id: "abort.first-byte-wait",
    title:
      "aborting while waiting for response headers throws AbortedError promptly and closes the socket",
    needs: [],
    async run(ctx) {
      ctx.server.route(ctx.codec.paths.chat, { kind: "hang" });
      const timers = new TimerScope();
      const controller = new AbortController();
      const pending = run(ctx, ctx.adapter(), { options: { signal: controller.signal }, timers });
      await ctx.server.nextRequest(ctx.codec.paths.chat);
      const abortedAt = performance.now();
      controller.abort();
      const outcome = await pending;
      const took = performance.now() - abortedAt;
      await expectThrown(ctx, outcome, [AbortedError], "abort during the first-byte wait", {
        retryable: false,
      });
      check(
        took < PROMPT_MS,
        `abort during the first-byte wait: the stream ended ${Math.round(took)} ms after abort (bound ${PROMPT_MS} ms)`,
      );
      await expectSocketsClosed(ctx, ctx.codec.paths.chat, "abort during the first-byte wait");
      await expectNoLeftoverTimers(timers, "abort during the first-byte wait");
    },
  },
  {
    id: "abort.mid-stream",
    title:
      "aborting after the first content chunk throws AbortedError promptly, with the partial output, and closes the socket",
    needs: [],
    async run(ctx) {
      serveThenHang(ctx, textScenario());
      const timers = new TimerScope();
      const controller = new AbortController();
      let abortedAt = 0;
      const outcome = await run(ctx, ctx.adapter(), {
        options: { signal: controller.signal },
        timers,
        onChunk: (chunk) => {
          if (chunk.type === "content" && abortedAt === 0) {
            abortedAt = performance.now();
            controller.abort();
          }
          return undefined;
        },
      });
      check(
        abortedAt > 0,
        `abort mid-stream: no content chunk arrived to abort after: ${describeChunks(outcome.chunks)}`,
      );
      const took = performance.now() - abortedAt;
      await expectThrown(ctx, outcome, [AbortedError], "abort mid-stream", { retryable: false });
      check(
        took < PROMPT_MS,
        `abort mid-stream: the stream ended ${Math.round(took)} ms after abort (bound ${PROMPT_MS} ms)`,
      );
      await expectSocketsClosed(ctx, ctx.codec.paths.chat, "abort mid-stream");
      await expectNoLeftoverTimers(timers, "abort mid-stream");
    },
  },
  {
    id: "abort.break",
    title: "leaving for-await with break ends quietly, closes the socket and leaves no timer",
    needs: [],
    async run(ctx) {
      serveThenHang(ctx, textScenario());
      const timers = new TimerScope();
      const outcome = await run(ctx, ctx.adapter(), {
        options: { timeouts: { idleMs: 30_000 } },
        timers,
        onChunk: (chunk) => (chunk.type === "content" ? "break" : undefined),
      });
      check(
        outcome.ended !== "stalled",
        `break: iterator.return() did not finish within the bound (chunks ${describeChunks(outcome.chunks)})`,
      );
      check(
        outcome.ended === "break",
        `break: expected a quiet end, got ${outcome.ended}${outcome.error ? ` (${String(outcome.error)})` : ""}`,
      );
      check(
        outcome.chatRequests === 1,
        `break: the server received ${outcome.chatRequests} chat requests (expected 1)`,
      );
      await expectSocketsClosed(ctx, ctx.codec.paths.chat, "break out of for-await");
      await expectNoLeftoverTimers(timers, "break out of for-await");
    },
  },
];
