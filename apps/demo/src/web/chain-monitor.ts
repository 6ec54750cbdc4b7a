import { AsyncLocalStorage } from "node:async_hooks";
import type { AIAdapter } from "@x/core";
import type { CircuitState, OrchestratorEvent } from "@x/orchestrator";
import { FAULTS, type Fault, type FaultProxy } from "../faults/fault-proxy.js";
import { isPool } from "../providers/resolve-providers.js";

/** A chain member as the page shows it. */
export interface MonitoredMember {
  /** The member's adapter (health checks go through it, so through its fault proxy too). */
  adapter: AIAdapter;
  /** The server it talks to, for display. */
  target: string;
  /** The fault proxy in front of it, when there is one (then the page offers fault buttons). */
  proxy?: FaultProxy;
  /** True for a built-in simulator. */
  simulated?: boolean;
  /**
   * A replica pool's replicas, in pool order (the member's adapter is then the `createPool`, whose
   * `replicaStatus()` gives each replica's breaker, open streams and time to first chunk).
   */
  replicas?: readonly { adapter: AIAdapter; target: string; proxy?: FaultProxy }[];
}

/** An orchestrator event as JSON for the page: the member by index and label, the error as text. */
export interface WebChainEvent {
  type: OrchestratorEvent["type"];
  /** Index of the member in the chain. */
  member: number;
  /** `provider/model` of the member. */
  label: string;
  /** The error's class name, message and code, for events that carry one. */
  error?: { name: string; message: string; code?: string };
  /** When the server saw the event (epoch ms). */
  at: number;
  /** For a pool's own event: the replica's index in the pool (then `member` is the pool's). */
  replica?: number;
  [field: string]: unknown;
}

/** One member in {@link ChainStatus}. */
export interface MemberStatus {
  index: number;
  label: string;
  provider: string;
  model: string;
  target: string;
  simulated: boolean;
  /** Last health check: `up`, `down`, or `unknown` before the first one finished. */
  health: "up" | "down" | "unknown";
  /** When that check finished (epoch ms). */
  checkedAt?: number;
  /** Breaker state; `none` without a chain (one member, or `--no-fallback`). */
  breaker: CircuitState | "none";
  /** While open: when the breaker admits a trial request again (epoch ms), from its last open event. */
  retryAt?: number;
  /** The fault the proxy injects, or `null` without a proxy (a pool: see its replicas). */
  fault: Fault | null;
  /** A replica pool's replicas (`--ollama URL1,URL2`), in pool order. */
  replicas?: ReplicaView[];
}

/** One replica of a pool member in {@link MemberStatus}. */
export interface ReplicaView {
  index: number;
  /** The pool's id for it: provider, model and base URL (the proxy's, in `serve`). */
  id: string;
  label: string;
  target: string;
  health: "up" | "down" | "unknown";
  checkedAt?: number;
  /** Its own breaker in the pool. */
  breaker: CircuitState | "none";
  /** Streams open through the pool on it now. */
  inFlight: number;
  /** Its recent time to first chunk (EWMA), once measured. */
  firstChunkMs?: number;
  fault: Fault | null;
}

/** What `GET /api/chain` answers. */
export interface ChainStatus {
  /** `chain` with a fallback chain, `single` with one adapter used directly. */
  mode: "chain" | "single";
  members: MemberStatus[];
  /** Faults the page can switch on (empty when no member has a proxy). */
  faults: readonly Fault[];
  /** The latest chain events of every request (web chat and gateway), oldest first. */
  recent: WebChainEvent[];
}

/** Options of {@link ChainMonitor}. */
export interface ChainMonitorOptions {
  /** The members, in chain order. */
  members: readonly MonitoredMember[];
  /** Breaker state per member, in member order (the chain's `breakerStates()`); omit without a chain. */
  breakerStates?: () => readonly { state: CircuitState | undefined }[];
  /** How old a health result may be before a status request starts a new check. Default 2000 ms. */
  healthMaxAgeMs?: number;
}

const RECENT = 12;

function errorSummary(error: unknown): WebChainEvent["error"] {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      name: error.name,
      message: error.message,
      ...(typeof code === "string" ? { code } : {}),
    };
  }
  return { name: "Error", message: String(error) };
}

/**
 * Turns an orchestrator event into plain JSON: the member by index and label (-1 and "" for an
 * event without one), the error as name, message and code; usage and partial output left out.
 */
function toWebEvent(event: OrchestratorEvent, at = Date.now()): WebChainEvent {
  const fields: Record<string, unknown> = { ...event };
  for (const name of ["adapter", "error", "primary", "usage", "partial"]) delete fields[name];
  const { adapter } = event;
  return {
    ...fields,
    type: event.type,
    member: adapter?.index ?? -1,
    label: adapter ? `${adapter.provider}/${adapter.model}` : "",
    at,
    ...("error" in event ? { error: errorSummary(event.error) } : {}),
    ...(event.type === "hedge"
      ? { primary: `${event.primary.provider}/${event.primary.model}` }
      : {}),
  };
}

interface Health {
  health: "up" | "down" | "unknown";
  checkedAt?: number;
  checking?: Promise<void>;
}

/**
 * Watches a chain for the web page: routes each orchestrator event to the request that caused
 * it (an `AsyncLocalStorage` scope per `/api/chat` request, since the chain's `onEvent` is one
 * listener for every request), keeps the latest events, and reports every member's health,
 * breaker state and fault. Health is checked lazily: a status request older results than
 * `healthMaxAgeMs` starts a check in the background, so no timer runs while nobody looks.
 */
export class ChainMonitor {
  readonly #options: ChainMonitorOptions;
  readonly #scope = new AsyncLocalStorage<(event: WebChainEvent) => void>();
  readonly #recent: WebChainEvent[] = [];
  readonly #health: Health[];
  readonly #replicaHealth: Health[][];
  readonly #retryAt = new Map<number, number>();

