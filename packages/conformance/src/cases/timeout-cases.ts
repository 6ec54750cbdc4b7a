import { ModelLoadingTimeoutError, StreamTimeoutError, type Timeouts } from "@x/core";
import { check, describeChunks } from "../assert.js";
import { TimerScope } from "../observe.js";
import { textScenario } from "../scenarios.js";
import type { CaseContext, ConformanceCase } from "../types.js";
import { expectAnswer } from "./expect-answer.js";
import { expectLimit, expectThrown } from "./expect-error.js";
import {
  type CaseOutcome,
  expectNoLeftoverTimers,
  expectSocketsClosed,
  FIRST_CHUNK_MS,
  IDLE_MS,
  KEEP_ALIVE_EVERY_MS,
  run,
  serveScenario,
  serveThenHang,
  withoutTerminal,
} from "./helpers.js";

/** Total limit for `timeout.total`, and the drip that outlasts it. */
const TOTAL_MS = 400;
const TOTAL_DRIP_MS = 120;

type TimeoutClass = typeof ModelLoadingTimeoutError | typeof StreamTimeoutError;

/**
 * Runs a stream that must fail on `limit`: the class, `timeoutMs` (and `phase`), not before the
 * limit, retryable, one request, the socket closed and no timer left behind.
 */
async function timeoutCase(
  ctx: CaseContext,
  situation: string,
  errorClass: TimeoutClass,
  timeouts: Timeouts,
  limit: "firstChunkMs" | "idleMs" | "totalMs",
): Promise<CaseOutcome> {
  const adapter = ctx.adapter();
  const timers = new TimerScope();
  const limitMs = timeouts[limit]!;
  const outcome = await run(ctx, adapter, {
    options: { timeouts },
    withinMs: limitMs + 3_000,
    timers,
  });
  const error = await expectThrown(ctx, outcome, [errorClass], situation, { retryable: true });
  const phase = limit === "idleMs" ? "idle" : limit === "totalMs" ? "total" : undefined;
  expectLimit(error, outcome, limitMs, situation, phase);
  await expectSocketsClosed(ctx, ctx.codec.paths.chat, situation);
  await expectNoLeftoverTimers(timers, situation);
  return outcome;
}

/** Headers, then only the codec's keep-alive frames, one every {@link KEEP_ALIVE_EVERY_MS}. */
function serveKeepAlives(ctx: CaseContext, frames: string[]): void {
  const stream = ctx.codec.encodeStream(textScenario());
  const keepAlive = ctx.codec.keepAliveFrames!(textScenario().model);
  ctx.server.route(ctx.codec.paths.chat, {
    kind: "stream",
    stream: { ...stream, frames },
    after: { repeat: keepAlive, everyMs: KEEP_ALIVE_EVERY_MS },
  });
}

