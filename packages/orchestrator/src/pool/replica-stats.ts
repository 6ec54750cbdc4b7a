import type { AIAdapter, Message, StreamChunk, StreamOptions } from "@x/core";
import { wrapAdapter } from "../policies/wrap-adapter.js";
import { POOL_DEFAULTS } from "./pool-options.js";

/** What a pool measures of one replica, for its strategy. */
export class ReplicaStats {
  /** Streams open on the replica through the pool. */
  inFlight = 0;
  /** EWMA of its time to first chunk (ms), undefined before its first. */
  firstChunkMs: number | undefined;
  /** Whether the pool's model is loaded on it (Ollama `/api/ps`), undefined when unknown. */
  loaded: boolean | undefined;

  /** One more time to first chunk. */
  sample(ms: number): void {
    const weight = POOL_DEFAULTS.firstChunkEwmaWeight;
    this.firstChunkMs =
      this.firstChunkMs === undefined ? ms : weight * ms + (1 - weight) * this.firstChunkMs;
  }
}

/**
 * `adapter` with its streams counted in `stats`: open from the first `next()` until the stream
 * ends however it ends (done, error, abort, the consumer leaving), and the time to its first
 * chunk sampled.
 */
export function trackReplica(adapter: AIAdapter, stats: ReplicaStats): AIAdapter {
  return wrapAdapter(adapter, (messages, options) => tracked(adapter, stats, messages, options));
}

async function* tracked(
  adapter: AIAdapter,
  stats: ReplicaStats,
  messages: Message[],
  options: StreamOptions | undefined,
): AsyncGenerator<StreamChunk, void, undefined> {
  // Counted as soon as the chain starts it (this body runs in that same tick), so requests that
  // start together see each other.
  stats.inFlight++;
  const started = performance.now();
  let first = true;
  try {
    for await (const chunk of adapter.stream(messages, options)) {
      if (first) {
        first = false;
        stats.sample(performance.now() - started);
      }
      yield chunk;
    }
  } finally {
    stats.inFlight--;
  }
}
