import type { StreamOptions } from "@x/core";
import type { EventListener } from "./events.js";

/**
 * Per-request state a chain hands to the policies it wraps its members in, carried on the
 * `StreamOptions` object under a private symbol (so concurrent requests through one wrapped
 * member never see each other's events or deadlines).
 */
export interface RequestContext {
  /** Receives this request's per-attempt events (retries). */
  onEvent: EventListener | undefined;
  /** The chain's shared deadline (epoch ms), if it has a `totalMs` budget. */
  deadline: number | undefined;
}

const CONTEXT = Symbol("@x/orchestrator/request-context");

type WithContext = StreamOptions & { [CONTEXT]?: RequestContext };

/** The chain's context on `options`, if any. */
export function getRequestContext(options: StreamOptions | undefined): RequestContext | undefined {
  return (options as WithContext | undefined)?.[CONTEXT];
}

/**
 * A copy of `options` with `context` attached and, when `signal` is given, `signal` replaced.
 * With `signal` undefined no `signal` key is set: the copy keeps `options`' own signal, if any (a
 * chain passes undefined only when the caller gave none, so the member then sees no signal).
 */
export function withRequestContext(
  options: StreamOptions | undefined,
  signal: AbortSignal | undefined,
  context: RequestContext | undefined,
): StreamOptions {
  // Object.assign + set rather than `{ ...options, signal }` (same result, cheaper in V8).
  const next: WithContext = Object.assign({}, options);
  if (signal !== undefined) next.signal = signal;
  if (context) next[CONTEXT] = context;
  return next;
}
