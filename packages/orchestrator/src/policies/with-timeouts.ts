import type { AIAdapter, Message, StreamChunk, StreamOptions } from "@x/core";
import { isNoLimit, timeoutsProblem } from "@x/core/http";
import { Attempt } from "../attempt/attempt.js";
import { forward } from "../attempt/forward.js";
import { wrapAdapter } from "./wrap-adapter.js";

/** Time limits enforced by {@link withTimeouts}, in milliseconds. Unset = no limit. */
export interface TimeoutPolicy {
  /**
   * From calling `stream()` to the first content, thinking or tool-call chunk. Exceeded → the
   * request is aborted (socket closed) and the stream throws `ModelLoadingTimeoutError`. Give a
   * cold local model or a reasoning model more than a hosted chat model.
   */
  firstChunkMs?: number;
  /**
   * The longest wait for the next chunk once the first has arrived, counted from each request
   * for a chunk. Exceeded → `StreamTimeoutError` (`idle`).
   */
  idleMs?: number;
  /** The whole stream. Exceeded → `StreamTimeoutError` (`total`). */
  totalMs?: number;
}

/**
 * Wraps `adapter` so each stream obeys `policy`, through core's `StreamDeadline` (the same
 * building block a chain's attempts use): when a limit passes, the member's request is aborted
 * and the stream throws the matching timeout error; the caller's own abort stays an
 * `AbortedError`. Every timer and listener is released when the stream ends, fails or is left.
 * Throws `TypeError` for a limit that is not a positive number of milliseconds.
 */
export function withTimeouts(adapter: AIAdapter, policy: TimeoutPolicy): AIAdapter {
  const problem = timeoutsProblem(policy);
  if (problem !== undefined) throw new TypeError(`withTimeouts: ${problem}`);
  if (isNoLimit(policy.firstChunkMs) && isNoLimit(policy.idleMs) && isNoLimit(policy.totalMs)) {
    return adapter;
  }
  return wrapAdapter(adapter, (messages, options) =>
    timedStream(adapter, policy, messages, options),
  );
}

async function* timedStream(
  adapter: AIAdapter,
  policy: TimeoutPolicy,
  messages: Message[],
  options: StreamOptions | undefined,
): AsyncGenerator<StreamChunk> {
  const attempt = new Attempt({
    adapter,
    messages,
    options,
    limits: policy,
    signal: options?.signal,
  });
  try {
    let first: StreamChunk;
    try {
      first = await attempt.first();
    } catch (error) {
      throw attempt.explain(error);
    }
    yield* forward(attempt, first);
  } finally {
    await attempt.close();
  }
}
