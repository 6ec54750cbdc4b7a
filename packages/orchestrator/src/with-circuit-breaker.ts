import {
  type AIAdapter,
  type Message,
  ProtocolError,
  type StreamChunk,
  type StreamOptions,
} from "@x/core";
import { CircuitBreaker, type CircuitBreakerOptions } from "./circuit-breaker.js";
import { type AdapterRef, CircuitOpenError } from "./errors.js";
import { refOf } from "./events.js";
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
 * Wraps `adapter` in a {@link CircuitBreaker}. A stream counts as a success when it yields `done`,
 * as a failure when it throws (truncated and stalled streams included) or ends without `done`,
 * and as nothing when the consumer stops early or aborts. While the breaker is open `stream()`
 * throws `CircuitOpenError` on the first `next()` without touching the network.
 */
export function withCircuitBreaker(
  adapter: AIAdapter,
  policy: CircuitBreakerPolicy = {},
): CircuitBreakerAdapter {
  const breaker = new CircuitBreaker(policy.ref ?? refOf(adapter), policy);
  const trialCheck = policy.healthCheckBeforeTrial;
  const trialTimeoutMs = typeof trialCheck === "object" ? trialCheck.timeoutMs : 2000;
  const wrapped = wrapAdapter(adapter, (messages, options) =>
    guardedStream(adapter, breaker, trialCheck ? trialTimeoutMs : undefined, messages, options),
  );
  return Object.assign(wrapped, { breaker });
}

async function* guardedStream(
  adapter: AIAdapter,
  breaker: CircuitBreaker,
  trialTimeoutMs: number | undefined,
  messages: Message[],
  options: StreamOptions | undefined,
): AsyncGenerator<StreamChunk> {
  const permit = breaker.acquire();
  let settled = false;
  try {
    if (permit === "trial" && trialTimeoutMs !== undefined) {
      const healthy = await adapter.healthCheck({
        timeoutMs: trialTimeoutMs,
        signal: options?.signal,
      });
      if (!healthy && !options?.signal?.aborted) {
        settled = true;
        const error = new ProtocolError(`${adapter.provider}: health check failed before trial`, {
          provider: adapter.provider,
          model: adapter.model,
          reason: "unexpected_frame",
        });
        breaker.failure(permit, error);
        throw new CircuitOpenError(
          `${adapter.provider}: circuit breaker open (health check failed)`,
          {
            provider: adapter.provider,
            model: adapter.model,
            retryAt: Date.now(),
          },
        );
      }
    }
    for await (const chunk of adapter.stream(messages, options)) {
      if (chunk.type === "done") {
        settled = true;
        breaker.success(permit);
      }
      yield chunk;
    }
    if (!settled) {
      settled = true;
      breaker.failure(
        permit,
        new ProtocolError(`${adapter.provider}: stream ended without done`, {
          provider: adapter.provider,
          model: adapter.model,
          reason: "truncated",
        }),
      );
    }
  } catch (error) {
    if (!settled) {
      settled = true;
      breaker.failure(permit, error);
    }
    throw error;
  } finally {
    if (!settled) breaker.release(permit);
  }
}
