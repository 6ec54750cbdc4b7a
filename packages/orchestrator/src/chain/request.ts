import { AbortedError, type Message, type StreamOptions } from "@x/core";
import { StreamDeadline } from "@x/core/http";
import type { FailedTry } from "../attempt/open-member.js";
import type { AdapterRef } from "../errors.js";
import { defaultShouldFallback } from "../policies/fallback-policy.js";
import type { FallbackChainOptions } from "./chain-options.js";
import { attachPartial } from "./continuation.js";
import type { Member } from "./member.js";
import { MemberQueue } from "./member-queue.js";
import { RequestLog } from "./request-log.js";
import { VisibleOutput } from "./visible-output.js";

/** A chain's identity, wired members and options: shared by all its requests. */
export interface ChainSetup {
  provider: string;
  model: string;
  members: readonly Member[];
  options: FallbackChainOptions;
}

/** What every step of one request works with, built when the request starts. */
export interface Request {
  readonly setup: ChainSetup;
  /** The caller's messages and options. */
  readonly messages: Message[];
  readonly options: StreamOptions | undefined;
  /** Failed tries, skips, usage and events. */
  readonly log: RequestLog;
  /** The members not tried yet. */
  readonly queue: MemberQueue;
  /** The caller's signal and the chain's `totalMs`, as one deadline every try hangs off. */
  readonly budget: StreamDeadline;
  /** What the consumer has been shown. */
  readonly shown: VisibleOutput;
}

/** A request's working state, its budget armed. */
export function startRequest(
  setup: ChainSetup,
  messages: Message[],
  options: StreamOptions | undefined,
): Request {
  const log = new RequestLog(setup.options.onEvent);
  return {
    setup,
    messages,
    options,
    log,
    queue: new MemberQueue(setup.members, messages, options, log),
    budget: new StreamDeadline({ totalMs: setup.options.timeouts?.totalMs }, options?.signal),
    shown: new VisibleOutput(),
  };
}

/** The chain's `totalMs` as an absolute time (epoch ms), if it has one. */
export function budgetEnd(request: Request): number | undefined {
  const totalMs = request.setup.options.timeouts?.totalMs;
  return totalMs === undefined ? undefined : request.log.startedAt + totalMs;
}

/**
 * A member's error as the chain reports it: when the chain's `totalMs` ran out under it, the
 * budget's `StreamTimeoutError` (`total`) naming the member instead of the abort it caused.
 */
export function memberError(request: Request, ref: AdapterRef, error: unknown): unknown {
  if (request.budget.reason !== "total") return error;
  return request.budget.error({ provider: ref.provider, model: ref.model, cause: error });
}

/**
 * A failure before anything of this attempt was shown (`attempt`: its number): logged, then the
 * chain moves on (returns) or the request ends (throws). A member refused by its breaker is
 * skipped. A cancel ends the request; `shouldFallback` decides the rest.
 */
export function moveOnBeforeCommit(
  request: Request,
  member: Member,
  failure: FailedTry & { tried: boolean },
  attempt: number,
): void {
  if (request.budget.reason === "aborted") throw failure.error; // the caller cancelled
  if (!failure.tried) {
    request.log.skippedForOpenCircuit(member.ref);
    return;
  }
  const error = memberError(request, member.ref, failure.error);
  request.log.failed(member.ref, error, failure.stage, failure.durationMs);
  if (request.budget.reason === "total") throw exhaustedError(request);
  const context = { adapter: member.ref, stage: failure.stage, committed: false, attempt };
  const shouldFallback = request.setup.options.shouldFallback ?? defaultShouldFallback;
  if (AbortedError.isInstance(error) || !shouldFallback(error, context)) {
    throw withShownPartial(error, request);
  }
  request.log.fellBack(member.ref, error, failure.stage, undefined);
}

/**
 * The error for "no member could serve": a one-member chain throws its member's last error
 * itself (it is transparent, as the conformance suite checks); otherwise
 * `AllAdaptersFailedError` listing every try (and skip), with what was shown as `partial`.
 */
export function exhaustedError(request: Request): unknown {
  const { log, setup, shown } = request;
  const partial = shown.committed ? shown.partial() : undefined;
  const last = log.failures.at(-1);
  if (setup.members.length === 1 && last !== undefined && log.skipped.length === 0) {
    return withShownPartial(last.error, request);
  }
  const budgetMs = request.budget.reason === "total" ? setup.options.timeouts?.totalMs : undefined;
  return log.exhausted(setup, budgetMs, partial);
}

/**
 * `error` with `partial` saying what the consumer was shown, not what the member produced (a
 * commit window may have held that back, an earlier member may have shown more). Left alone when
 * nothing was shown and it carries no `partial`.
 */
export function withShownPartial(error: unknown, request: Request): unknown {
  const { shown } = request;
  const carries = typeof error === "object" && error !== null && "partial" in error;
  return shown.committed || carries ? attachPartial(error, shown.partial()) : error;
}

/**
 * What the request throws for `error`. A cancel by the caller becomes the chain's own
 * `AbortedError`, carrying what was shown (`partial`) and the usage known so far (`usage`), and
 * is announced with an `abort` event (`running`: the member at work, if any).
 */
export function finalError(request: Request, error: unknown, running: Member | undefined): unknown {
  if (request.budget.reason !== "aborted") return error;
  const { setup, shown, log } = request;
  const partial = shown.partial();
  const usage = log.abandonedUsage;
  log.aborted(running?.ref, partial, usage);
  return new AbortedError(`${setup.provider}: request aborted`, {
    provider: setup.provider,
    model: setup.model,
    cause: request.options?.signal?.reason,
    partial,
    usage,
  });
}
