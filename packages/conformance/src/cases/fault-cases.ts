import {
  DEFAULT_MAX_FRAME_SIZE,
  ModelLoadingTimeoutError,
  ProtocolError,
  ProviderError,
  StreamTimeoutError,
  UnavailableError,
} from "@x/core";
import { check, checkEqual, contentOf, describeChunks } from "../assert.js";
import { activeTimeouts, type StreamOutcome } from "../observe.js";
import { TEXT_DELTAS, textScenario } from "../scenarios.js";
import { LoopbackServer } from "../server/loopback-server.js";
import type { CaseContext, ConformanceCase } from "../types.js";
import {
  chatRequest,
  expectChatSocketsClosed,
  expectNoLeftoverTimers,
  expectThrown,
  FIRST_CHUNK_MS,
  IDLE_MS,
  run,
  serveThenHang,
} from "./helpers.js";

/** Serves the text answer with `transform` applied to its frames. */
function serveFrames(
  ctx: CaseContext,
  transform: (frames: string[], terminal: number) => string[],
): void {
  const stream = ctx.codec.encodeStream(textScenario(ctx.model));
  ctx.server.route(ctx.codec.paths.chat, {
    kind: "stream",
    stream: { ...stream, frames: transform(stream.frames, stream.terminalFrames) },
  });
}

async function timeoutCase(
  ctx: CaseContext,
  situation: string,
  classes: typeof ModelLoadingTimeoutError | typeof StreamTimeoutError,
  timeouts: { firstChunkMs?: number; idleMs?: number },
): Promise<StreamOutcome> {
  const adapter = ctx.adapter();
  const baseline = activeTimeouts();
  const limit = (timeouts.idleMs ?? timeouts.firstChunkMs)!;
  const outcome = await run(adapter, { timeouts }, undefined, undefined, limit + 3_000);
  expectThrown(ctx, outcome, [classes], situation, true);
  await expectChatSocketsClosed(ctx, situation);
  expectNoLeftoverTimers(baseline, situation);
  return outcome;
}

