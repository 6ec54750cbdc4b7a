import type { AIAdapter, Message, StreamChunk, StreamOptions } from "@x/core";
import { Attempt } from "../attempt/attempt.js";
import { forward } from "../attempt/forward.js";
import type { AdapterRef } from "../errors.js";
import { refOf } from "../events.js";
import { defaultMemberId } from "../store/member-id.js";
import { CircuitBreaker, type CircuitBreakerOptions } from "./circuit-breaker.js";
import { wrapAdapter } from "./wrap-adapter.js";

/** Options for {@link withCircuitBreaker}. */
export interface CircuitBreakerPolicy extends CircuitBreakerOptions {
  /** How events name the adapter. Default: its provider and model, index 0. */
  ref?: AdapterRef;
}

/** An adapter guarded by a breaker, which it exposes for inspection. */
export interface CircuitBreakerAdapter extends AIAdapter {
  /** The breaker guarding this adapter (state, failure count). */
  readonly breaker: CircuitBreaker;
}

/**
 * Wraps `adapter` in a {@link CircuitBreaker}, the same one a chain gives each member. A stream
 * counts as a success at its `done`, as a failure when it throws or ends without `done`
 * (truncated and stalled streams included), and as nothing when the consumer stops early or
 * the caller aborts. While the breaker is open, `stream()` throws `CircuitOpenError` from the
 * first `next()` without touching the network. `close()` also stops the breaker's probing.
 */
export function withCircuitBreaker(
  adapter: AIAdapter,
  policy: CircuitBreakerPolicy = {},
): CircuitBreakerAdapter {
  // The same store key a chain gives this adapter as a member (two hosts of a model are two).
  const breakerOptions = { ...policy, id: policy.id ?? defaultMemberId(adapter) };
  const breaker = new CircuitBreaker(policy.ref ?? refOf(adapter), breakerOptions, (o) =>
    adapter.healthCheck(o),
  );
  const wrapped = wrapAdapter(adapter, (messages, options) =>
    guarded(adapter, breaker, messages, options),
  );
  const close = wrapped.close;
  wrapped.close = async () => {
    breaker.close();
    await close?.();
  };
  return Object.assign(wrapped, { breaker });
}

async function* guarded(
  adapter: AIAdapter,
  breaker: CircuitBreaker,
  messages: Message[],
  options: StreamOptions | undefined,
): AsyncGenerator<StreamChunk> {
  const permit = breaker.acquire();
  const signal = options?.signal;
  const attempt = new Attempt({ adapter, messages, options, limits: {}, signal, breaker, permit });
  try {
    yield* forward(attempt, await attempt.first());
  } catch (error) {
    if (!signal?.aborted) attempt.failed(error);
    throw error;
  } finally {
    await attempt.close(); // no verdict yet (the consumer stopped early): released
  }
}
