import type { AIAdapter, ListModelsOptions, Message, StreamChunk, StreamOptions } from "@x/core";
import { isNoLimit } from "@x/core/http";
import { unionCapabilities } from "../capabilities.js";
import { type Member, toMemberOptions, wireMembers } from "../chain/member.js";
import type { ChainSetup } from "../chain/request.js";
import { runChain } from "../chain/run-chain.js";
import { overMembers } from "../create-fallback-chain.js";
import type { AdapterRef } from "../errors.js";
import { type EventListener, emit } from "../events.js";
import type { ModelsOfAdapter } from "../list-models.js";
import { baseUrlOf, memberIds } from "../store/member-id.js";
import { LoadedModels } from "./loaded-models.js";
import { orderReplicas } from "./order-replicas.js";
import {
  POOL_DEFAULTS,
  type PoolOptions,
  type PoolReplica,
  type PoolStrategy,
  type ReplicaStatus,
} from "./pool-options.js";
import { ReplicaStats, trackReplica } from "./replica-stats.js";

/** An {@link AIAdapter} that spreads requests for one model over several replicas. */
export interface ReplicaPool extends AIAdapter {
  /** Its strategy. */
  readonly strategy: PoolStrategy;
  /** The replicas as given, with how events name them and their ids (keys in the `store`). */
  readonly replicas: readonly { ref: AdapterRef; id: string; adapter: AIAdapter }[];
  /** What the pool knows of each replica now: open streams, speed, loaded model, breaker. */
  replicaStatus(): ReplicaStatus[];
  /** Each replica's model list (or the error listing failed with), in pool order. */
  listModelsByAdapter(options?: ListModelsOptions): Promise<ModelsOfAdapter[]>;
}

/**
 * Builds a pool: an `AIAdapter` over several adapters serving the same model (Ollama, vLLM or
 * llama.cpp hosts, or whole chains). Each request orders the replicas by the `strategy` (default
 * least-in-flight) and runs through the chain's request path over that order: a replica that
 * fails before its first chunk (or inside the commit window) is replaced by the next one in the
 * same request, with nothing shown; after output was shown `midStream` decides, as in a chain;
 * the caller's own errors and cancels never move on and never count. Each replica has its own
 * breaker (shared across processes through `store`). `healthCheck()` is true when any replica is
 * healthy; `listModels()` is the union. Throws `TypeError` for no replicas or an invalid limit.
 *
 * @example
 * const pool = createPool([
 *   new OllamaAdapter({ baseUrl: "http://gpu-1:11434", model: "qwen3:8b" }),
 *   new OllamaAdapter({ baseUrl: "http://gpu-2:11434", model: "qwen3:8b" }),
 * ]);
 * const chain = createFallbackChain([pool, hosted]); // pools and chains nest both ways
 */
export function createPool(
  replicas: readonly PoolReplica[],
  options: PoolOptions = {},
): ReplicaPool {
  if (replicas.length === 0) throw new TypeError("createPool: at least one replica is required");
  const strategy = options.strategy ?? POOL_DEFAULTS.strategy;
  if (!["least-in-flight", "round-robin", "latency"].includes(strategy)) {
    throw new TypeError(`createPool: unknown strategy ${JSON.stringify(strategy)}`);
  }
  const given = replicas.map(toMemberOptions);
  const ids = memberIds(given);
  const stats = given.map(() => new ReplicaStats());
  // The chain's request path over tracked replicas (open streams, time to first chunk).
  const chainOptions = { ...options, retry: options.retry ?? false };
  const members = wireMembers(
    given.map((r, i) => ({ ...r, id: ids[i], adapter: trackReplica(r.adapter, stats[i]!) })),
    chainOptions,
  );
  const provider = options.provider ?? "pool";
  const model = options.model ?? given[0]!.adapter.model;
  const base: ChainSetup = { provider, model, members, options: chainOptions };
  const refreshMs = options.loadedModelsRefreshMs ?? POOL_DEFAULTS.loadedModelsRefreshMs;
  const loaded =
    refreshMs === false || isNoLimit(refreshMs)
      ? undefined
      : new LoadedModels(
          given.map((r, i) => ({ adapter: r.adapter, stats: stats[i]! })),
          refreshMs,
          POOL_DEFAULTS.loadedModelsIdleMs,
        );
  let turn = 0;
  const shared = overMembers(base);

  /** This request's setup: the members in the strategy's order (decided when it starts). */
  function route(): ChainSetup {
    loaded?.touch(Date.now());
    const views = members.map((m, i) => ({
      stats: stats[i]!,
      refusing: m.breaker?.refusing ?? false,
    }));
    const order = orderReplicas(views, strategy, turn++ % members.length);
    const ordered = order.map((i) => members[i]!);
    const onEvent = options.onEvent;
    if (onEvent === undefined) return { ...base, members: ordered };
    const before = order.map((i) => ({ inFlight: stats[i]!.inFlight }));
    return {
      ...base,
      members: ordered,
      options: {
        ...chainOptions,
        onEvent: reportServed(onEvent, ordered, before, stats, strategy),
      },
    };
  }

  return {
    provider,
    model,
    strategy,
    capabilities: unionCapabilities(given.map((r) => r.adapter.capabilities)),
    replicas: members.map((m, i) => ({ ref: m.ref, id: m.id, adapter: given[i]!.adapter })),
    // The order is chosen when iteration starts, not when stream() is called, and the chosen
    // replica is counted in the same tick: requests started together see each other's choice.
    stream: (messages: Message[], streamOptions?: StreamOptions): AsyncIterable<StreamChunk> => ({
      [Symbol.asyncIterator]: () => runChain(route(), messages, streamOptions),
    }),
    ...shared,
    replicaStatus: () => members.map((m, i) => statusOf(m, given[i]!.adapter, stats[i]!)),
    async close(): Promise<void> {
      loaded?.stop();
      await shared.close();
    },
  };
}

/**
 * The request's listener: the pool's, plus a `replica-served` event after `success` naming the
 * replica, its rank in this request's order and what the pool knew of it when it began.
 */
function reportServed(
  onEvent: EventListener,
  ordered: readonly Member[],
  before: readonly { inFlight: number }[],
  stats: readonly ReplicaStats[],
  strategy: PoolStrategy,
): EventListener {
  return (event) => {
    emit(onEvent, event);
    if (event.type !== "success") return;
    const rank = ordered.findIndex((m) => m.ref === event.adapter);
    if (rank === -1) return;
    const member = ordered[rank]!;
    const s = stats[member.ref.index]!;
    emit(onEvent, {
      type: "replica-served",
      adapter: member.ref,
      id: member.id,
      strategy,
      rank: rank + 1,
      inFlight: before[rank]!.inFlight,
      firstChunkMs: s.firstChunkMs,
      loaded: s.loaded,
    });
  };
}

function statusOf(member: Member, adapter: AIAdapter, stats: ReplicaStats): ReplicaStatus {
  return {
    adapter: member.ref,
    id: member.id,
    baseUrl: baseUrlOf(adapter),
    inFlight: stats.inFlight,
    firstChunkMs: stats.firstChunkMs,
    loaded: stats.loaded,
    breaker: member.breaker?.state,
  };
}