/** Transport faults, timeouts and in-stream errors. */
export const faultCases: ConformanceCase[] = [
  {
    id: "fault.refused",
    title: "a refused connection throws UnavailableError (retryable)",
    needs: [],
    async run(ctx) {
      const origin = await LoopbackServer.refusedOrigin();
      const outcome = await run(ctx.adapter({ baseUrl: origin + ctx.codec.basePath }));
      expectThrown(ctx, outcome, [UnavailableError], "connection refused", true);
    },
  },
  {
    id: "fault.reset-before-response",
    title: "a connection reset before any response byte throws UnavailableError (retryable)",
    needs: [],
    async run(ctx) {
      ctx.server.route(ctx.codec.paths.chat, { kind: "reset" });
      expectThrown(
        ctx,
        await run(ctx.adapter()),
        [UnavailableError],
        "reset before the response",
        true,
      );
    },
  },
  {
    id: "fault.reset-mid-body",
    title:
      "a reset after output started throws UnavailableError or ProtocolError, never a done, and is not retried silently",
    needs: [],
    async run(ctx) {
      serveThenHang(ctx, textScenario(ctx.model));
      const outcome = await run(ctx.adapter(), undefined, (chunk) => {
        if (chunk.type === "content") ctx.server.resetSocket(chatRequest(ctx).socketId);
        return undefined;
      });
      expectThrown(ctx, outcome, [UnavailableError, ProtocolError], "reset mid-body");
      check(
        outcome.chunks.some((c) => c.type === "content"),
        "reset mid-body: no content arrived before the reset",
      );
      const requests = ctx.server.requestsTo(ctx.codec.paths.chat).length;
      check(
        requests === 1,
        `reset mid-body: the adapter sent ${requests} chat requests; after output started it must not retry and splice answers`,
      );
    },
  },
  {
    id: "fault.reset-after-bytes",
    title:
      "a reset in the middle of the second frame throws UnavailableError or ProtocolError, never a done",
    needs: [],
    async run(ctx) {
      const stream = ctx.codec.encodeStream(textScenario(ctx.model));
      const [first = "", second = ""] = stream.frames;
      const cut = Buffer.byteLength(first) + Math.max(1, Math.floor(Buffer.byteLength(second) / 2));
      ctx.server.route(ctx.codec.paths.chat, {
        kind: "stream",
        stream,
        cutAfterBytes: cut,
        after: "reset",
      });
      expectThrown(
        ctx,
        await run(ctx.adapter()),
        [UnavailableError, ProtocolError],
        `reset after ${cut} body bytes`,
      );
    },
  },
  {
    id: "fault.truncated",
    title: "a stream that ends without its terminal frame(s) throws ProtocolError",
    needs: [],
    async run(ctx) {
      serveFrames(ctx, (frames, terminal) => frames.slice(0, frames.length - terminal));
      expectThrown(ctx, await run(ctx.adapter()), [ProtocolError], "truncated stream", false);
    },
  },
  {
    id: "fault.malformed-frame",
    title: "a malformed frame mid-stream throws ProtocolError (never skipped)",
    needs: [],
    async run(ctx) {
      serveFrames(ctx, (frames) => [frames[0]!, ctx.codec.malformedFrame(), ...frames.slice(1)]);
      expectThrown(ctx, await run(ctx.adapter()), [ProtocolError], "malformed frame", false);
    },
  },
  {
    id: "fault.oversize-frame",
    title: `a frame over ${DEFAULT_MAX_FRAME_SIZE} characters throws ProtocolError instead of buffering without bound`,
    needs: [],
    async run(ctx) {
      const big = ctx.codec.oversizeFrame(DEFAULT_MAX_FRAME_SIZE + 65_536, ctx.model);
      serveFrames(ctx, (frames) => [frames[0]!, big, ...frames.slice(1)]);
      expectThrown(ctx, await run(ctx.adapter()), [ProtocolError], "oversize frame", false);
    },
  },
  {
    id: "fault.in-stream-error",
    title: "an error object inside a 200 stream throws ProviderError after the text before it",
    needs: [],
    async run(ctx) {
      const message = "model crashed: CUDA out of memory";
      const stream = ctx.codec.encodeStream({
        ...textScenario(ctx.model),
        error: { message, code: "server_error" },
      });
      ctx.server.route(ctx.codec.paths.chat, { kind: "stream", stream });
      const outcome = await run(ctx.adapter());
      const error = expectThrown(ctx, outcome, [ProviderError], "in-stream error", true);
      check(
        error.message.includes(message),
        `in-stream error: the message should include the provider's (${JSON.stringify(message)}), got ${JSON.stringify(error.message)}`,
      );
      checkEqual(
        contentOf(outcome.chunks),
        TEXT_DELTAS.join(""),
        "in-stream error: content before the error",
      );
    },
  },
  {
    id: "timeout.first-chunk",
    title: `a server that accepts and never answers throws ModelLoadingTimeoutError after firstChunkMs (${FIRST_CHUNK_MS} ms) and frees the socket`,
    needs: [],
    async run(ctx) {
      ctx.server.route(ctx.codec.paths.chat, { kind: "hang" });
      await timeoutCase(ctx, "never answered", ModelLoadingTimeoutError, {
        firstChunkMs: FIRST_CHUNK_MS,
      });
    },
  },
  {
    id: "timeout.idle-after-headers",
    title: `headers then silence throws StreamTimeoutError after idleMs (${IDLE_MS} ms) and frees the socket`,
    needs: [],
    async run(ctx) {
      const stream = ctx.codec.encodeStream(textScenario(ctx.model));
      ctx.server.route(ctx.codec.paths.chat, {
        kind: "stream",
        stream: { ...stream, frames: [] },
        after: "hang",
      });
      await timeoutCase(ctx, "headers then silence", StreamTimeoutError, { idleMs: IDLE_MS });
    },
  },
  {
    id: "timeout.idle-mid-stream",
    title: `a stream that stalls after some text throws StreamTimeoutError after idleMs (${IDLE_MS} ms)`,
    needs: [],
    async run(ctx) {
      serveThenHang(ctx, textScenario(ctx.model));
      const outcome = await timeoutCase(ctx, "stalled mid-stream", StreamTimeoutError, {
        idleMs: IDLE_MS,
      });
      check(
        outcome.chunks.some((c) => c.type === "content"),
        `stalled mid-stream: the content sent before the stall was not yielded: ${describeChunks(outcome.chunks)}`,
      );
    },
  },
];
