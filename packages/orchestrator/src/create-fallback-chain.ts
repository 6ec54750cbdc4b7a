import type {
  AIAdapter,
  HealthCheckOptions,
  ListModelsOptions,
  Message,
  StreamChunk,
  StreamOptions,
} from "@x/core";
import { unionCapabilities } from "./capabilities.js";
import type { ChainMember, FallbackChainOptions } from "./chain/chain-options.js";
import { wireMembers } from "./chain/member.js";
import type { ChainSetup } from "./chain/request.js";
import { runChain } from "./chain/run-chain.js";
import type { AdapterRef } from "./errors.js";
import { listModelsByAdapter, type ModelsOfAdapter } from "./list-models.js";
import type { CircuitState } from "./policies/circuit-breaker.js";

/** An {@link AIAdapter} that serves each request from the first member able to. */
export interface FallbackChain extends AIAdapter {
  /** The members as given, with how events name them and their ids (keys in the `store`). */
  readonly members: readonly { ref: AdapterRef; id: string; adapter: AIAdapter }[];
  /** Each member's model list (or the error listing failed with), in member order. */
  listModelsByAdapter(options?: ListModelsOptions): Promise<ModelsOfAdapter[]>;
  /** Each member's breaker state (`undefined` for a member without a breaker). */
  breakerStates(): { adapter: AdapterRef; state: CircuitState | undefined }[];
}

/**
 * Builds a fallback chain: an `AIAdapter` that serves each request from its members in order,
 * with good defaults and no options besides the members (see the README's table): transient
 * failures retried once, a silent member left after 10 s, stalls detected, an answer that breaks
 * off restarted on the next member behind a `reset` chunk, a breaker per member that probes its
 * health and lets a recovered member serve again within about a second. Chains nest. Throws
 * `TypeError` for no members or an invalid time limit.
 *
 * @example
 * const chain = createFallbackChain([local, hosted]);
 * for await (const chunk of chain.stream(messages)) {
 *   if (chunk.type === "reset") clearAnswer();
 *   if (chunk.type === "content") show(chunk.content);
 * }
 */
export function createFallbackChain(
  adapters: readonly ChainMember[],
  options: FallbackChainOptions = {},
): FallbackChain {
  if (adapters.length === 0) {
    throw new TypeError("createFallbackChain: at least one adapter is required");
  }
  const members = wireMembers(adapters, options);
  const setup: ChainSetup = {
    provider: options.provider ?? "chain",
    model: options.model ?? members[0]!.adapter.model,
    members,
    options,
  };
  return {
    provider: setup.provider,
    model: setup.model,
    capabilities: unionCapabilities(members.map((m) => m.adapter.capabilities)),
    members: members.map((m) => ({ ref: m.ref, id: m.id, adapter: m.adapter })),
    stream: (messages: Message[], streamOptions?: StreamOptions): AsyncIterable<StreamChunk> =>
      runChain(setup, messages, streamOptions),
    ...overMembers(setup),
    breakerStates: () => members.map((m) => ({ adapter: m.ref, state: m.breaker?.state })),
  };
}

/**
 * The methods a chain and a pool share over their members: `healthCheck()` true when any is
 * healthy, `listModels()` the union, `listModelsByAdapter()`, and `close()`, which stops every
 * breaker's probing and closes every member.
 */
export function overMembers(setup: ChainSetup): Pick<
  FallbackChain,
  "healthCheck" | "listModels" | "listModelsByAdapter"
> & {
  close(): Promise<void>;
} {
  const adapters = setup.members.map((m) => m.adapter);
  return {
    healthCheck: (options?: HealthCheckOptions) => anyHealthy(adapters, options),
    async listModels(options?: ListModelsOptions): Promise<string[]> {
      const lists = await listModelsByAdapter(setup, options);
      return [...new Set(lists.flatMap((l) => l.models))];
    },
    listModelsByAdapter: (options?: ListModelsOptions) => listModelsByAdapter(setup, options),
    async close(): Promise<void> {
      for (const m of setup.members) m.breaker?.close();
      await Promise.all(adapters.map((a) => a.close?.()));
    },
  };
}

/** True as soon as one member answers healthy; false when all answered otherwise. Never rejects. */
function anyHealthy(
  adapters: readonly AIAdapter[],
  options?: HealthCheckOptions,
): Promise<boolean> {
  return new Promise((resolve) => {
    let pending = adapters.length;
    const unhealthy = () => {
      if (--pending === 0) resolve(false);
    };
    for (const adapter of adapters) {
      let check: Promise<boolean>;
      try {
        check = Promise.resolve(adapter.healthCheck(options));
      } catch {
        check = Promise.resolve(false);
      }
      check.then((ok) => (ok === true ? resolve(true) : unhealthy()), unhealthy);
    }
  });
}
