import type { DoneChunk, IncompleteToolCall } from "@x/core";
import {
  check,
  checkEqual,
  checkWellFormed,
  contentOf,
  describeChunks,
  describeError,
  thinkingOf,
} from "../assert.js";
import type { Scenario } from "../codec.js";
import type { CaseContext } from "../types.js";
import { type CaseOutcome, callsOf, holds } from "./helpers.js";

/** Asserts a successful, well-formed stream sent by one request, and returns its `done`. */
export function expectSuccess(outcome: CaseOutcome, situation: string): DoneChunk {
  if (outcome.ended === "threw") {
    throw new Error(
      `${situation}: the stream threw ${describeError(outcome.error)} after ${describeChunks(outcome.chunks)}`,
      { cause: outcome.error },
    );
  }
  check(
    outcome.ended !== "stalled",
    `${situation}: the stream did not finish within the guard (stalled after ${describeChunks(outcome.chunks)})`,
  );
  const done = checkWellFormed(outcome.chunks);
  check(
    !outcome.counted || outcome.chatRequests === 1,
    `${situation}: the server received ${outcome.chatRequests} chat requests for one stream() call (expected exactly 1)`,
  );
  return done;
}

/**
 * Asserts the whole outcome of a successful stream against the `scenario` the server sent:
 * content, thinking and tool calls in order; one `done`, last, whose provider is the adapter's,
 * whose model is the one the *server* reported, with the finish reason, the usage, the server
 * timings and `tokensPerSec` (exact when the protocol reports generation time, else positive) the
 * server's frames imply; and one request. Returns `done`.
 */
export function expectAnswer(
  ctx: CaseContext,
  outcome: CaseOutcome,
  scenario: Scenario,
  situation: string,
  incompleteToolCalls?: readonly IncompleteToolCall[],
): DoneChunk {
  const done = expectSuccess(outcome, situation);
  const { adapter, chunks } = outcome;
  checkEqual(contentOf(chunks), (scenario.text ?? []).join(""), `${situation}: content`);
  checkEqual(thinkingOf(chunks), (scenario.thinking ?? []).join(""), `${situation}: thinking`);
  const calls = callsOf(chunks);
  const expected = scenario.toolCalls ?? [];
  check(
    calls.length === expected.length,
    `${situation}: expected ${expected.length} tool call(s), each yielded exactly once, got ${calls.length}: ${describeChunks(chunks)}`,
  );
  check(
    done.provider === adapter.provider,
    `${situation}: done.provider should be ${JSON.stringify(adapter.provider)} (adapter.provider), got ${JSON.stringify(done.provider)}`,
  );
  check(
    done.model === scenario.model,
    `${situation}: done.model should be the model the server reported (${JSON.stringify(scenario.model)}), not the configured one; got ${JSON.stringify(done.model)}`,
  );
  const finish = scenario.finishReason ?? (expected.length > 0 ? "tool_calls" : "stop");
  check(
    done.finishReason === finish,
    `${situation}: done.finishReason should be ${JSON.stringify(finish)}, got ${JSON.stringify(done.finishReason)}`,
  );
  if (incompleteToolCalls === undefined)
    check(
      done.incompleteToolCalls === undefined || done.incompleteToolCalls.length === 0,
      `${situation}: done.incompleteToolCalls must be absent when no tool call was cut off, got ${JSON.stringify(done.incompleteToolCalls)}`,
    );
  else
    checkEqual(
      done.incompleteToolCalls,
      incompleteToolCalls,
      `${situation}: done.incompleteToolCalls (the call the token limit cut off, as far as it came)`,
    );
  if (scenario.usage && (done.usage !== undefined || holds(ctx, adapter, "usage")))
    expectUsage(done, scenario.usage, situation);
  expectServerTimings(ctx, done, scenario, situation);
  // With server timings in the protocol, an answer without them (or without usage) has no rate.
  const rateKnown =
    !ctx.codec.timings?.includes("generationMs") ||
    (scenario.usage !== undefined && scenario.timings?.generationMs !== undefined);
  if (done.tokensPerSec !== undefined || (rateKnown && holds(ctx, adapter, "tokensPerSec"))) {
    check(
      typeof done.tokensPerSec === "number" &&
        Number.isFinite(done.tokensPerSec) &&
        done.tokensPerSec > 0,
      `${situation}: done.tokensPerSec should be a positive finite number, got ${String(done.tokensPerSec)}`,
    );
  }
  return done;
}

/** `done.usage` is exactly what the server reported (total = input + output when given). */
export function expectUsage(
  done: DoneChunk,
  usage: { inputTokens: number; outputTokens: number },
  situation: string,
): void {
  const got = done.usage;
  check(got !== undefined, `${situation}: done.usage is missing`);
  const want: Record<string, number | undefined> = {
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    totalTokens: got.totalTokens === undefined ? undefined : usage.inputTokens + usage.outputTokens,
    reasoningTokens: undefined,
    cachedInputTokens: undefined,
  };
  checkEqual(
    {
      inputTokens: got.inputTokens,
      outputTokens: got.outputTokens,
      totalTokens: got.totalTokens,
      reasoningTokens: got.reasoningTokens,
      cachedInputTokens: got.cachedInputTokens,
    },
    want,
    `${situation}: done.usage (the server reported input ${usage.inputTokens}, output ${usage.outputTokens})`,
  );
}

/** The server timings the codec declares are on `done`, in milliseconds; tokensPerSec follows. */
export function expectServerTimings(
  ctx: CaseContext,
  done: DoneChunk,
  scenario: Scenario,
  situation: string,
): void {
  const fields = ctx.codec.timings ?? [];
  const timings = scenario.timings;
  if (!timings || fields.length === 0) return;
  for (const field of fields) {
    const want = timings[field];
    if (want === undefined) continue;
    const got = done.timings?.[field];
    check(
      typeof got === "number" && Math.abs(got - want) <= want * 1e-6,
      `${situation}: done.timings.${field} should be ${want} (ms, as the server reported), got ${String(got)}`,
    );
  }
  const generationMs = timings.generationMs;
  if (fields.includes("generationMs") && generationMs !== undefined && scenario.usage) {
    const want = scenario.usage.outputTokens / (generationMs / 1000);
    const got = done.tokensPerSec;
    check(
      typeof got === "number" && Math.abs(got - want) <= want * 0.01,
      `${situation}: done.tokensPerSec should be ${want} (${scenario.usage.outputTokens} tokens in ${generationMs} ms of generation), got ${String(got)}`,
    );
  }
}
