import { type AIAdapter, type StreamChunk, UnavailableError } from "@x/core";
import { wrapAdapter } from "./wrap-adapter.js";

/**
 * `adapter` preceded by a `healthCheck()` of `original`: used only for a breaker's half-open
 * trial with `healthCheckBeforeTrial`, so a dead server is not sent a real request. A failed
 * check throws `UnavailableError`, which re-opens the breaker.
 */
export function trialGate(original: AIAdapter, adapter: AIAdapter, timeoutMs: number): AIAdapter {
  return wrapAdapter(adapter, async function* (messages, options): AsyncGenerator<StreamChunk> {
    const healthy = await original.healthCheck({ timeoutMs, signal: options?.signal });
    if (!healthy) {
      throw new UnavailableError(
        `${original.provider}: health check failed before half-open trial`,
        {
          provider: original.provider,
          model: original.model,
        },
      );
    }
    yield* adapter.stream(messages, options);
  });
}
