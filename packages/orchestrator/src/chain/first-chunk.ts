import type { StreamChunk } from "@x/core";
import { isNoLimit } from "@x/core/http";
import type { Attempt } from "../attempt/attempt.js";
import { type Opened, openMember } from "../attempt/open-member.js";
import type { CircuitPermit } from "../policies/circuit-breaker.js";
import { linkSignal } from "../util/close-quietly.js";
import { raceTimer, TIMED_OUT } from "../util/race-timer.js";
import type { Recovery } from "./after-commit.js";
import { continuationMessages, DEFAULT_CONTINUE_INSTRUCTION } from "./continuation.js";
import { limitsOf, type Member } from "./member.js";
import { budgetEnd, exhaustedError, moveOnBeforeCommit, type Request } from "./request.js";

/** The attempt that produced a first chunk first. */
export interface Winner {
  member: Member;
  attempt: Attempt;
  first: StreamChunk;
  /** Its number within the request. */
  number: number;
  /** Whether it was sent the partial answer as an assistant prefill (it continues it). */
  prefilled: boolean;
}

/** A member running toward its first chunk (retries included), which can be stopped on its own. */
interface Runner {
  member: Member;
  number: number;
  /** Settles when the member yields its first chunk or gives up; never rejects. */
  outcome: Promise<{ runner: Runner; opened: Opened }>;
  stop(): void;
  /** A hedge was already started against it. */
  hedged: boolean;
}

/**
 * Starts members in chain order until one yields its first chunk. Each member runs with its
 * retries (`openMember`). A member that fails moves the request on, or ends it (see
 * `moveOnBeforeCommit`). With `hedgeAfterMs`, when the only running member has no first chunk
 * in time, the next one starts too; the first to answer wins and the other is stopped (aborted,
 * its permit released: a hedge loser is never counted). `recovery`: how members are asked after
 * a failure that was already shown.
 */
export async function firstChunk(
  request: Request,
  recovery: Recovery | undefined,
): Promise<Winner> {
  const runners: Runner[] = [];
  let soloSince = Date.now();
  try {
    for (;;) {
      if (runners.length === 0) {
        const runner = startRunner(request, recovery, undefined);
        if (runner === undefined) throw exhaustedError(request);
        runners.push(runner);
        soloSince = Date.now();
      }
      const settled = await raceTimer(
        Promise.race(runners.map((r) => r.outcome)),
        hedgeDelay(request, runners, soloSince),
      );
      if (settled === TIMED_OUT) {
        const primary = runners[0]!;
        primary.hedged = true;
        const hedge = startRunner(request, recovery, primary);
        if (hedge !== undefined) runners.push(hedge);
        continue;
      }
      const { runner, opened } = settled;
      runners.splice(runners.indexOf(runner), 1);
      if (opened.ok) {
        for (const loser of runners.splice(0)) loser.stop();
        const { attempt, first, prefilled } = opened;
        return { member: runner.member, attempt, first, prefilled, number: runner.number };
      }
      moveOnBeforeCommit(request, runner.member, opened, runner.number);
      if (runners.length === 1) {
        // The survivor may hedge again, against the next member, from now.
        runners[0]!.hedged = false;
        soloSince = Date.now();
      }
    }
  } catch (error) {
    for (const runner of runners) runner.stop();
    throw error;
  }
}

/** Time left before a hedge is due, or undefined when none is (one hedge per lone runner). */
function hedgeDelay(request: Request, runners: Runner[], soloSince: number): number | undefined {
  const hedgeAfterMs = request.setup.options.hedgeAfterMs;
  if (isNoLimit(hedgeAfterMs) || runners.length !== 1 || runners[0]!.hedged) return undefined;
  if (!request.queue.hasAlternative()) return undefined;
  return Math.max(0, hedgeAfterMs! - (Date.now() - soloSince));
}

/**
 * Starts the next member that can serve (as a hedge of `primary`, if given), or returns
 * undefined when none is left. A member whose breaker is open is skipped at once.
 */
function startRunner(
  request: Request,
  recovery: Recovery | undefined,
  primary: Runner | undefined,
): Runner | undefined {
  const { queue, log } = request;
  for (;;) {
    const member = queue.next();
    if (member === undefined) return undefined;
    let permit: CircuitPermit | undefined;
    try {
      permit = member.breaker?.acquire();
    } catch {
      log.skippedForOpenCircuit(member.ref); // never wait on an open breaker
      continue;
    }
    const number = log.started(member.ref, primary?.member.ref);
    // Stops this member alone; hangs off the request's budget (request-scoped: no unlinking needed).
    const controller = new AbortController();
    linkSignal(request.budget.signal, controller);
    const ask = askFor(request, member, recovery);
    const opened = openMember({
      adapter: member.adapter,
      messages: ask.messages,
      withoutPrefill: ask.withoutPrefill,
      options: request.options,
      limits: limitsOf(member, queue.hasAlternative()),
      signal: controller.signal,
      breaker: member.breaker,
      permit,
      retry: member.retry,
      deadline: budgetEnd(request),
      onRetry: (r) =>
        log.retried(
          member.ref,
          r.error,
          r.stage,
          r.durationMs,
          r.retry,
          r.delayMs,
          r.prefillRejected,
        ),
    });
    const runner: Runner = {
      member,
      number,
      hedged: primary !== undefined, // a hedge does not hedge again while racing
      outcome: opened.then((result) => ({ runner, opened: result })),
      stop() {
        controller.abort("hedge lost");
        // It may have answered in the same instant: its attempt is not ours to keep.
        void opened.then((result) => (result.ok ? result.attempt.close() : undefined));
      },
    };
    return runner;
  }
}

/**
 * What `member` is sent: after a shown failure with `midStream: "continue"`, the partial answer
 * as an assistant prefill, but only to a member that declares it accepts one
 * (`capabilities.assistantPrefill`); it is asked again without it if it rejects it. Otherwise
 * the caller's messages (the answer restarts).
 */
function askFor(
  request: Request,
  member: Member,
  recovery: Recovery | undefined,
): { messages: Request["messages"]; withoutPrefill?: Request["messages"] } {
  if (recovery !== "continue" || member.adapter.capabilities.assistantPrefill !== true) {
    return { messages: request.messages };
  }
  const instruction = request.setup.options.continueInstruction ?? DEFAULT_CONTINUE_INSTRUCTION;
  const prefix = request.shown.content.toString();
  return {
    messages: continuationMessages(request.messages, prefix, instruction),
    withoutPrefill: request.messages,
  };
}
