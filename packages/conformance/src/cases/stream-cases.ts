import type { FinishReason } from "@x/core";
import { check, describeChunks } from "../assert.js";
import type { Scenario } from "../codec.js";
import { TEXT_DELTAS, THINKING_DELTAS, TIMINGS, textScenario, USAGE } from "../scenarios.js";
import type { Delivery } from "../server/delivery.js";
import type { CaseContext, ConformanceCase } from "../types.js";
import { expectAnswer, expectServerTimings, expectUsage } from "./expect-answer.js";
import { run, serveScenario } from "./helpers.js";
import { afterTerminalCase, backPressureCase, keepAliveCase } from "./transport-cases.js";

/** Drip interval: 16 frames take ~960 ms, longer than the idle limit, each gap far below it. */
const DRIP_MS = 60;
const DRIP_IDLE_MS = 800;
/** Gap between generated frames in `stream.tokens-per-sec` when the adapter measures the rate. */
const RATE_DRIP_MS = 60;

async function roundTrip(
  ctx: CaseContext,
  scenario: Scenario,
  situation: string,
  delivery?: Delivery,
): Promise<void> {
  serveScenario(ctx, scenario, delivery);
  expectAnswer(ctx, await run(ctx, ctx.adapter()), scenario, situation);
}

/** Chunk order, concatenation and the terminal `done`, field by field. */
export const streamCases: ConformanceCase[] = [
  {
    id: "stream.text-order",
    title:
      "content deltas (blank ones included) arrive in order as they were sent, then exactly one done last, with the server's model",
    needs: [],
    async run(ctx) {
      // Models send whitespace-only deltas ("\n\n" between paragraphs): they are content too.
      const scenario = { ...textScenario(), text: ["Hello", "\n\n", " ", ...TEXT_DELTAS.slice(1)] };
      serveScenario(ctx, scenario);
      const outcome = await run(ctx, ctx.adapter());
      expectAnswer(ctx, outcome, scenario, "text stream");
      check(
        outcome.chunks.every((c) => c.type === "content" || c.type === "done"),
        `a text-only answer must yield only content chunks and done: ${describeChunks(outcome.chunks)}`,
      );
    },
  },
  {
    id: "stream.thinking-order",
    title: "thinking deltas come as thinking chunks before content, in order, and concatenate",
    needs: ["thinking"],
    async run(ctx) {
      const scenario = { ...textScenario(), thinking: [...THINKING_DELTAS] };
      serveScenario(ctx, scenario);
      const outcome = await run(ctx, ctx.adapter(), { options: { think: true } });
      expectAnswer(ctx, outcome, scenario, "thinking stream");
      const lastThinking = outcome.chunks.findLastIndex((c) => c.type === "thinking");
      const firstContent = outcome.chunks.findIndex((c) => c.type === "content");
      check(
        lastThinking < firstContent,
        `thinking must precede content: ${describeChunks(outcome.chunks)}`,
      );
    },
  },
  {
    id: "stream.finish-reason",
    title: 'a text answer cut by the token limit ends with done.finishReason "length"',
    needs: [],
    run: (ctx) =>
      roundTrip(ctx, { ...textScenario(), finishReason: "length" }, "finish reason length"),
  },
  {
    id: "stream.finish-reasons",
    title:
      "every other finish reason the codec can encode (content_filter, error, other) comes back as done.finishReason",
    needs: ["finishReasons"],
    async run(ctx) {
      const reasons = (ctx.codec.finishReasons ?? []).filter(
        (r): r is FinishReason => r !== "stop" && r !== "length",
      );
      for (const finishReason of reasons) {
        await roundTrip(ctx, { ...textScenario(), finishReason }, `finish reason ${finishReason}`);
      }
    },
  },
  {
    id: "stream.usage",
    title:
      "done.usage carries exactly the input and output token counts the server reported (also without server timings)",
    needs: ["usage"],
    async run(ctx) {
      const { timings: _none, ...scenario } = textScenario();
      serveScenario(ctx, scenario);
      const done = expectAnswer(ctx, await run(ctx, ctx.adapter()), scenario, "usage");
      expectUsage(done, USAGE, "usage");
    },
  },
  {
    id: "stream.tokens-per-sec",
    title:
      "done.tokensPerSec is output tokens per second of generation: from the server's generation time when the protocol reports it, else measured",
    needs: ["tokensPerSec"],
    async run(ctx) {
      if (ctx.codec.timings?.includes("generationMs")) {
        // A generation time with a fraction of a millisecond: 9 tokens in 12.5 ms.
        const scenario = { ...textScenario(), timings: { ...TIMINGS, generationMs: 12.5 } };
        serveScenario(ctx, scenario);
        const done = expectAnswer(ctx, await run(ctx, ctx.adapter()), scenario, "tokensPerSec");
        expectServerTimings(ctx, done, scenario, "tokensPerSec");
        return;
      }
      // No server timing: the adapter measures. Frames 60 ms apart put the true rate near
      // 9 tokens / 0.3 s; a rate in the wrong unit (per ms) or per request is far off.
      const scenario = textScenario();
      serveScenario(ctx, scenario, { mode: "drip", intervalMs: RATE_DRIP_MS });
      let firstAt = 0;
      const outcome = await run(ctx, ctx.adapter(), {
        onChunk: () => {
          if (firstAt === 0) firstAt = performance.now();
          return undefined;
        },
      });
      const seconds = (performance.now() - firstAt) / 1000;
      const done = expectAnswer(ctx, outcome, scenario, "tokensPerSec");
      const clock = USAGE.outputTokens / seconds;
      const rate = done.tokensPerSec ?? 0;
      check(
        rate >= clock / 3 && rate <= clock * 3,
        `tokensPerSec: the server generated ${USAGE.outputTokens} tokens over ~${Math.round(seconds * 1000)} ms (~${clock.toFixed(1)}/s), the adapter reported ${rate}`,
      );
    },
  },
  {
    id: "stream.timings",
    title:
      "done.timings carries the server's durations in milliseconds (also without usage), for every field the protocol reports",
    needs: ["timings"],
    async run(ctx) {
      const { usage: _none, ...scenario } = textScenario();
      serveScenario(ctx, scenario);
      const done = expectAnswer(ctx, await run(ctx, ctx.adapter()), scenario, "timings");
      expectServerTimings(ctx, done, scenario, "timings");
      check(done.timings !== undefined, "timings: done.timings is missing");
    },
  },
  {
    id: "stream.recut-bytes",
    title:
      "the same answer written one byte per write (every multi-byte character split) decodes identically",
    needs: [],
    run: (ctx) => roundTrip(ctx, textScenario(), "one byte per write", { mode: "bytes" }),
  },
  {
    id: "stream.recut-random",
    title: "the same answer re-cut at random offsets (seeds 1..3) decodes identically",
    needs: [],
    async run(ctx) {
      for (const seed of [1, 2, 3])
        await roundTrip(ctx, textScenario(), `random re-cut, seed ${seed}`, {
          mode: "random",
          seed,
          minPiece: 2,
        });
    },
  },
  {
    id: "stream.slow-drip",
    title: `frames dripped every ${DRIP_MS} ms complete under idleMs ${DRIP_IDLE_MS} although the whole answer takes longer (the idle limit restarts on every chunk)`,
    needs: [],
    async run(ctx) {
      const scenario = {
        ...textScenario(),
        text: [...TEXT_DELTAS, ...TEXT_DELTAS, ...TEXT_DELTAS, "…"],
      };
      serveScenario(ctx, scenario, { mode: "drip", intervalMs: DRIP_MS });
      const outcome = await run(ctx, ctx.adapter(), {
        options: { timeouts: { idleMs: DRIP_IDLE_MS, firstChunkMs: 2_000 } },
      });
      expectAnswer(ctx, outcome, scenario, "slow drip");
    },
  },
  {
    id: "stream.sequential",
    title:
      "two streams in a row on one adapter both succeed (connection reuse keeps no stale state)",
    needs: [],
    async run(ctx) {
      const adapter = ctx.adapter();
      const answers = [textScenario(), { ...textScenario(), text: ["Second ", "answer ✓"] }];
      for (const [i, scenario] of answers.entries()) {
        serveScenario(ctx, scenario);
        expectAnswer(ctx, await run(ctx, adapter), scenario, `stream ${i + 1} of 2`);
      }
    },
  },
  keepAliveCase,
  afterTerminalCase,
  backPressureCase,
];
