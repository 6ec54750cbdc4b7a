import type { AIAdapter, Message, StreamChunk, StreamOptions } from "@x/core";
import { forward } from "../attempt/forward.js";
import { openMember } from "../attempt/open-member.js";
import { emit, refOf } from "../events.js";
import { RETRY_DEFAULTS, type RetryPolicy } from "./retry-policy.js";
import { wrapAdapter } from "./wrap-adapter.js";

/**
 * Wraps `adapter` so a stream that fails before its first chunk is tried again, with the same
 * building block and rules a chain uses for its members: a transient failure
 * (`defaultShouldRetry`) after full-jitter backoff or the server's `Retry-After` (up to
 * `maxRetryAfterMs`), at most `maxRetries` more times, never past `deadline`, never a member
 * that went silent, never after a chunk was yielded (that would splice two answers). Aborting
 * the signal ends a wait at once with `AbortedError`.
 */
export function withRetry(adapter: AIAdapter, policy: RetryPolicy = {}): AIAdapter {
  if ((policy.maxRetries ?? RETRY_DEFAULTS.maxRetries) <= 0) return adapter;
  return wrapAdapter(adapter, (messages, options) => retried(adapter, policy, messages, options));
}

async function* retried(
  adapter: AIAdapter,
  policy: RetryPolicy,
  messages: Message[],
  options: StreamOptions | undefined,
): AsyncGenerator<StreamChunk> {
  const opened = await openMember({
    adapter,
    messages,
    options,
    limits: {},
    signal: options?.signal,
    breaker: undefined,
    retry: policy,
    deadline: policy.deadline,
    onRetry: ({ error, stage, retry, delayMs, durationMs }) =>
      emit(policy.onEvent, {
        type: "retry",
        adapter: refOf(adapter),
        error,
        stage,
        retry,
        delayMs,
        durationMs,
      }),
  });
  if (!opened.ok) throw opened.error;
  try {
    yield* forward(opened.attempt, opened.first);
  } finally {
    await opened.attempt.close();
  }
}
