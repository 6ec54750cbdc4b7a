import { AsyncLocalStorage } from "node:async_hooks";
import { type Context, context, type Span } from "@opentelemetry/api";
import { ATTR_X_OUTCOME } from "./semconv.js";
import type { ServerAddress } from "./server-address.js";

/** A chain attempt's span, while the request runs. */
export interface AttemptSpan {
  /** The member's position in the chain. */
  readonly index: number;
  readonly provider: string;
  readonly model: string;
  readonly span: Span;
  /** The request's context with this span active: the parent of the member's own spans. */
  readonly context: Context;
  ended: boolean;
}

/**
 * One recording request, found through {@link requestStore} by whatever runs inside it: a chain's
 * `onEvent` listener (to add attempts and events) and instrumented adapters nested in it (to
 * parent their spans), with no OpenTelemetry context manager required.
 */
export interface RequestState {
  /** The chain tracing that created it, whose `onEvent` may record into it; else undefined. */
  readonly owner: object | undefined;
  readonly span: Span;
  /** The parent context with {@link span} active. */
  readonly context: Context;
  /** The request this one runs inside, if any. */
  readonly parent: RequestState | undefined;
  /** Attempt spans, in start order (chain requests only). */
  readonly attempts: AttemptSpan[];
  /** For a traced chain: each member's server, by member index. */
  readonly memberServers: readonly (ServerAddress | undefined)[] | undefined;
  /** Set when the request span has ended: late events are dropped. */
  ended: boolean;
}

/**
 * Carries the current {@link RequestState} through each `next()` of an instrumented stream and
 * everything that `next()` starts (timers, member streams, the chain's event calls). Used only
 * while a span is recording, so an application without an SDK never turns on async hooks.
 */
export const requestStore = /* @__PURE__ */ new AsyncLocalStorage<RequestState>();

/** The innermost running request, if any. */
export function currentRequest(): RequestState | undefined {
  const state = requestStore.getStore();
  return state === undefined || state.ended ? undefined : state;
}

/** The innermost running request created by `owner` (walking out through nested requests). */
export function requestOwnedBy(owner: object): RequestState | undefined {
  for (let state = requestStore.getStore(); state !== undefined; state = state.parent) {
    if (state.owner === owner) return state.ended ? undefined : state;
  }
  return undefined;
}

/**
 * The context a new request span of `provider`/`model` starts in: inside a running chain request,
 * the latest open attempt on that member (else the request itself); otherwise the active context.
 */
export function parentContextFor(
  outer: RequestState | undefined,
  provider: string,
  model: string,
): Context {
  if (outer === undefined) return context.active();
  const attempts = outer.attempts;
  for (let i = attempts.length - 1; i >= 0; i--) {
    const attempt = attempts[i]!;
    if (!attempt.ended && attempt.provider === provider && attempt.model === model) {
      return attempt.context;
    }
  }
  return outer.context;
}

/** Ends `attempt`'s span with `outcome`, once. */
export function endAttempt(attempt: AttemptSpan, outcome: string): void {
  if (attempt.ended) return;
  attempt.ended = true;
  attempt.span.setAttribute(ATTR_X_OUTCOME, outcome);
  attempt.span.end();
}

/** Ends every attempt of `state` still open (hedge losers, attempts of a cancelled request). */
export function endOpenAttempts(state: RequestState, outcome: string): void {
  for (const attempt of state.attempts) endAttempt(attempt, outcome);
}
