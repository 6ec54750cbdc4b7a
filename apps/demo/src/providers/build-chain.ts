import type { AIAdapter } from "@x/core";
import { createFallbackChain, type OrchestratorEvent } from "@x/orchestrator";

/** How the demo combines its adapters. */
export interface BuildChainOptions {
  /** Use only the first adapter (`--no-fallback`). */
  noFallback?: boolean;
  /** Receives the chain's attempt / failure / fallback / success events. */
  onEvent?: (event: OrchestratorEvent) => void;
}

/** The chain's `model` name: the gateway routes it (and `default`) to the whole chain. */
export const CHAIN_MODEL = "chain";

/**
 * Wraps the adapters in a fallback chain named {@link CHAIN_MODEL} (a name of its own, so that a
 * member's model name can address that member alone through the gateway). The demo restarts
 * visibly after a mid-stream failure (`midStream: "restart"`): the reader sees a reset marker
 * and the next provider's whole answer, never a silent splice.
 */
export function buildChain(
  adapters: readonly AIAdapter[],
  options: BuildChainOptions = {},
): AIAdapter {
  const [first] = adapters;
  if (!first) throw new Error("No adapter to use");
  if (options.noFallback || adapters.length === 1) return first;
  return createFallbackChain([...adapters], {
    model: CHAIN_MODEL,
    midStream: "restart",
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
}
