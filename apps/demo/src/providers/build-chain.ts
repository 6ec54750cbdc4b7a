import type { AIAdapter } from "@x/core";
import { createFallbackChain, type OrchestratorEvent } from "@x/orchestrator";

/** How the demo combines its adapters. */
export interface BuildChainOptions {
  /** Use only the first adapter (`--no-fallback`). */
  noFallback?: boolean;
  /** Receives the chain's attempt / failure / fallback / success events. */
  onEvent?: (event: OrchestratorEvent) => void;
}

/**
 * Wraps the adapters in a fallback chain. The demo restarts visibly after a mid-stream failure
 * (`midStream: "restart"`): the reader sees a reset marker and the next provider's whole answer,
 * never a silent splice.
 */
export function buildChain(
  adapters: readonly AIAdapter[],
  options: BuildChainOptions = {},
): AIAdapter {
  const [first] = adapters;
  if (!first) throw new Error("No adapter to use");
  if (options.noFallback || adapters.length === 1) return first;
  return createFallbackChain([...adapters], {
    midStream: "restart",
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
}
