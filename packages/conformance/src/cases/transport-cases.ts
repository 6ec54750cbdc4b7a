import { check, describeChunks } from "../assert.js";
import type { EncodedStream } from "../codec.js";
import { protocolKey, textScenario } from "../scenarios.js";
import type { CaseContext, ConformanceCase } from "../types.js";
import { expectAnswer } from "./expect-answer.js";
import { chatRequest, expectSocketsClosed, PROMPT_MS, run, withoutTerminal } from "./helpers.js";

/** Size of the back-pressure answer: far more than any socket buffer. */
const BIG_BODY_BYTES = 32 * 1024 * 1024;
/** The server writes the big answer in blocks of this size. */
const BLOCK_BYTES = 64 * 1024;
/** Writes that make no progress for this long mean the server is blocked. */
const QUIET_MS = 500;
/**
 * The most the server may write while the consumer holds its first chunk: one socket buffer plus
 * one frame, with room to spare. Measured on Linux loopback (kernel autotuning), an undici client
 * that stops reading lets the server write about 4 MB; a client that reads everything, 32 MiB.
 */
export const BACK_PRESSURE_BOUND_BYTES = 8 * 1024 * 1024;

/** Keep-alive frames before the first chunk, between chunks and before the terminal frame. */
export const keepAliveCase: ConformanceCase = {
  id: "stream.keep-alive",
  title:
    "keep-alive comments and empty frames before, between and after the chunks yield nothing: the answer is unchanged",
  needs: ["keepAlive"],
  async run(ctx) {
    const scenario = textScenario();
    const stream = ctx.codec.encodeStream(scenario);
    const keepAlive = ctx.codec.keepAliveFrames!(scenario.model);
    const body = withoutTerminal(stream);
    const frames = [
      ...keepAlive,
      ...body.flatMap((frame) => [frame, ...keepAlive]),
      ...stream.frames.slice(body.length),
    ];
    ctx.server.route(ctx.codec.paths.chat, { kind: "stream", stream: { ...stream, frames } });
    expectAnswer(ctx, await run(ctx, ctx.adapter()), scenario, "keep-alive frames");
  },
};

/** After the terminal frame the server keeps the body open: silent, then still sending. */
export const afterTerminalCase: ConformanceCase = {
  id: "stream.after-terminal",
  title:
    "after the terminal frame the stream ends at once and the socket is released, whether the server then keeps the body open silently or keeps sending",
  needs: [],
  async run(ctx) {
    const scenario = textScenario();
    const stream = ctx.codec.encodeStream(scenario);
    const more = ctx.codec.encodeStream({ ...textScenario(), text: ["(after the end)"] });
    const afters = [
      { situation: "body left open after the terminal frame", after: "hang" as const },
      {
        situation: "server still sending after the terminal frame",
        after: { repeat: withoutTerminal(more), everyMs: 20 },
      },
    ];
    for (const { situation, after } of afters) {
      ctx.server.route(ctx.codec.paths.chat, { kind: "stream", stream, after });
      let doneAt = 0;
      const outcome = await run(ctx, ctx.adapter(), {
        withinMs: 3_000,
        onChunk: (chunk) => {
          if (chunk.type === "done") doneAt = performance.now();
          return undefined;
        },
      });
      check(
        outcome.ended !== "stalled" || doneAt === 0,
        `${situation}: done arrived, but the iteration did not end (it waits for the body to end)`,
      );
      expectAnswer(ctx, outcome, scenario, situation);
      const took = performance.now() - doneAt;
      check(
        took < PROMPT_MS,
        `${situation}: the iteration ended ${Math.round(took)} ms after done (bound ${PROMPT_MS} ms)`,
      );
      await expectSocketsClosed(ctx, ctx.codec.paths.chat, situation);
    }
  },
};

const bigAnswers = new Map<string, EncodedStream>();

/** An answer of {@link BIG_BODY_BYTES} in ~1 KiB deltas (encoded once per protocol). */
function bigAnswer(ctx: CaseContext): EncodedStream {
  const key = protocolKey(ctx);
  let stream = bigAnswers.get(key);
  if (!stream) {
    const delta = "lorem ipsum dolor sit amet ".repeat(37);
    const text: string[] = [];
    for (let size = 0; size < BIG_BODY_BYTES; size += delta.length + 100)
      text.push(`${text.length} ${delta}`);
    stream = ctx.codec.encodeStream({ ...textScenario(), text });
    bigAnswers.set(key, stream);
  }
  return stream;
}

/** A consumer that stops pulling: the adapter must stop reading. */
export const backPressureCase: ConformanceCase = {
  id: "stream.back-pressure",
  title: `a consumer that stops pulling stops the reading: of a ${BIG_BODY_BYTES / 1024 / 1024} MiB answer the server can write no more than ${BACK_PRESSURE_BOUND_BYTES / 1024 / 1024} MiB (a socket buffer and a frame) while the consumer holds its first chunk`,
  needs: [],
  async run(ctx) {
    const stream = bigAnswer(ctx);
    ctx.server.route(ctx.codec.paths.chat, {
      kind: "stream",
      stream,
      delivery: { mode: "blocks", size: BLOCK_BYTES },
    });
    let written: { bytes: number; finished: boolean } | undefined;
    const outcome = await run(ctx, ctx.adapter(), {
      withinMs: 10_000,
      onChunk: async () => {
        // Not pulling while this runs: the adapter is suspended at its yield.
        written = await ctx.server.writesSettled(chatRequest(ctx).socketId, QUIET_MS);
        return "break" as const;
      },
    });
    check(
      written !== undefined,
      `back-pressure: no chunk arrived (${outcome.ended}${outcome.error ? `: ${String(outcome.error)}` : ""})`,
    );
    check(
      written.bytes <= BACK_PRESSURE_BOUND_BYTES,
      `back-pressure: while the consumer held its first chunk the server wrote ${written.bytes} bytes${written.finished ? " (the whole answer)" : ""}, over the ${BACK_PRESSURE_BOUND_BYTES} bound: the adapter reads ahead of its consumer`,
    );
    check(
      outcome.ended === "break",
      `back-pressure: leaving the loop should end quietly, got ${outcome.ended} after ${describeChunks(outcome.chunks)}`,
    );
  },
};
