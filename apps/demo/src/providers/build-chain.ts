import type { AIAdapter } from "@x/core";
import {
  type ChainMember,
  createFallbackChain,
  type FallbackChain,
  type OrchestratorEvent,
} from "@x/orchestrator";
import type { DemoTracing } from "../telemetry/demo-tracing.js";

/** How the demo combines its adapters. */
export interface BuildChainOptions {
  /** Use only the first adapter (`--no-fallback`). */
  noFallback?: boolean;
  /** Receives the chain's attempt / failure / fallback / success events. */
  onEvent?: (event: OrchestratorEvent) => void;
  /** Records spans of every request (`--trace`, OTLP); see `createDemoTracing`. */
  tracing?: DemoTracing;
}

/** The chain's `model` name: the gateway routes it (and `default`) to the whole chain. */
export const CHAIN_MODEL = "chain";

/**
 * Wraps the members (adapters, or adapters with their own chain options) in a fallback chain named {@link CHAIN_MODEL} (a name of its own, so that a
 * member's model name can address that member alone through the gateway). The demo restarts
 * visibly after a mid-stream failure (`midStream: "restart"`): the reader sees a reset marker
 * and the next provider's whole answer, never a silent splice. With `tracing`, each request is a
 * span with a child span per attempt (a lone adapter: one span per request). Returns the adapter
 * to use and, when there is one, the chain itself (for its `breakerStates()`).
 */
export function buildChain(
  members: readonly ChainMember[],
  options: BuildChainOptions = {},
): { adapter: AIAdapter; chain?: FallbackChain } {
  const [first] = members;
  if (!first) throw new Error("No adapter to use");
  const { tracing } = options;
  if (options.noFallback || members.length === 1) {
    const adapter = "adapter" in first ? first.adapter : first;
    return { adapter: tracing ? tracing.adapter(adapter) : adapter };
  }
  const onEvent = tracing ? tracing.listener(options.onEvent) : options.onEvent;
  const chain = createFallbackChain([...members], {
    model: CHAIN_MODEL,
    midStream: "restart",
    ...(onEvent ? { onEvent } : {}),
  });
  return { adapter: tracing ? tracing.chain(chain) : chain, chain };
}
