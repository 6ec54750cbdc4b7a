import { type Attributes, type Span, SpanKind, trace } from "@opentelemetry/api";
import type { AIAdapter } from "@x/core";
import type {
  AnyChainEvent,
  ChainAttemptEvent,
  ChainEvent,
  ChainFailureEvent,
  ChainMemberRef,
} from "./chain-events.js";
import { errorType, isAbort, recordError } from "./errors.js";
import { instrumentWith } from "./instrument.js";
import { type InstrumentOptions, type Settings, settingsOf } from "./options.js";
import {
  type AttemptSpan,
  endAttempt,
  endOpenAttempts,
  type RequestState,
  requestOwnedBy,
} from "./request-state.js";
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_X_CHAIN_AFTER_COMMIT,
  ATTR_X_CHAIN_ATTEMPT,
  ATTR_X_CHAIN_ATTEMPTS,
  ATTR_X_CHAIN_BREAKER_COOLDOWN_MS,
  ATTR_X_CHAIN_BREAKER_FAILURES,
  ATTR_X_CHAIN_DELAY_MS,
  ATTR_X_CHAIN_HEDGED,
  ATTR_X_CHAIN_MEMBER_INDEX,
  ATTR_X_CHAIN_PRIMARY_INDEX,
  ATTR_X_CHAIN_RETRY,
  ATTR_X_CHAIN_SKIP_MISSING,
  ATTR_X_CHAIN_SKIP_REASON,
  ATTR_X_CHAIN_STAGE,
  EVENT_BREAKER_CLOSE,
  EVENT_BREAKER_HALF_OPEN,
  EVENT_BREAKER_OPEN,
  EVENT_FALLBACK,
  EVENT_HEDGE,
  EVENT_RETRY,
  EVENT_SKIP,
} from "./semconv.js";
import { addServerAttributes } from "./server-address.js";

/** What {@link createChainTracing} returns. */
export interface ChainTracing {
  /**
   * Pass as the chain's `onEvent` option. Each event is recorded into the request of the
   * instrumented chain it happened in: attempts become child spans, retries, fallbacks, hedges,
   * skips and breaker changes become span events. Events outside such a request are ignored. To
   * keep a listener of your own, call both: `onEvent: (e) => { tracing.onEvent(e); mine(e); }`.
   */
  readonly onEvent: (event: AnyChainEvent) => void;
  /**
   * Wraps `chain` like {@link instrument} (one `chat {model}` span per request) and makes its
   * requests the ones {@link onEvent} records into.
   */
  instrument(chain: AIAdapter): AIAdapter;
}

/**
 * Tracing for one fallback chain or pool: a span per request with a child span per attempt
 * (member, number, hedged, outcome, failure stage, `error.type`) and span events for retry,
 * fallback, hedge, skip and breaker open / half-open / close; a `reset` chunk becomes an event too.
 * No OpenTelemetry context manager is needed: the instrumented chain runs each step of a request
 * in an `AsyncLocalStorage` the listener reads, so concurrent requests keep their own attempts.
 *
 * @example
 * const tracing = createChainTracing();
 * const chain = createFallbackChain([local, hosted], { onEvent: tracing.onEvent });
 * const traced = tracing.instrument(chain);
 */
export function createChainTracing(options: InstrumentOptions = {}): ChainTracing {
  const settings = settingsOf(options);
  // Identifies this tracing's requests in the store (nested chains may use other tracings).
  const owner = {};
  return {
    onEvent: (event) => {
      const state = requestOwnedBy(owner);
      if (state !== undefined) recordChainEvent(state, event as ChainEvent, settings);
    },
    instrument: (chain) => instrumentWith(chain, settings, owner),
  };
}

function memberAttributes(ref: ChainMemberRef): Attributes {
  return {
    [ATTR_GEN_AI_PROVIDER_NAME]: ref.provider,
    [ATTR_GEN_AI_REQUEST_MODEL]: ref.model,
    [ATTR_X_CHAIN_MEMBER_INDEX]: ref.index,
  };
}

/** The latest attempt on member `index` still open. */
function openAttempt(state: RequestState, index: number): AttemptSpan | undefined {
  for (let i = state.attempts.length - 1; i >= 0; i--) {
    const attempt = state.attempts[i]!;
    if (attempt.index === index && !attempt.ended) return attempt;
  }
  return undefined;
}

