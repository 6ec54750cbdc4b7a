import type { AIAdapter } from "@x/core";
import { OllamaAdapter } from "@x/ollama";
import { OpenAIAdapter } from "@x/openai";
import {
  type ProviderFlags,
  providerTargets,
  resolveProviders,
} from "../providers/resolve-providers.js";
import { startOllamaSim } from "../sim/ollama-sim.js";
import { startOpenAISim } from "../sim/openai-sim.js";
import { type Fault, type FaultProxy, startFaultProxy } from "./fault-proxy.js";

/** One chain member as `serve` runs it: an adapter that talks to its server through a fault proxy. */
export interface ProxiedMember {
  /** The adapter (its base URL is the proxy). */
  adapter: AIAdapter;
  /** The proxy in front of the server; its fault can be switched while serving. */
  proxy: FaultProxy;
  /** The server the proxy forwards to, for display. */
  target: string;
  /** True for a built-in simulator. */
  simulated: boolean;
}

/** What {@link resolveProxiedMembers} found. */
export interface ProxiedMembers {
  /** Members in fallback order, primary first. */
  members: ProxiedMember[];
  /** True when the built-in simulators stand in for real servers. */
  simulated: boolean;
  /** Human-readable lines describing the choice (print them). */
  notes: string[];
  /** Closes adapters, proxies and simulators. */
  close(): Promise<void>;
}

/** Options of {@link resolveProxiedMembers}. */
export interface ProxiedMembersOptions extends ProviderFlags {
  /** Initial fault of each member, in member order (missing entries: `none`). */
  faults?: readonly Fault[];
}

/** The URL to give an adapter so that it reaches `serverUrl` through `proxy` (path and credentials kept). */
export function viaProxy(serverUrl: string, proxy: FaultProxy): string {
  const url = new URL(serverUrl);
  const local = new URL(proxy.url);
  url.protocol = local.protocol;
  url.host = local.host;
  return url.href.replace(/\/+$/, "");
}

async function closeAll(members: readonly { adapter: AIAdapter; proxy: FaultProxy }[]) {
  await Promise.all(members.map((member) => member.adapter.close?.()));
  await Promise.all(members.map((member) => member.proxy.close()));
}

/**
 * Finds the servers `serve` uses, exactly as `chat` does ({@link resolveProviders}: Ollama, then
 * an OpenAI-compatible server, else the built-in simulators), but puts a {@link FaultProxy} in
 * front of each, so the page's fault buttons and `--fault` can break any member for real.
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
    const ollamaServer = targets.ollama.url;
    const openaiServer = targets.openai?.url;
    const ollamaProxy = await startFaultProxy({ target: ollamaServer });
    const openaiProxy = openaiServer ? await startFaultProxy({ target: openaiServer }) : undefined;
    const found = await resolveProviders({
      ...options,
      ollama: viaProxy(ollamaServer, ollamaProxy),
      ...(openaiServer && openaiProxy ? { openai: viaProxy(openaiServer, openaiProxy) } : {}),
    });
    if (!found.simulated) {
      const members = found.adapters.map((adapter) => {
        const ollama = adapter.provider === "ollama";
        const proxy = (ollama ? ollamaProxy : openaiProxy) as FaultProxy;
        return {
          adapter,
          proxy,
          target: (ollama ? ollamaServer : openaiServer) ?? proxy.target,
          simulated: false,
        };
      });
      for (const proxy of [ollamaProxy, openaiProxy]) {
        if (proxy && !members.some((member) => member.proxy === proxy)) await proxy.close();
      }
      await Promise.all(members.map((member, index) => member.proxy.setFault(faultOf(index))));
      // resolveProviders names the proxied URLs; the reader wants the servers.
      const renames: [string, string][] = [[viaProxy(ollamaServer, ollamaProxy), ollamaServer]];
      if (openaiServer && openaiProxy)
        renames.push([viaProxy(openaiServer, openaiProxy), openaiServer]);
      for (const note of found.notes) {
        notes.push(renames.reduce((text, [from, to]) => text.split(from).join(to), note));
      }
      notes.push(
        `Fault proxies: ${members.map((m) => `${m.adapter.provider} via ${m.proxy.url}`).join(", ")}`,
      );
      return {
        members,
        simulated: false,
        notes,
        close: () => closeAll(members),
      };
    }
    // Nothing real answered: resolveProviders started its own simulators, but without proxies.
    await found.close();
    await Promise.all([ollamaProxy.close(), openaiProxy?.close()]);
    notes.push(`Ollama not reachable at ${ollamaServer}`);
    if (openaiServer) notes.push(`OpenAI-compatible server not reachable at ${openaiServer}`);
  }
  const delay = options.simTokenDelayMs ?? 25;
  const [ollamaSim, openaiSim] = await Promise.all([
    startOllamaSim({ tokenDelayMs: delay }),
    startOpenAISim({ tokenDelayMs: delay, apiKey: "sk-sim" }),
  ]);
  const [ollamaProxy, openaiProxy] = await Promise.all([
    startFaultProxy({ target: ollamaSim.url, fault: faultOf(0) }),
    startFaultProxy({ target: openaiSim.url, fault: faultOf(1) }),
  ]);
  const members: ProxiedMember[] = [
    {
      adapter: new OllamaAdapter({ baseUrl: ollamaProxy.url, model: "sim-llama" }),
      proxy: ollamaProxy,
      target: ollamaSim.url,
      simulated: true,
    },
    {
      adapter: new OpenAIAdapter({
        baseUrl: `${openaiProxy.url}/v1`,
        model: "sim-gpt",
        apiKey: "sk-sim",
      }),
      proxy: openaiProxy,
      target: `${openaiSim.url}/v1`,
      simulated: true,
    },
  ];
  notes.push(
    options.sim
      ? "Using the built-in simulators (--sim):"
      : "No real model server reachable: using the built-in SIMULATED servers (canned answers):",
    `  simulated Ollama at ${ollamaSim.url}, simulated OpenAI at ${openaiSim.url}/v1 (each behind a fault proxy)`,
  );
  return {
    members,
    simulated: true,
    notes,
    close: async () => {
      await closeAll(members);
      await Promise.all([ollamaSim.close(), openaiSim.close()]);
    },
  };
}
