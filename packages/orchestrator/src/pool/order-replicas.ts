import type { PoolStrategy } from "./pool-options.js";
import type { ReplicaStats } from "./replica-stats.js";

/** What the strategy sees of one replica. */
export interface ReplicaView {
  stats: ReplicaStats;
  /** Its breaker refuses requests now. */
  refusing: boolean;
}

/**
 * The order in which one request tries the replicas (their indexes). Every strategy starts from
 * the rotation `turn` (so equal replicas share the load), then sorts stably by its key. Replicas
 * whose breaker refuses go last: the request path skips them, and they serve only a request
 * that got there anyway.
 */
export function orderReplicas(
  replicas: readonly ReplicaView[],
  strategy: PoolStrategy,
  turn: number,
): number[] {
  const n = replicas.length;
  const order = Array.from({ length: n }, (_, i) => (i + turn) % n);
  const compare = strategy === "round-robin" ? noKey : strategy === "latency" ? byLatency : byLoad;
  return order.sort((a, b) => {
    const x = replicas[a]!;
    const y = replicas[b]!;
    return Number(x.refusing) - Number(y.refusing) || compare(x.stats, y.stats);
  });
}

function noKey(): number {
  return 0;
}

/** least-in-flight: open streams, then loaded first, then recent time to first chunk. */
function byLoad(a: ReplicaStats, b: ReplicaStats): number {
  return (
    a.inFlight - b.inFlight || cold(a) - cold(b) || (a.firstChunkMs ?? 0) - (b.firstChunkMs ?? 0)
  );
}

/** latency: EWMA of time to first chunk × (open streams + 1), then loaded first. */
function byLatency(a: ReplicaStats, b: ReplicaStats): number {
  return score(a) - score(b) || cold(a) - cold(b);
}

function score(s: ReplicaStats): number {
  return (s.firstChunkMs ?? 0) * (s.inFlight + 1);
}

/** 1 when the model is known not to be loaded there. */
function cold(s: ReplicaStats): number {
  return s.loaded === false ? 1 : 0;
}
