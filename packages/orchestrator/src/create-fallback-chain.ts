import type {
  AIAdapter,
  HealthCheckOptions,
  ListModelsOptions,
  Message,
  StreamChunk,
  StreamOptions,
} from "@x/core";
import type { Member } from "./attempt.js";
import { unionCapabilities } from "./capabilities.js";
import type { ChainMember, ChainMemberOptions, FallbackChainOptions } from "./chain-options.js";
import { ChainRequest, type ChainSetup } from "./chain-request.js";
import { CircuitBreaker, type CircuitState } from "./circuit-breaker.js";
import type { AdapterRef } from "./errors.js";
import { listModelsByAdapter, type ModelsOfAdapter } from "./list-models.js";
import { withRetry } from "./with-retry.js";
import { withTimeouts } from "./with-timeouts.js";

/** An {@link AIAdapter} that serves each request from the first member able to. */
export interface FallbackChain extends AIAdapter {
  /** The members as given, with how events name them. */
  readonly members: readonly { ref: AdapterRef; adapter: AIAdapter }[];
  /** Each member's model list (or the error listing failed with), in member order. */
  listModelsByAdapter(options?: ListModelsOptions): Promise<ModelsOfAdapter[]>;
  /** Each member's breaker state (`undefined` for a member without a breaker). */
  breakerStates(): { adapter: AdapterRef; state: CircuitState | undefined }[];
}

/**
 * Builds a fallback chain: an `AIAdapter` that tries `adapters` in order, each wrapped (per
 * member, per chain instance) in `withTimeouts` → `withRetry` and a circuit breaker, with a
 * commit point, mid-stream policy, hedging, a shared deadline budget and events on top. Chains
 * nest. See the README for the exact semantics.
 *
 * @example
 * const chain = createFallbackChain(
 *   [{ adapter: local, firstChunkMs: 30_000 }, { adapter: hosted, firstChunkMs: 5_000 }],
 *   { timeouts: { idleMs: 15_000, totalMs: 120_000 }, commitAfter: { chars: 40 }, midStream: "restart" },
 * );
 */
export function createFallbackChain(
  adapters: readonly ChainMember[],
  options: FallbackChainOptions = {},
): FallbackChain {
  if (adapters.length === 0)
    throw new TypeError("createFallbackChain: at least one adapter is required");
  const given = adapters.map(toMemberOptions);
  const members: Member[] = given.map((m, index) => {
    const original = m.adapter;
    const ref: AdapterRef = { provider: original.provider, model: original.model, index };
    let adapter = withTimeouts(original, {
      firstChunkMs: m.firstChunkMs ?? options.timeouts?.firstChunkMs,
      idleMs: m.idleMs ?? options.timeouts?.idleMs,
    });
    const retry = m.retry ?? options.retry ?? false;
    if (retry !== false) adapter = withRetry(adapter, retry);
    // The breaker is driven by the chain itself (one verdict per member attempt), so the hot
    // path carries no extra wrapper.
    const settings = m.breaker ?? options.breaker ?? {};
    const breaker =
      settings === false
        ? undefined
        : new CircuitBreaker(ref, { ...settings, onEvent: options.onEvent });
    const check = settings === false ? undefined : settings.healthCheckBeforeTrial;
    const trialCheckMs = check ? (typeof check === "object" ? check.timeoutMs : 2000) : undefined;
    return { adapter, ref, original, breaker, trialCheckMs };
  });
  const first = given[0]!.adapter;
  const setup: ChainSetup = {
    provider: options.provider ?? "chain",
    model: options.model ?? first.model,
    members,
    options,
  };

  return {
    provider: setup.provider,
    model: setup.model,
    capabilities: unionCapabilities(given.map((m) => m.adapter.capabilities)),
    members: members.map((m) => ({ ref: m.ref, adapter: m.original })),
    stream(messages: Message[], streamOptions?: StreamOptions): AsyncIterable<StreamChunk> {
      return new ChainRequest(setup, messages, streamOptions);
    },
    healthCheck: (healthOptions?: HealthCheckOptions) => anyHealthy(given, healthOptions),
    async listModels(listOptions?: ListModelsOptions): Promise<string[]> {
      const lists = await listModelsByAdapter(setup, listOptions);
      return [...new Set(lists.flatMap((l) => l.models))];
    },
    listModelsByAdapter: (listOptions?: ListModelsOptions) =>
      listModelsByAdapter(setup, listOptions),
    breakerStates: () => members.map((m) => ({ adapter: m.ref, state: m.breaker?.state })),
    async close(): Promise<void> {
      await Promise.all(given.map((m) => m.adapter.close?.()));
    },
  };
}

function toMemberOptions(member: ChainMember): ChainMemberOptions {
  return "stream" in member && typeof member.stream === "function"
    ? { adapter: member }
    : (member as ChainMemberOptions);
}

/** True as soon as one member answers healthy; false when all answered otherwise. Never rejects. */
function anyHealthy(
  members: readonly ChainMemberOptions[],
  options?: HealthCheckOptions,
): Promise<boolean> {
  return new Promise((resolve) => {
    let pending = members.length;
    for (const member of members) {
      let check: Promise<boolean>;
      try {
        check = Promise.resolve(member.adapter.healthCheck(options));
      } catch {
        check = Promise.resolve(false);
      }
      check.then(
        (ok) => {
          if (ok === true) resolve(true);
          else if (--pending === 0) resolve(false);
        },
        () => {
          if (--pending === 0) resolve(false);
        },
      );
    }
  });
}
