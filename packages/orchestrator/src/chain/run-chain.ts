import type { DoneChunk, Message, StreamChunk, StreamOptions } from "@x/core";
import type { Attempt } from "../attempt/attempt.js";
import { type Recovery, recoverAfterCommit } from "./after-commit.js";
import type { ChainReport } from "./chain-options.js";
import { type CommitWindow, holdUntilCommit } from "./commit-window.js";
import { firstChunk, type Winner } from "./first-chunk.js";
import { CHAIN_DEFAULTS, type Member } from "./member.js";
import {
  type ChainSetup,
  finalError,
  memberError,
  moveOnBeforeCommit,
  type Request,
  startRequest,
  withShownPartial,
} from "./request.js";
import type { ChainDoneChunk } from "./request-log.js";

/**
 * One request through a chain, top to bottom:
 *
 * 1. `firstChunk`: start members in order until one yields a first chunk (each with its retries,
 *    hedging if set; a failure here moves on with nothing shown).
 * 2. `holdUntilCommit`: while another member could still take over, hold the first chunks back
 *    for a moment, so an early failure is invisible too.
 * 3. Commit: a new answer after output was already shown is announced with a `reset` chunk
 *    (unless the member continues the shown text). Then forward the member's chunks, one
 *    `next()` each, until its `done`.
 * 4. A failure after commit follows `midStream`: back to 1 with the next member, or throw with
 *    what was shown.
 *
 * The breaker verdict of every try is given where its outcome is known; every attempt, timer
 * and listener is released before `done` is yielded, and by `finally` on any other way out.
 */
export async function* runChain(
  setup: ChainSetup,
  messages: Message[],
  options: StreamOptions | undefined,
): AsyncGenerator<StreamChunk, void, undefined> {
  const request = startRequest(setup, messages, options);
  const { log, shown } = request;
  /** How members are asked after a failure that was shown (undefined: none was). */
  let recovery: Recovery | undefined;
  let resetReason = "";
  /** The attempt at work (closed by `finally` if the request ends any other way). */
  let running: Winner | undefined;
  let member: Member | undefined;
  try {
    if (request.budget.signal.aborted) throw request.budget.signal.reason;
    for (;;) {
      // 1. A first chunk.
      running = await firstChunk(request, recovery);
      member = running.member;
      const { attempt, number } = running;

      // 2. Hold back while another member could still take over invisibly.
      const window = await holdUntilCommit(attempt, running.first, commitWindowOf(request));
      if (!window.ok) {
        running = undefined;
        verdict(request, attempt, window.error);
        const failure = { error: window.error, stage: "mid-stream" as const, tried: true };
        moveOnBeforeCommit(request, member, { ...failure, durationMs: attempt.durationMs }, number);
        continue;
      }

      // 3. Commit, then forward every chunk up to `done`.
      const continues = recovery === "continue" && running.prefilled;
      if (shown.committed && !continues) {
        shown.clear();
        yield { type: "reset", reason: resetReason, provider: member.ref.provider };
      }
      shown.committed = true;
      const recovered: ChainReport["recovered"] =
        recovery === undefined ? "none" : continues ? "continue" : "restart";
      for (const chunk of window.held.chunks) {
        if (chunk.type === "done") {
          yield await finish(request, running, chunk, recovered);
          return;
        }
        shown.track(chunk);
        yield chunk;
      }
      let pending = window.held.pending;
      let failure: unknown;
      for (;;) {
        let result: IteratorResult<StreamChunk>;
        try {
          result = await (pending ?? attempt.next());
        } catch (error) {
          failure = attempt.explain(error);
          break;
        }
        pending = undefined;
        if (result.done) {
          failure = attempt.truncated();
          break;
        }
        const chunk = result.value;
        if (chunk.type === "done") {
          yield await finish(request, running, chunk, recovered);
          return;
        }
        shown.track(chunk);
        yield chunk;
      }

      // 4. Failed after commit: go on as `midStream` says, or throw with what was shown.
      running = undefined;
      verdict(request, attempt, failure);
      if (request.budget.reason === "aborted") throw failure;
      const error = memberError(request, member.ref, failure);
      log.failed(member.ref, error, "mid-stream", attempt.durationMs);
      recovery =
        request.budget.reason === "total"
          ? undefined
          : recoverAfterCommit(error, member.ref, number, shown, setup.options);
      if (recovery === undefined) throw withShownPartial(error, request);
      log.fellBack(member.ref, error, "mid-stream", recovery);
      resetReason = error instanceof Error ? error.message : String(error);
    }
  } catch (error) {
    throw finalError(request, error, running?.member ?? member);
  } finally {
    await running?.attempt.close();
    request.budget.dispose();
  }
}

/**
 * The breaker verdict on a failed attempt, then its end. A failure the chain's own budget or the
 * caller caused is no verdict (closing releases the permit).
 */
function verdict(request: Request, attempt: Attempt, error: unknown): void {
  if (request.budget.reason === undefined) attempt.failed(error);
  void attempt.close(); // it failed: no next() is pending
}

/**
 * The commit window of the attempt about to commit: the user's, else the default while another
 * member could take over (with nowhere to go, holding output back would only delay it).
 */
function commitWindowOf(request: Request): CommitWindow | undefined {
  const window = request.setup.options.commitAfter;
  if (window !== undefined) {
    return window.chars === undefined && window.ms === undefined ? undefined : window;
  }
  return request.queue.hasAlternative() ? CHAIN_DEFAULTS.commitAfter : undefined;
}

/**
 * The served `done`: breaker verdict, report, and everything released before it is yielded (a
 * consumer may never ask for more after `done`).
 */
async function finish(
  request: Request,
  winner: { member: Member; attempt: Attempt },
  done: DoneChunk,
  recovered: ChainReport["recovered"],
): Promise<ChainDoneChunk> {
  winner.attempt.succeeded();
  const out = request.log.served(done, winner.member.ref, winner.attempt.durationMs, recovered);
  await winner.attempt.close();
  request.budget.dispose();
  return out;
}