function startAttempt(state: RequestState, event: ChainAttemptEvent, settings: Settings): void {
  const ref = event.adapter;
  const attributes = memberAttributes(ref);
  attributes[ATTR_X_CHAIN_ATTEMPT] = event.attempt;
  attributes[ATTR_X_CHAIN_HEDGED] = event.hedged;
  const server = state.memberServers?.[ref.index];
  addServerAttributes(attributes, server);
  const span = settings.tracer.startSpan(
    `attempt ${ref.model}`,
    { kind: SpanKind.INTERNAL, attributes },
    state.context,
  );
  state.attempts.push({
    index: ref.index,
    provider: ref.provider,
    model: ref.model,
    span,
    context: trace.setSpan(state.context, span),
    ended: false,
  });
}

function failAttempt(state: RequestState, event: ChainFailureEvent, settings: Settings): void {
  const attempt = openAttempt(state, event.adapter.index);
  if (attempt === undefined) return;
  attempt.span.setAttribute(ATTR_X_CHAIN_STAGE, event.stage);
  if (isAbort(event.error)) {
    endAttempt(attempt, "aborted");
    return;
  }
  recordError(attempt.span, event.error, settings.secrets);
  endAttempt(attempt, "error");
}

function addEvent(span: Span, name: string, ref: ChainMemberRef, extra: Attributes): void {
  span.addEvent(name, { ...memberAttributes(ref), ...extra });
}

function recordChainEvent(state: RequestState, event: ChainEvent, settings: Settings): void {
  switch (event.type) {
    case "attempt":
      startAttempt(state, event, settings);
      break;
    case "failure":
      failAttempt(state, event, settings);
      break;
    case "success": {
      const served = openAttempt(state, event.adapter.index);
      if (served !== undefined) endAttempt(served, "success");
      // Whatever else is open lost (a hedge): the chain has abandoned it by now.
      endOpenAttempts(state, "abandoned");
      state.span.setAttribute(ATTR_X_CHAIN_ATTEMPTS, event.attempts);
      break;
    }
    case "retry": {
      const span = openAttempt(state, event.adapter.index)?.span ?? state.span;
      addEvent(span, EVENT_RETRY, event.adapter, {
        [ATTR_X_CHAIN_RETRY]: event.retry,
        [ATTR_X_CHAIN_DELAY_MS]: event.delayMs,
        [ATTR_X_CHAIN_STAGE]: event.stage,
        [ATTR_ERROR_TYPE]: errorType(event.error),
      });
      break;
    }
    case "fallback":
      addEvent(state.span, EVENT_FALLBACK, event.adapter, {
        [ATTR_X_CHAIN_STAGE]: event.stage,
        [ATTR_X_CHAIN_AFTER_COMMIT]: event.afterCommit,
        [ATTR_ERROR_TYPE]: errorType(event.error),
      });
      break;
    case "hedge":
      addEvent(state.span, EVENT_HEDGE, event.adapter, {
        [ATTR_X_CHAIN_PRIMARY_INDEX]: event.primary.index,
      });
      break;
    case "skip": {
      addEvent(state.span, EVENT_SKIP, event.adapter, {
        [ATTR_X_CHAIN_SKIP_REASON]: event.reason,
        ...(event.missing ? { [ATTR_X_CHAIN_SKIP_MISSING]: [...event.missing] } : {}),
      });
      // A nested breaker can refuse an attempt already started.
      const attempt = openAttempt(state, event.adapter.index);
      if (attempt !== undefined) endAttempt(attempt, "skipped");
      break;
    }
    case "breaker-open":
      addEvent(state.span, EVENT_BREAKER_OPEN, event.adapter, {
        [ATTR_X_CHAIN_BREAKER_FAILURES]: event.failures,
        [ATTR_X_CHAIN_BREAKER_COOLDOWN_MS]: event.cooldownMs,
        [ATTR_ERROR_TYPE]: errorType(event.error),
      });
      break;
    case "breaker-half-open":
      addEvent(state.span, EVENT_BREAKER_HALF_OPEN, event.adapter, {});
      break;
    case "breaker-close":
      addEvent(state.span, EVENT_BREAKER_CLOSE, event.adapter, {});
      break;
    default:
      // An event type this version does not know: nothing to record.
      break;
  }
}
