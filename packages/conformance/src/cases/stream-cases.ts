import { check, checkEqual, contentOf, describeChunks, thinkingOf } from "../assert.js";
import { TEXT_DELTAS, THINKING_DELTAS, textScenario } from "../scenarios.js";
import type { Delivery } from "../server/delivery.js";
import type { CaseContext, ConformanceCase } from "../types.js";
import { expectSuccess, run, serveScenario } from "./helpers.js";

const TEXT = TEXT_DELTAS.join("");
/** Drip interval: 6 frames take ~600 ms, longer than the idle limit, each gap far below it. */
const DRIP_MS = 100;
const DRIP_IDLE_MS = 500;

async function textRoundTrip(
  ctx: CaseContext,
  delivery: Delivery,
  situation: string,
): Promise<void> {
  serveScenario(ctx, textScenario(ctx.model), delivery);
  const adapter = ctx.adapter();
  const outcome = await run(adapter);
  const done = expectSuccess(outcome, situation);
  checkEqual(contentOf(outcome.chunks), TEXT, `${situation}: concatenated content`);
  check(
    done.finishReason === "stop",
    `${situation}: done.finishReason should be "stop", got ${JSON.stringify(done.finishReason)}`,
  );
}

/** Chunk order, concatenation and the terminal `done`. */
export const streamCases: ConformanceCase[] = [
  {
    id: "stream.text-order",
    title:
      "content deltas arrive in order, concatenate to the text, then exactly one done (provider, model) last",
    needs: [],
    async run(ctx) {
      serveScenario(ctx, textScenario(ctx.model));
      const adapter = ctx.adapter();
      const outcome = await run(adapter);
      const done = expectSuccess(outcome, "text stream");
      checkEqual(contentOf(outcome.chunks), TEXT, "concatenated content");
      check(
        done.finishReason === "stop",
        `done.finishReason should be "stop", got ${JSON.stringify(done.finishReason)}`,
      );
      check(
        done.provider === adapter.provider,
        `done.provider should be ${JSON.stringify(adapter.provider)} (adapter.provider), got ${JSON.stringify(done.provider)}`,
      );
      check(
        done.model === ctx.model,
        `done.model should be the model the server reported (${JSON.stringify(ctx.model)}), got ${JSON.stringify(done.model)}`,
      );
      check(
        outcome.chunks.every((c) => c.type === "content" || c.type === "done"),
        `a text-only answer must yield only content chunks and done: ${describeChunks(outcome.chunks)}`,
      );
    },
  },
  {
    id: "stream.thinking-order",
    title: "thinking deltas come before content, in order, and concatenate",
    needs: ["thinking"],
    async run(ctx) {
      serveScenario(ctx, { ...textScenario(ctx.model), thinking: [...THINKING_DELTAS] });
      const outcome = await run(ctx.adapter(), { think: true });
      expectSuccess(outcome, "thinking stream");
      checkEqual(thinkingOf(outcome.chunks), THINKING_DELTAS.join(""), "concatenated thinking");
      checkEqual(contentOf(outcome.chunks), TEXT, "concatenated content");
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
    title: "done.finishReason maps the provider's reason (length)",
    needs: [],
    async run(ctx) {
      serveScenario(ctx, { ...textScenario(ctx.model), finishReason: "length" });
      const done = expectSuccess(await run(ctx.adapter()), "finish reason length");
      check(
        done.finishReason === "length",
        `done.finishReason should be "length", got ${JSON.stringify(done.finishReason)}`,
      );
    },
  },
  {
    id: "stream.usage",
    title: "done.usage carries the input and output token counts",
    needs: ["usage"],
    async run(ctx) {
      serveScenario(ctx, textScenario(ctx.model));
      const done = expectSuccess(await run(ctx.adapter()), "usage");
      check(done.usage !== undefined, "done.usage is missing");
      check(
        done.usage.inputTokens === 12,
        `done.usage.inputTokens should be 12, got ${String(done.usage.inputTokens)}`,
      );
      check(
        done.usage.outputTokens === 9,
        `done.usage.outputTokens should be 9, got ${String(done.usage.outputTokens)}`,
      );
    },
  },
  {
    id: "stream.tokens-per-sec",
    title: "done.tokensPerSec is a positive finite number",
    needs: ["tokensPerSec"],
    async run(ctx) {
      serveScenario(ctx, textScenario(ctx.model), { mode: "frames" });
      const done = expectSuccess(await run(ctx.adapter()), "tokensPerSec");
      check(
        typeof done.tokensPerSec === "number" &&
          Number.isFinite(done.tokensPerSec) &&
          done.tokensPerSec > 0,
        `done.tokensPerSec should be a positive finite number, got ${String(done.tokensPerSec)}`,
      );
    },
  },
  {
    id: "stream.recut-bytes",
    title:
      "the same answer written one byte per write (every multi-byte character split) decodes identically",
    needs: [],
    run: (ctx) => textRoundTrip(ctx, { mode: "bytes" }, "one byte per write"),
  },
  {
    id: "stream.recut-random",
    title: "the same answer re-cut at random offsets (seeds 1..3) decodes identically",
    needs: [],
    async run(ctx) {
      for (const seed of [1, 2, 3])
        await textRoundTrip(ctx, { mode: "random", seed }, `random re-cut, seed ${seed}`);
    },
  },
  {
    id: "stream.slow-drip",
    title: `frames dripped every ${DRIP_MS} ms complete under idleMs ${DRIP_IDLE_MS} although the whole answer takes longer (the idle limit restarts on every read)`,
    needs: [],
    async run(ctx) {
      serveScenario(ctx, textScenario(ctx.model), { mode: "drip", intervalMs: DRIP_MS });
      const outcome = await run(ctx.adapter(), {
        timeouts: { idleMs: DRIP_IDLE_MS, firstChunkMs: 2_000 },
      });
      expectSuccess(outcome, "slow drip");
      checkEqual(contentOf(outcome.chunks), TEXT, "slow drip: concatenated content");
    },
  },
  {
    id: "stream.sequential",
    title:
      "two streams in a row on one adapter both succeed (connection reuse keeps no stale state)",
    needs: [],
    async run(ctx) {
      serveScenario(ctx, textScenario(ctx.model));
      const adapter = ctx.adapter();
      for (const n of [1, 2]) {
        const outcome = await run(adapter);
        expectSuccess(outcome, `stream ${n} of 2`);
        checkEqual(contentOf(outcome.chunks), TEXT, `stream ${n} of 2: concatenated content`);
      }
    },
  },
];
