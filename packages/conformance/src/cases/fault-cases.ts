import {
  type AdapterError,
  ProtocolError,
  type ProtocolErrorReason,
  ProviderError,
  UnavailableError,
} from "@x/core";
import { DEFAULT_MAX_FRAME_SIZE } from "@x/core/http";
import { check, checkEqual, contentOf, describeChunks } from "../assert.js";
import { TEXT_DELTAS, textScenario } from "../scenarios.js";
import { LoopbackServer } from "../server/loopback-server.js";
import type { CaseContext, ConformanceCase } from "../types.js";
import { expectThrown } from "./expect-error.js";
import { type CaseOutcome, chatRequest, run, serveThenHang } from "./helpers.js";

/** Serves the text answer with `transform` applied to its frames. */
function serveFrames(
  ctx: CaseContext,
  transform: (frames: string[], terminal: number) => string[],
): void {
  const stream = ctx.codec.encodeStream(textScenario());
  ctx.server.route(ctx.codec.paths.chat, {
    kind: "stream",
    stream: { ...stream, frames: transform(stream.frames, stream.terminalFrames) },
  });
}

/** A ProtocolError with `reason`, not retryable, after whatever came before it. */
async function expectProtocolError(
  ctx: CaseContext,
  reason: ProtocolErrorReason,
  situation: string,
): Promise<CaseOutcome> {
  const outcome = await run(ctx, ctx.adapter());
  const error = await expectThrown(ctx, outcome, [ProtocolError], situation, { retryable: false });
  check(
    (error as ProtocolError).reason === reason,
    `${situation}: ProtocolError.reason should be ${JSON.stringify(reason)}, got ${JSON.stringify((error as ProtocolError).reason)}`,
  );
  return outcome;
}

/** A reset after output started: undici reports it as a socket error or a cut body. */
const resetRetryable = (error: AdapterError) => UnavailableError.isInstance(error);

/** Transport faults and broken or failing streams. */
export const faultCases: ConformanceCase[] = [
  {
    id: "fault.refused",
    title: "a refused connection throws UnavailableError (retryable)",
    needs: [],
    async run(ctx) {
      const origin = await LoopbackServer.refusedOrigin();
      const outcome = await run(ctx, ctx.adapter({ baseUrl: origin + ctx.codec.basePath }));
      await expectThrown(ctx, outcome, [UnavailableError], "connection refused", {
        retryable: true,
        requests: 0,
      });
    },
  },
  {
    id: "fault.reset-before-response",
    title:
      "a connection reset before any response byte throws UnavailableError (retryable), after one request",
    needs: [],
    async run(ctx) {
      ctx.server.route(ctx.codec.paths.chat, { kind: "reset" });
      const outcome = await run(ctx, ctx.adapter());
      await expectThrown(ctx, outcome, [UnavailableError], "reset before the response", {
        retryable: true,
      });
    },
  },
  {
    id: "fault.reset-mid-body",
    title:
      "a reset after output started throws UnavailableError or ProtocolError with the partial output, never a done, and is not retried silently",
    needs: [],
    async run(ctx) {
      serveThenHang(ctx, textScenario());
      const outcome = await run(ctx, ctx.adapter(), {
        onChunk: (chunk) => {
          if (chunk.type === "content") ctx.server.resetSocket(chatRequest(ctx).socketId);
          return undefined;
        },
      });
      await expectThrown(ctx, outcome, [UnavailableError, ProtocolError], "reset mid-body", {
        retryable: resetRetryable,
      });
      check(
        outcome.chunks.some((c) => c.type === "content"),
        "reset mid-body: no content arrived before the reset",
      );
    },
  },
  {
    id: "fault.reset-after-bytes",
    title:
      "a reset in the middle of the first frame, after headers, throws UnavailableError or ProtocolError, never a done, after one request",
    needs: [],
    async run(ctx) {
      const stream = ctx.codec.encodeStream(textScenario());
      const [first = ""] = stream.frames;
      const cut = Math.max(1, Math.floor(Buffer.byteLength(first) / 2));
      ctx.server.route(ctx.codec.paths.chat, {
        kind: "stream",
        stream,
        cutAfterBytes: cut,
        after: "reset",
      });
      await expectThrown(
        ctx,
        await run(ctx, ctx.adapter()),
        [UnavailableError, ProtocolError],
        `reset after ${cut} body bytes`,
        { retryable: resetRetryable },
      );
    },
  },
  {
    id: "fault.truncated",
    title:
      "a stream that ends without its terminal frame(s) throws ProtocolError (truncated) with the partial output",
    needs: [],
    async run(ctx) {
      serveFrames(ctx, (frames, terminal) => frames.slice(0, frames.length - terminal));
      const outcome = await expectProtocolError(ctx, "truncated", "truncated stream");
      checkEqual(contentOf(outcome.chunks), TEXT_DELTAS.join(""), "truncated stream: content");
    },
  },
  {
    id: "fault.malformed-frame",
    title: "a malformed frame mid-stream throws ProtocolError (malformed_frame), never skipped",
    needs: [],
    async run(ctx) {
      serveFrames(ctx, (frames) => [frames[0]!, ctx.codec.malformedFrame(), ...frames.slice(1)]);
      await expectProtocolError(ctx, "malformed_frame", "malformed frame");
    },
  },
  {
    id: "fault.oversize-frame",
    title: `a frame over ${DEFAULT_MAX_FRAME_SIZE} bytes throws ProtocolError (oversize_frame) instead of buffering without bound`,
    needs: [],
    async run(ctx) {
      const big = ctx.codec.oversizeFrame(DEFAULT_MAX_FRAME_SIZE + 65_536, textScenario().model);
      serveFrames(ctx, (frames) => [frames[0]!, big, ...frames.slice(1)]);
      await expectProtocolError(ctx, "oversize_frame", "oversize frame");
    },
  },
  {
    id: "fault.in-stream-error",
    title:
      "an error object inside a 200 stream throws ProviderError (retryable) with the provider's message and code, after the text before it",
    needs: [],
    async run(ctx) {
      const message = "model crashed: CUDA out of memory";
      const stream = ctx.codec.encodeStream({
        ...textScenario(),
        error: { message, code: "server_error" },
      });
      ctx.server.route(ctx.codec.paths.chat, { kind: "stream", stream });
      const outcome = await run(ctx, ctx.adapter());
      const error = await expectThrown(ctx, outcome, [ProviderError], "in-stream error", {
        retryable: true,
      });
      check(
        error.message.includes(message),
        `in-stream error: the message should include the provider's (${JSON.stringify(message)}), got ${JSON.stringify(error.message)}`,
      );
      // Protocols whose error frames carry a code (OpenAI's `type`/`code`) must keep it.
      if (stream.frames.join("").includes('"server_error"')) {
        const code = (error as ProviderError).providerCode;
        check(
          code === "server_error",
          `in-stream error: ProviderError.providerCode should be "server_error" (sent on the wire), got ${JSON.stringify(code)}`,
        );
      }
      checkEqual(
        contentOf(outcome.chunks),
        TEXT_DELTAS.join(""),
        `in-stream error: content before the error (${describeChunks(outcome.chunks)})`,
      );
    },
  },
];
