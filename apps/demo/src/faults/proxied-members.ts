import type { AIAdapter } from "@x/core";
import {
  isPool,
  type ProviderFlags,
  providerTargets,
  type ResolvedProviders,
  resolveProviders,
  simulatorAdapters,
  simulatorNotes,
  startSimulators,
} from "../providers/resolve-providers.js";
import { type Fault, type FaultProxy, startFaultProxy } from "./fault-proxy.js";

/** One replica of a pool member: its adapter, the fault proxy in front of its host, the host. */
export interface ProxiedReplica {
  adapter: AIAdapter;
  proxy: FaultProxy;
  target: string;
}

/**
 * One chain member as `serve` runs it: an adapter that talks to its server through a fault proxy,
 * or a replica pool (`--ollama URL1,URL2`) whose every replica has its own proxy.
 */
export interface ProxiedMember {
  /** The adapter (its base URL is the proxy), or the pool. */
  adapter: AIAdapter;
  /** The proxy in front of the server; its fault can be switched while serving. Absent for a pool. */
  proxy?: FaultProxy;
  /** The server the proxy forwards to (a pool: its hosts, comma-separated), for display. */
  target: string;
  /** True for a built-in simulator. */
  simulated: boolean;
  /** A pool's replicas, in pool order. */
  replicas?: ProxiedReplica[];
}

/** What {@link resolveProxiedMembers} found. */
export interface ProxiedMembers {
  /** Members in fallback order, primary first. */
  members: ProxiedMember[];
  /** True when the built-in simulators stand in for real servers. */
  simulated: boolean;
  /** Human-readable lines describing the choice (print them). */
  notes: string[];
  /** Receives the events of the pools among the members (see `ResolvedProviders.poolEvents`). */
  poolEvents: ResolvedProviders["poolEvents"];
  /** Closes adapters, proxies and simulators. */
  close(): Promise<void>;
}

/** Options of {@link resolveProxiedMembers}. */
export interface ProxiedMembersOptions extends ProviderFlags {
  /**
   * Initial fault of each proxy, in chain order, a pool counting one per replica (missing
   * entries: `none`).
   */
  faults?: readonly Fault[];
}

/** Every fault proxy of the members, in chain order (a pool's replicas in pool order). */
export function proxiesOf(members: readonly ProxiedMember[]): FaultProxy[] {
  return members.flatMap((member) =>
    member.replicas
      ? member.replicas.map((replica) => replica.proxy)
      : member.proxy
        ? [member.proxy]
        : [],
  );
}

/** The URL to give an adapter so that it reaches `serverUrl` through `proxy` (path and credentials kept). */
function viaProxy(serverUrl: string, proxy: FaultProxy): string {
  const url = new URL(serverUrl);
  const local = new URL(proxy.url);
  url.protocol = local.protocol;
  url.host = local.host;
  return trimSlash(url.href);
}

