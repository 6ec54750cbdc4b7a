import type { AdapterError, PartialOutput, StreamChunk } from "@x/core";
import {
  check,
  checkEqual,
  checkErrorClass,
  contentOf,
  describeChunks,
  type ErrorClass,
  thinkingOf,
} from "../assert.js";
import type { CaseContext } from "../types.js";
import { type CaseOutcome, callsOf, PROMPT_MS } from "./helpers.js";

/** What `partial` must say after `chunks` were yielded. */
function partialOf(chunks: readonly StreamChunk[]): PartialOutput {
  return { content: contentOf(chunks), thinking: thinkingOf(chunks), toolCalls: callsOf(chunks) };
}

/** The expected error fields of {@link expectThrown}. */
export interface ThrownExpectation {
  /** The error's `retryable`, or how to tell it from the error (when several classes fit). */
  retryable: boolean | ((error: AdapterError) => boolean);
  /** Chat requests the server must have seen. Default 1 (an adapter never retries). */
  requests?: number;
}

/**
 * Asserts that the stream threw one of `classes` (never yielding `done`) and the whole error:
 * provider and model (the configured one), `retryable`, `partial` (exactly what was yielded
 * before it, when anything was), and the number of chat requests the server received. Returns
 * the error.
 */
export async function expectThrown(
  ctx: CaseContext,
  outcome: CaseOutcome,
  classes: readonly ErrorClass[],
  situation: string,
  expected: ThrownExpectation,
): Promise<AdapterError> {
  const names = classes.map((c) => c.name).join(" or ");
  check(
    outcome.ended !== "stalled",
    `${situation}: expected ${names}, but the stream was still running when the guard fired (chunks: ${describeChunks(outcome.chunks)})`,
  );
  check(
    outcome.ended === "threw",
    `${situation}: expected ${names}, but the stream ended normally with ${describeChunks(outcome.chunks)}`,
  );
  check(
    !outcome.chunks.some((c) => c.type === "done"),
    `${situation}: the stream yielded done and then threw: ${describeChunks(outcome.chunks)}`,
  );
  const error = checkErrorClass(outcome.error, classes, situation);
  const { adapter } = outcome;
  check(
    error.provider === adapter.provider,
    `${situation}: ${error.name}.provider should be ${JSON.stringify(adapter.provider)}, got ${JSON.stringify(error.provider)}`,
  );
  check(
    error.model === adapter.model,
    `${situation}: ${error.name}.model should be the configured model ${JSON.stringify(adapter.model)}, got ${JSON.stringify(error.model)}`,
  );
  const retryable =
    typeof expected.retryable === "function" ? expected.retryable(error) : expected.retryable;
  check(
    error.retryable === retryable,
    `${situation}: ${error.name}.retryable should be ${retryable}, got ${String(error.retryable)}`,
  );
  if (outcome.chunks.length > 0) {
    checkEqual(
      error.partial,
      partialOf(outcome.chunks),
      `${situation}: ${error.name}.partial must hold what was yielded before the error`,
    );
  } else {
    check(
      error.partial === undefined ||
        (error.partial.content === "" &&
          error.partial.thinking === "" &&
          error.partial.toolCalls.length === 0),
      `${situation}: nothing was yielded, yet ${error.name}.partial is ${JSON.stringify(error.partial)}`,
    );
  }
  const requests = expected.requests ?? 1;
  if (outcome.chatRequests < requests) {
    // A limit can fire before this process's own server has read the request off the socket.
    await ctx.server.waitForRequests(
      ctx.codec.paths.chat,
      outcome.requestsBefore + requests,
      PROMPT_MS,
    );
    outcome.chatRequests =
      ctx.server.requestsTo(ctx.codec.paths.chat).length - outcome.requestsBefore;
  }
  const maxAttempts = retryable ? Math.max(1, ctx.options.maxAttempts ?? 1) : 1;
  const allowed = requests === 1 ? maxAttempts : requests;
  check(
    requests === 0
      ? outcome.chatRequests === 0
      : outcome.chatRequests >= requests && outcome.chatRequests <= allowed,
    `${situation}: the server received ${outcome.chatRequests} chat request(s), expected ${requests === allowed ? requests : `${requests} to ${allowed}`}${requests === 1 ? " (an adapter never retries on its own)" : ""}`,
  );
  return error;
}

/** Asserts that an error-carrying limit was `limitMs` and that it did not fire early. */
export function expectLimit(
  error: AdapterError,
  outcome: CaseOutcome,
  limitMs: number,
  situation: string,
  phase?: "idle" | "total",
): void {
  const { timeoutMs } = error as AdapterError & { timeoutMs?: number; phase?: string };
  check(
    timeoutMs === limitMs,
    `${situation}: ${error.name}.timeoutMs should be ${limitMs}, got ${String(timeoutMs)}`,
  );
  if (phase !== undefined) {
    const got = (error as AdapterError & { phase?: string }).phase;
    check(got === phase, `${situation}: ${error.name}.phase should be "${phase}", got ${got}`);
  }
  check(
    outcome.elapsedMs >= limitMs * 0.9,
    `${situation}: ${error.name} after ${Math.round(outcome.elapsedMs)} ms, before the ${limitMs} ms limit`,
  );
}