/** `firstChunkMs`, `idleMs`, `totalMs`, and what does not count as a chunk. */
export const timeoutCases: ConformanceCase[] = [
  {
    id: "timeout.first-chunk",
    title: `a server that accepts and never answers throws ModelLoadingTimeoutError after firstChunkMs (${FIRST_CHUNK_MS} ms) and frees the socket`,
    needs: [],
    async run(ctx) {
      ctx.server.route(ctx.codec.paths.chat, { kind: "hang" });
      await timeoutCase(
        ctx,
        "never answered",
        ModelLoadingTimeoutError,
        { firstChunkMs: FIRST_CHUNK_MS },
        "firstChunkMs",
      );
    },
  },
  {
    id: "timeout.first-chunk-after-headers",
    title: `headers at once, then no chunk: ModelLoadingTimeoutError after firstChunkMs (${FIRST_CHUNK_MS} ms); headers are not a first chunk`,
    needs: [],
    async run(ctx) {
      const stream = ctx.codec.encodeStream(textScenario());
      ctx.server.route(ctx.codec.paths.chat, {
        kind: "stream",
        stream: { ...stream, frames: [] },
        after: "hang",
      });
      await timeoutCase(
        ctx,
        "headers then silence",
        ModelLoadingTimeoutError,
        { firstChunkMs: FIRST_CHUNK_MS },
        "firstChunkMs",
      );
    },
  },
  {
    id: "timeout.first-chunk-keep-alive",
    title: `headers, then keep-alive frames every ${KEEP_ALIVE_EVERY_MS} ms and no chunk: ModelLoadingTimeoutError after firstChunkMs (${FIRST_CHUNK_MS} ms)`,
    needs: ["keepAlive"],
    async run(ctx) {
      serveKeepAlives(ctx, []);
      await timeoutCase(
        ctx,
        "only keep-alives",
        ModelLoadingTimeoutError,
        { firstChunkMs: FIRST_CHUNK_MS, idleMs: IDLE_MS },
        "firstChunkMs",
      );
    },
  },
  {
    id: "timeout.idle-mid-stream",
    title: `a stream that stalls after some text throws StreamTimeoutError (idle) after idleMs (${IDLE_MS} ms)`,
    needs: [],
    async run(ctx) {
      serveThenHang(ctx, textScenario());
      const outcome = await timeoutCase(
        ctx,
        "stalled mid-stream",
        StreamTimeoutError,
        { idleMs: IDLE_MS },
        "idleMs",
      );
      check(
        outcome.chunks.some((c) => c.type === "content"),
        `stalled mid-stream: the content sent before the stall was not yielded: ${describeChunks(outcome.chunks)}`,
      );
    },
  },
  {
    id: "timeout.idle-keep-alive",
    title: `text, then keep-alive frames every ${KEEP_ALIVE_EVERY_MS} ms: StreamTimeoutError (idle) after idleMs (${IDLE_MS} ms); keep-alives do not reset it`,
    needs: ["keepAlive"],
    async run(ctx) {
      serveKeepAlives(ctx, withoutTerminal(ctx.codec.encodeStream(textScenario())));
      const outcome = await timeoutCase(
        ctx,
        "keep-alives after text",
        StreamTimeoutError,
        { idleMs: IDLE_MS },
        "idleMs",
      );
      check(
        outcome.chunks.some((c) => c.type === "content"),
        `keep-alives after text: the content was not yielded: ${describeChunks(outcome.chunks)}`,
      );
    },
  },
  {
    id: "timeout.idle-consumer-hold",
    title: `a consumer that holds its first two chunks longer than idleMs (${IDLE_MS} ms) each still gets the whole answer: idleMs measures the server, not the consumer`,
    needs: [],
    async run(ctx) {
      const scenario = textScenario();
      serveScenario(ctx, scenario); // the whole answer at once: every wait is the consumer's
      const holdMs = Math.round(IDLE_MS * 1.5);
      const outcome = await run(ctx, ctx.adapter(), {
        options: { timeouts: { idleMs: IDLE_MS } },
        withinMs: 2 * holdMs + 3_000,
        onChunk: (_chunk, index) =>
          index >= 2
            ? undefined
            : new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), holdMs)),
      });
      expectAnswer(ctx, outcome, scenario, "a consumer holding each chunk longer than idleMs");
    },
  },
  {
    id: "timeout.total",
    title: `a stream still dripping after totalMs (${TOTAL_MS} ms) throws StreamTimeoutError (total), although no gap reaches idleMs`,
    needs: [],
    async run(ctx) {
      serveScenario(
        ctx,
        { ...textScenario(), text: ["one ", "two ", "three ", "four ", "five ", "six"] },
        { mode: "drip", intervalMs: TOTAL_DRIP_MS },
      );
      await timeoutCase(
        ctx,
        "over the total limit",
        StreamTimeoutError,
        { totalMs: TOTAL_MS, idleMs: 5_000, firstChunkMs: 5_000 },
        "totalMs",
      );
    },
  },
  {
    id: "timeout.no-limit",
    title:
      "limits above 2³¹−1 ms (and Infinity) mean no limit: a slow answer completes, no timer fires early",
    needs: [],
    async run(ctx) {
      const huge = [
        { firstChunkMs: 2 ** 31, idleMs: 2 ** 31 + 1, totalMs: Number.MAX_SAFE_INTEGER },
        { firstChunkMs: Infinity, idleMs: Infinity, totalMs: Infinity },
      ];
      for (const timeouts of huge) {
        const scenario = textScenario();
        serveScenario(ctx, scenario, { mode: "drip", intervalMs: 25 });
        const outcome = await run(ctx, ctx.adapter(), { options: { timeouts } });
        expectAnswer(ctx, outcome, scenario, `timeouts ${JSON.stringify(timeouts)}`);
      }
    },
  },
];