async function closeAll(members: readonly ProxiedMember[]) {
  await Promise.all(members.map((member) => member.adapter.close?.()));
  await Promise.all(proxiesOf(members).map((proxy) => proxy.close()));
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

/**
 * Finds the servers `serve` uses, exactly as `chat` does ({@link resolveProviders}: Ollama, then
 * an OpenAI-compatible server, then Anthropic, else the built-in simulators), but puts a
 * {@link FaultProxy} in front of each host (every replica of a pool included), so the page's
 * fault buttons and `--fault` can break any of them for real.
 */
export async function resolveProxiedMembers(
  options: ProxiedMembersOptions,
): Promise<ProxiedMembers> {
  const faults = options.faults ?? [];
  const faultOf = (index: number): Fault => faults[index] ?? "none";
  const notes: string[] = [];
  if (!options.sim) {
    // The servers resolveProviders would pick: the proxies sit in front of exactly those.
    const targets = providerTargets(options);
    const servers = [
      ...targets.ollama.urls,
      ...(targets.openai?.urls ?? []),
      ...(targets.anthropic ? [targets.anthropic.url] : []),
    ];
    const proxies = await Promise.all(servers.map((server) => startFaultProxy({ target: server })));
    // proxied URL (as an adapter's baseUrl) -> its proxy and the server behind it
    const byUrl = new Map<string, { proxy: FaultProxy; server: string }>();
    const proxied = servers.map((server, index) => {
      const proxy = proxies[index] as FaultProxy;
      const url = viaProxy(server, proxy);
      byUrl.set(url, { proxy, server });
      return url;
    });
    const ollamaCount = targets.ollama.urls.length;
    const openaiCount = targets.openai?.urls.length ?? 0;
    const found = await resolveProviders(
      {
        ...options,
        ollama: proxied.slice(0, ollamaCount).join(","),
        ...(targets.openai
          ? { openai: proxied.slice(ollamaCount, ollamaCount + openaiCount).join(",") }
          : {}),
        ...(targets.anthropic ? { anthropic: proxied[ollamaCount + openaiCount] as string } : {}),
      },
      { simulators: false }, // the simulators below get proxies of their own
    );
    // resolveProviders names the proxied URLs; the reader wants the servers.
    for (const note of found.notes) {
      notes.push(
        [...byUrl].reduce((text, [from, { server }]) => text.split(from).join(server), note),
      );
    }
    if (found.adapters.length > 0) {
      const hostOf = (adapter: AIAdapter) => {
        const baseUrl = (adapter as { baseUrl?: unknown }).baseUrl;
        const host = typeof baseUrl === "string" ? byUrl.get(trimSlash(baseUrl)) : undefined;
        if (!host) throw new Error(`no fault proxy for ${adapter.provider}/${adapter.model}`);
        return host;
      };
      const members: ProxiedMember[] = found.adapters.map((adapter) => {
        if (isPool(adapter)) {
          const replicas = adapter.replicas.map((replica) => {
            const host = hostOf(replica.adapter);
            return { adapter: replica.adapter, proxy: host.proxy, target: host.server };
          });
          return {
            adapter,
            target: replicas.map((replica) => replica.target).join(", "),
            simulated: false,
            replicas,
          };
        }
        const host = hostOf(adapter);
        return { adapter, proxy: host.proxy, target: host.server, simulated: false };
      });
      const used = proxiesOf(members);
      await Promise.all(proxies.filter((proxy) => !used.includes(proxy)).map((p) => p.close()));
      await Promise.all(used.map((proxy, index) => proxy.setFault(faultOf(index))));
      notes.push(
        `Fault proxies: ${used.map((proxy) => `${proxy.target} via ${proxy.url}`).join(", ")}`,
      );
      return {
        members,
        simulated: false,
        notes,
        poolEvents: found.poolEvents,
        close: () => closeAll(members),
      };
    }
    // Nothing real answered (its notes said why): the simulators stand in.
    await Promise.all(proxies.map((proxy) => proxy.close()));
  }
  const sims = await startSimulators(options.simTokenDelayMs ?? 25);
  const servers = [sims.ollama.url, sims.openai.url, sims.anthropic.url];
  const proxies = await Promise.all(
    servers.map((target, index) => startFaultProxy({ target, fault: faultOf(index) })),
  );
  const [ollamaProxy, openaiProxy, anthropicProxy] = proxies as [
    FaultProxy,
    FaultProxy,
    FaultProxy,
  ];
  const members: ProxiedMember[] = simulatorAdapters({
    ollama: ollamaProxy.url,
    openai: openaiProxy.url,
    anthropic: anthropicProxy.url,
  }).map((adapter, index) => ({
    adapter,
    proxy: proxies[index] as FaultProxy,
    // What the adapter reaches through its proxy (the OpenAI API is under /v1).
    target: index === 1 ? `${servers[index]}/v1` : (servers[index] as string),
    simulated: true,
  }));
  notes.push(...simulatorNotes(options.sim, sims, " (each behind a fault proxy)"));
  return {
    members,
    simulated: true,
    notes,
    poolEvents: {},
    close: async () => {
      await closeAll(members);
      await sims.close();
    },
  };
}
