import type { AIAdapter } from "@x/core";
import type { ChainMemberOptions, FallbackChainOptions } from "../chain/chain-options.js";
import type { AdapterRef } from "../errors.js";
import type { CircuitState } from "../policies/circuit-breaker.js";

/**
 * How a pool orders its replicas for each request (the first that can serve does; the others
 * are where it goes when that one fails before its first chunk).
 *
 * - `"least-in-flight"`: fewest open streams first; ties go to a replica with the model loaded
 *   (Ollama), then to the lower recent time to first chunk.
 * - `"round-robin"`: each request starts one replica further; load, speed and loaded models are
 *   ignored (the baseline).
 * - `"latency"`: lowest recent time to first chunk (an EWMA) × (open streams + 1), so the
 *   fastest replica is preferred without being flooded (Finagle's and Linkerd's "peak EWMA"
 *   load estimate); a replica not measured yet counts as 0, so it is tried.
 */
export type PoolStrategy = "least-in-flight" | "round-robin" | "latency";

/** A replica: an adapter, or an adapter with per-replica settings (as a chain member). */
export type PoolReplica = AIAdapter | ChainMemberOptions;

/**
 * Options for `createPool`: the chain's options (a pool runs each request through the chain's
 * request path over the replicas in the strategy's order), with the pool's defaults where they
 * differ: `provider` `"pool"`, and no retry of the same replica (`retry: false`): the next
 * replica is the retry.
 */
export interface PoolOptions extends FallbackChainOptions {
  /** Default `"least-in-flight"`. */
  strategy?: PoolStrategy;
  /**
   * How often each replica that can tell (Ollama's `listRunningModels()`, `/api/ps`) is asked
   * which models it has loaded, while the pool is in use (it stops after a minute without a
   * request; the timer never keeps the process alive; `close()` stops it). Default 5 000 ms;
   * `false`: never.
   */
  loadedModelsRefreshMs?: number | false;
}

/** What a pool knows of one replica right now (`replicaStatus()`). */
export interface ReplicaStatus {
  /** How events name it (`index`: its position in the pool). */
  adapter: AdapterRef;
  /** Its id: the key of its breaker in the `store`. */
  id: string;
  /** Its base URL, when the adapter has one. */
  baseUrl: string | undefined;
  /** Streams open on it through this pool. */
  inFlight: number;
  /** Recent time to first chunk (EWMA over its answers), undefined before its first. */
  firstChunkMs: number | undefined;
  /** Whether the model is loaded on it (Ollama's `/api/ps`); undefined when unknown. */
  loaded: boolean | undefined;
  /** Its breaker (undefined without one). */
  breaker: CircuitState | undefined;
}

/** The pool's defaults. */
export const POOL_DEFAULTS = {
  strategy: "least-in-flight",
  /** How often Ollama replicas are asked which models they have loaded, while in use. */
  loadedModelsRefreshMs: 5_000,
  /** The loaded-models refresh stops after this long without a request. */
  loadedModelsIdleMs: 60_000,
  /** Weight of the newest time-to-first-chunk sample in a replica's EWMA. */
  firstChunkEwmaWeight: 0.3,
} as const;
