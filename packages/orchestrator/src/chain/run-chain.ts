import type { DoneChunk, Message, StreamChunk, StreamOptions } from "@x/core";
import type { Attempt } from "../attempt/attempt.js";
import { type Recovery, recoverAfterCommit } from "./after-commit.js";
import type { ChainReport } from "./chain-options.js";
import { type CommitWindow, type Held, holdUntilCommit } from "./commit-window.js";
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

/** A request between its steps: what the helpers of {@link runChain} read and update. */
interface Progress {
  readonly request: Request;
  /** How members are asked after a failure that was shown (undefined: none was). */
  recovery: Recovery | undefined;
  /** The message of the shown failure, for the `reset` chunk. */
  resetReason: string;
  /** The attempt at work (closed by `finally` if the request ends any other way). */
  running: Winner | undefined;
  /** The member last at work (named by a cancel's `abort` event). */
  member: Member | undefined;
}

/** A committed attempt: what to yield before its next chunk, and how its `done` is reported. */
interface Committed {
  readonly attempt: Attempt;
  /** The `reset` chunk if one is due, then the chunks the commit window held. */
  readonly lead: StreamChunk[];
  /** A `next()` the commit window left in flight: awaited before asking again. */
  readonly pending: Held["pending"];
  readonly recovered: ChainReport["recovered"];
}

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
 * Steps 1, 2 and 4 are plain functions (`startChain`, `commitNext`, `recoverNext`): this
 * generator only forwards chunks, and its per-chunk `await` sits in no `try`/`catch` (in V8 an
 * `await` inside one costs ~70 ns more, as much as the rest of a chain's per-chunk work); a
 * member's rejection leaves the loop through a `finally` and is read back by `recoverNext`.
 * The breaker verdict of every try is given where its outcome is known; every attempt, timer
 * and listener is released before `done` is yielded, and by `finally` on any other way out.
 */
export async function* runChain(
  setup: ChainSetup,
  messages: Message[],
  options: StreamOptions | undefined,
): AsyncGenerator<StreamChunk, void, undefined> {
  const progress = startProgress(setup, messages, options);
  try {
    let run = await startChain(progress);
    for (;;) {
      try {
        for (const chunk of run.lead) {
          if (chunk.type === "done") {
            yield await finish(progress, run, chunk);
            return;
          }
          progress.request.shown.track(chunk);
          yield chunk;
        }
      } catch (error) {
        throw failedWith(progress, error);
      }
      let next = run.pending;
      for (;;) {
        next ??= run.attempt.next();
        let result: IteratorResult<StreamChunk> | undefined;
        let settled = false;
        try {
          result = await next;
          settled = true;
        } finally {
          // A rejection: `recoverNext` reads it back from `next` (see above: no `catch` here).
          // biome-ignore lint/correctness/noUnsafeFinally: swallowing the rejection is the point
          if (!settled) break;
        }
        try {
          run.attempt.arrived();
          next = undefined;
          if (result!.done) break;
          const chunk = result!.value;
          if (chunk.type === "done") {
            yield await finish(progress, run, chunk);
            return;
          }
          progress.request.shown.track(chunk);
          yield chunk;
        } catch (error) {
          throw failedWith(progress, error);
        }
      }
      run = await recoverNext(progress, next);
    }
  } finally {
    await progress.running?.attempt.close();
    progress.request.budget.dispose();
  }
}

/** What the request throws for `error` (see `finalError`). */
function failedWith(progress: Progress, error: unknown): unknown {
  const { request, running, member } = progress;
  return finalError(request, error, running?.member ?? member);
}

/** A request just started: nothing tried, nothing shown. */
function startProgress(
  setup: ChainSetup,
  messages: Message[],
  options: StreamOptions | undefined,
): Progress {
  const request = startRequest(setup, messages, options);
  return { request, recovery: undefined, resetReason: "", running: undefined, member: undefined };
}

/** The request's first committed attempt (a caller's signal already aborted ends it at once). */
async function startChain(progress: Progress): Promise<Committed> {
  try {
    const { signal } = progress.request.budget;
    if (signal.aborted) throw signal.reason;
    return await commitNext(progress);
  } catch (error) {
    throw failedWith(progress, error);
  }
}

/** Steps 1 and 2: members are tried until one yields a first chunk and passes its commit window. */
async function commitNext(progress: Progress): Promise<Committed> {
  const { request } = progress;
  for (;;) {
    const running = await firstChunk(request, progress.recovery);
    progress.running = running;
    progress.member = running.member;
    const { attempt, member } = running;
    const window = await holdUntilCommit(attempt, running.first, commitWindowOf(request));
    if (window.ok) return commit(progress, running, window.held);
    progress.running = undefined;
    verdict(request, attempt, window.error);
    const failure = { error: window.error, stage: "mid-stream" as const, tried: true };
    moveOnBeforeCommit(
      request,
      member,
      { ...failure, durationMs: attempt.durationMs },
      running.number,
    );
  }
}

/**
 * Step 3, the commit: what was shown is cleared and a `reset` chunk leads, unless nothing was
 * shown yet or the member continues the shown text.
 */
function commit(progress: Progress, running: Winner, held: Held): Committed {
  const { shown } = progress.request;
  const { recovery } = progress;
  const continues = recovery === "continue" && running.prefilled;
  let lead = held.chunks;
  if (shown.committed && !continues) {
    shown.clear();
    const reset: StreamChunk = {
      type: "reset",
      reason: progress.resetReason,
      provider: running.member.ref.provider,
    };
    lead = [reset, ...lead];
  }
  shown.committed = true;
  const recovered = recovery === undefined ? "none" : continues ? "continue" : "restart";
  return { attempt: running.attempt, lead, pending: held.pending, recovered };
}

/**
 * Step 4: the committed attempt failed: its `next()` rejected (`rejected`), or its stream ended
 * without `done` (undefined). Goes on as `midStream` says (the next committed attempt), or
 * throws with what was shown.
 */
async function recoverNext(
  progress: Progress,
  rejected: Promise<unknown> | undefined,
): Promise<Committed> {
  try {
    const { attempt } = progress.running!;
    const failure =
      rejected === undefined ? attempt.truncated() : attempt.explain(await reasonOf(rejected));
    return await goOn(progress, failure);
  } catch (error) {
    throw failedWith(progress, error);
  }
}

/** The reason `promise`, known to be rejected, rejected with. */
async function reasonOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("reasonOf: the promise was fulfilled");
}

/** After a shown `failure`: the next committed attempt as `midStream` says, or a throw. */
async function goOn(progress: Progress, failure: unknown): Promise<Committed> {
  const { request } = progress;
  const { log, shown, setup } = request;
  const { attempt, member, number } = progress.running!;
  progress.running = undefined;
  verdict(request, attempt, failure);
  if (request.budget.reason === "aborted") throw failure;
  const error = memberError(request, member.ref, failure);
  log.failed(member.ref, error, "mid-stream", attempt.durationMs);
  progress.recovery =
    request.budget.reason === "total"
      ? undefined
      : recoverAfterCommit(error, member.ref, number, shown, setup.options);
  if (progress.recovery === undefined) throw withShownPartial(error, request);
  log.fellBack(member.ref, error, "mid-stream", progress.recovery);
  progress.resetReason = error instanceof Error ? error.message : String(error);
  return commitNext(progress);
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
  progress: Progress,
  run: Committed,
  done: DoneChunk,
): Promise<ChainDoneChunk> {
  const { request } = progress;
  const { attempt } = run;
  attempt.succeeded();
  const ref = progress.member!.ref;
  const out = request.log.served(done, ref, attempt.durationMs, run.recovered);
  await attempt.close();
  request.budget.dispose();
  return out;
}
