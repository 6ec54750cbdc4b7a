import { AbortedError } from "@x/core";
import { check, describeChunks } from "../assert.js";
import { activeTimeouts } from "../observe.js";
import { textScenario } from "../scenarios.js";
import type { ConformanceCase } from "../types.js";
import {
  expectChatSocketsClosed,
  expectNoLeftoverTimers,
  expectThrown,
  PROMPT_MS,
  run,
  serveThenHang,
} from "./helpers.js";

/** Abort by signal (before start, while waiting for the first byte, mid-stream) and by `break`. */
export const abortCases: ConformanceCase[] = [
  {
    id: "abort.before-start",
    title:
      "an already aborted signal throws AbortedError at once and sends nothing that stays open",
    needs: [],
    async run(ctx) {
      serveThenHang(ctx, textScenario(ctx.model));
      const adapter = ctx.adapter();
      const baseline = activeTimeouts();
      const controller = new AbortController();
      controller.abort(new Error("cancelled by the test"));
      const outcome = await run(
        adapter,
        { signal: controller.signal },
        undefined,
        undefined,
        PROMPT_MS,
      );
      expectThrown(ctx, outcome, [AbortedError], "signal aborted before start", false);
      check(
        outcome.chunks.length === 0,
        `signal aborted before start: no chunk may be yielded, got ${describeChunks(outcome.chunks)}`,
      );
      await expectChatSocketsClosed(ctx, "signal aborted before start");
      expectNoLeftoverTimers(baseline, "signal aborted before start");
    },
  },
  {
    id: "abort.first-byte-wait",
    title:
      "aborting while waiting for response headers throws AbortedError promptly and closes the socket",
    needs: [],
    async run(ctx) {
      ctx.server.route(ctx.codec.paths.chat, { kind: "hang" });
      const adapter = ctx.adapter();
      const baseline = activeTimeouts();
      const controller = new AbortController();
      const pending = run(adapter, { signal: controller.signal });
      await ctx.server.nextRequest(ctx.codec.paths.chat);
      const abortedAt = performance.now();
      controller.abort();
      const outcome = await pending;
      const took = performance.now() - abortedAt;
      expectThrown(ctx, outcome, [AbortedError], "abort during the first-byte wait", false);
      check(
        took < PROMPT_MS,
        `abort during the first-byte wait: the stream ended ${Math.round(took)} ms after abort (bound ${PROMPT_MS} ms)`,
      );
      await expectChatSocketsClosed(ctx, "abort during the first-byte wait");
      expectNoLeftoverTimers(baseline, "abort during the first-byte wait");
    },
  },
  {
    id: "abort.mid-stream",
    title:
      "aborting after the first content chunk throws AbortedError promptly and closes the socket",
    needs: [],
    async run(ctx) {
      serveThenHang(ctx, textScenario(ctx.model));
      const adapter = ctx.adapter();
      const baseline = activeTimeouts();
      const controller = new AbortController();
      let abortedAt = 0;
      const outcome = await run(adapter, { signal: controller.signal }, (chunk) => {
        if (chunk.type === "content" && abortedAt === 0) {
          abortedAt = performance.now();
          controller.abort();
        }
        return undefined;
      });
      check(
        abortedAt > 0,
        `abort mid-stream: no content chunk arrived to abort after: ${describeChunks(outcome.chunks)}`,
      );
      const took = performance.now() - abortedAt;
      expectThrown(ctx, outcome, [AbortedError], "abort mid-stream", false);
      check(
        took < PROMPT_MS,
        `abort mid-stream: the stream ended ${Math.round(took)} ms after abort (bound ${PROMPT_MS} ms)`,
      );
      await expectChatSocketsClosed(ctx, "abort mid-stream");
      expectNoLeftoverTimers(baseline, "abort mid-stream");
    },
  },
  {
    id: "abort.break",
    title: "leaving for-await with break ends quietly, closes the socket and leaves no timer",
    needs: [],
    async run(ctx) {
      serveThenHang(ctx, textScenario(ctx.model));
      const adapter = ctx.adapter();
      const baseline = activeTimeouts();
      const outcome = await run(adapter, { timeouts: { idleMs: 30_000 } }, (chunk) =>
        chunk.type === "content" ? "break" : undefined,
      );
      check(
        outcome.ended !== "stalled",
        `break: iterator.return() did not finish within the bound (chunks ${describeChunks(outcome.chunks)})`,
      );
      check(
        outcome.ended === "break",
        `break: expected a quiet end, got ${outcome.ended}${outcome.error ? ` (${String(outcome.error)})` : ""}`,
      );
      await expectChatSocketsClosed(ctx, "break out of for-await");
      expectNoLeftoverTimers(baseline, "break out of for-await");
    },
  },
];