  constructor(options: ChainMonitorOptions) {
    this.#options = options;
    this.#health = options.members.map(() => ({ health: "unknown" }));
    this.#replicaHealth = options.members.map((member) =>
      (member.replicas ?? []).map((): Health => ({ health: "unknown" })),
    );
  }

  /**
   * The `onEvent` of the pool that is member `member`: its replicas' failures, breaker changes
   * and `replica-served` (which replica answered), tagged with the replica's index. Its attempts,
   * successes and cancels are left out: the chain's own events already tell them.
   */
  onPoolEvent(member: number, event: OrchestratorEvent): void {
    if (event.type === "attempt" || event.type === "success" || event.type === "abort") return;
    const replica = event.adapter?.index ?? -1;
    const web: WebChainEvent = { ...toWebEvent(event), member, replica };
    const target = this.#options.members[member]?.replicas?.[replica]?.target;
    if (target) web.target = target;
    this.#push(web);
  }

  #push(web: WebChainEvent): void {
    this.#recent.push(web);
    if (this.#recent.length > RECENT) this.#recent.shift();
    this.#scope.getStore()?.(web);
  }

  /** The chain's `onEvent`. */
  readonly onEvent = (event: OrchestratorEvent): void => {
    const web = toWebEvent(event);
    if (event.type === "breaker-open") this.#retryAt.set(web.member, web.at + event.cooldownMs);
    this.#push(web);
  };

  /** Runs `work` so that the chain events it causes reach `listener`. */
  run<T>(listener: (event: WebChainEvent) => void, work: () => T): T {
    return this.#scope.run(listener, work);
  }

  /**
   * Switches the fault of member `index` (with `replica`: of that replica of a pool member);
   * false when it has no proxy.
   */
  async setFault(index: number, fault: Fault, replica?: number): Promise<boolean> {
    const member = this.#options.members[index];
    const proxy = replica === undefined ? member?.proxy : member?.replicas?.[replica]?.proxy;
    if (!proxy) return false;
    await proxy.setFault(fault);
    const health = this.#health[index];
    if (health) delete health.checkedAt; // the next status request checks again
    const replicaHealth = replica === undefined ? undefined : this.#replicaHealth[index]?.[replica];
    if (replicaHealth) delete replicaHealth.checkedAt;
    return true;
  }

  /** The status the side panel shows. Starts background health checks for stale results. */
  status(): ChainStatus {
    const now = Date.now();
    const maxAge = this.#options.healthMaxAgeMs ?? 2000;
    const breakers = this.#options.breakerStates?.();
    const members = this.#options.members.map((member, index): MemberStatus => {
      const health = this.#fresh(member, this.#health[index] as Health, now, maxAge);
      const breaker = breakers ? (breakers[index]?.state ?? "none") : "none";
      const retryAt = this.#retryAt.get(index);
      return {
        index,
        label: `${member.adapter.provider}/${member.adapter.model}`,
        provider: member.adapter.provider,
        model: member.adapter.model,
        target: member.target,
        simulated: member.simulated === true,
        health: health.health,
        ...(health.checkedAt !== undefined ? { checkedAt: health.checkedAt } : {}),
        breaker,
        ...(breaker === "open" && retryAt !== undefined ? { retryAt } : {}),
        fault: member.proxy ? member.proxy.fault : null,
        ...(member.replicas ? { replicas: this.#replicas(index, member, now, maxAge) } : {}),
      };
    });
    return {
      mode: breakers ? "chain" : "single",
      members,
      faults: this.#options.members.some(
        (member) => member.proxy || member.replicas?.some((replica) => replica.proxy),
      )
        ? FAULTS
        : [],
      recent: [...this.#recent],
    };
  }

  #replicas(index: number, member: MonitoredMember, now: number, maxAge: number): ReplicaView[] {
    const known = isPool(member.adapter) ? member.adapter.replicaStatus() : [];
    return (member.replicas ?? []).map((replica, n): ReplicaView => {
      const health = this.#fresh(replica, this.#replicaHealth[index]?.[n] as Health, now, maxAge);
      const status = known[n];
      return {
        index: n,
        id: status?.id ?? `${replica.adapter.provider}:${replica.adapter.model}`,
        label: `${replica.adapter.provider}/${replica.adapter.model}`,
        target: replica.target,
        health: health.health,
        ...(health.checkedAt !== undefined ? { checkedAt: health.checkedAt } : {}),
        breaker: status?.breaker ?? "none",
        inFlight: status?.inFlight ?? 0,
        ...(status?.firstChunkMs !== undefined ? { firstChunkMs: status.firstChunkMs } : {}),
        fault: replica.proxy ? replica.proxy.fault : null,
      };
    });
  }

  /** Resolves once every health check started so far has finished (for tests and shutdown). */
  async settled(): Promise<void> {
    await Promise.all([
      ...this.#health.map((health) => health.checking),
      ...this.#replicaHealth.flat().map((health) => health.checking),
    ]);
  }

  /** `health`, after starting a check in the background when its result is older than `maxAge`. */
  #fresh(member: { adapter: AIAdapter }, health: Health, now: number, maxAge: number): Health {
    if (!health.checking && (health.checkedAt === undefined || now - health.checkedAt > maxAge))
      health.checking = this.#check(member, health);
    return health;
  }

  async #check(member: { adapter: AIAdapter }, health: Health): Promise<void> {
    let up = false;
    try {
      up = await member.adapter.healthCheck({ timeoutMs: 1500 });
    } catch {
      up = false;
    }
    health.health = up ? "up" : "down";
    health.checkedAt = Date.now();
    delete health.checking;
  }
}
