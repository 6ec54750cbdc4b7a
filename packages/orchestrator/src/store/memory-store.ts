import type { BreakerStore, SharedBreakerState } from "./breaker-store.js";

interface Entry {
  generation: number;
  state: "open" | "closed";
  /** While open: when the cooldown ends (epoch ms). */
  openUntil: number;
}

/**
 * A {@link BreakerStore} in memory: shares breaker verdicts between the chains and pools of one
 * process that are given the same store (members with the same id share one verdict), and is
 * the reference for other implementations. Without a `store`, each chain keeps its breakers to
 * itself, as if it had a memory store of its own.
 *
 * @example
 * const store = createMemoryStore();
 * const chat = createFallbackChain([local, hosted], { store });
 * const tools = createFallbackChain([hosted, local], { store }); // sees chat's open breakers
 */
export function createMemoryStore(): BreakerStore {
  const entries = new Map<string, Entry>();
  const view = (entry: Entry): SharedBreakerState => ({
    generation: entry.generation,
    state: entry.state,
    remainingMs: entry.state === "open" ? entry.openUntil - Date.now() : 0,
  });
  return {
    async getBreaker(id) {
      const entry = entries.get(id);
      return entry === undefined ? undefined : view(entry);
    },
    async openBreaker(id, cooldownMs) {
      const until = Date.now() + cooldownMs;
      const entry = entries.get(id);
      if (entry === undefined) {
        const created: Entry = { generation: 1, state: "open", openUntil: until };
        entries.set(id, created);
        return view(created);
      }
      if (entry.state === "open") {
        entry.openUntil = Math.max(entry.openUntil, until);
      } else {
        entry.generation++;
        entry.state = "open";
        entry.openUntil = until;
      }
      return view(entry);
    },
    async closeBreaker(id, generation) {
      const entry = entries.get(id);
      if (entry === undefined) return undefined;
      if (entry.state === "open" && entry.generation === generation) entry.state = "closed";
      return view(entry);
    },
  };
}
