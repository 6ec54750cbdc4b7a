import type { AIAdapter } from "@x/core";
import type { ReplicaStats } from "./replica-stats.js";

/**
 * An adapter that can list the models loaded in its server's memory: `OllamaAdapter`'s
 * `listRunningModels()` (`GET /api/ps`). Read duck-typed: the orchestrator never imports an
 * adapter, and any adapter with this method takes part.
 */
interface RunningModelsSource {
  listRunningModels(options: { signal?: AbortSignal }): Promise<readonly { name: string }[]>;
}

function canListRunning(adapter: AIAdapter): adapter is AIAdapter & RunningModelsSource {
  return typeof (adapter as Partial<RunningModelsSource>).listRunningModels === "function";
}

/** Ollama names a model without a tag `:latest` (`llama3.2` is `llama3.2:latest`). */
function withTag(name: string): string {
  const slash = name.lastIndexOf("/");
  return name.indexOf(":", slash + 1) === -1 ? `${name}:latest` : name;
}

/**
 * Keeps each replica's `loaded` up to date from its server (for the replicas that can tell),
 * every `refreshMs` while the pool is in use: the first request starts it, a minute without one
 * (`idleMs`) stops it until the next. The timer is `unref()`'d; `stop()` ends it and aborts a
 * refresh in flight. A replica that fails to answer is unknown (`loaded: undefined`) until it
 * answers again.
 */
export class LoadedModels {
  readonly #replicas: { adapter: AIAdapter & RunningModelsSource; stats: ReplicaStats }[];
  readonly #refreshMs: number;
  readonly #idleMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #inFlight: AbortController | undefined;
  #lastUsedAt = 0;
  #stopped = false;

  constructor(
    replicas: readonly { adapter: AIAdapter; stats: ReplicaStats }[],
    refreshMs: number,
    idleMs: number,
  ) {
    this.#replicas = [];
    for (const r of replicas) {
      if (canListRunning(r.adapter)) this.#replicas.push({ adapter: r.adapter, stats: r.stats });
    }
    this.#refreshMs = refreshMs;
    this.#idleMs = idleMs;
  }

  /** A request is starting: refresh now unless refreshing already. */
  touch(now: number): void {
    this.#lastUsedAt = now;
    if (this.#stopped || this.#replicas.length === 0) return;
    if (this.#timer !== undefined || this.#inFlight !== undefined) return;
    void this.#refresh();
  }

  /** Ends the refreshing for good. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#inFlight?.abort();
  }

  async #refresh(): Promise<void> {
    this.#timer = undefined;
    if (this.#stopped || Date.now() - this.#lastUsedAt > this.#idleMs) return;
    const controller = new AbortController();
    this.#inFlight = controller;
    // A server that does not answer within the interval is unknown this round.
    const timer = setTimeout(() => controller.abort(), this.#refreshMs);
    timer.unref?.();
    await Promise.all(
      this.#replicas.map(async ({ adapter, stats }) => {
        try {
          const running = await adapter.listRunningModels({ signal: controller.signal });
          const wanted = withTag(adapter.model);
          stats.loaded = running.some((m) => withTag(m.name) === wanted);
        } catch {
          stats.loaded = undefined;
        }
      }),
    );
    clearTimeout(timer);
    this.#inFlight = undefined;
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#refresh(), this.#refreshMs);
    this.#timer.unref?.();
  }
}
