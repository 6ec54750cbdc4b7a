import type { ListModelsOptions } from "@x/core";
import type { ChainSetup } from "./chain/request.js";
import { type AdapterRef, AllAdaptersFailedError } from "./errors.js";

/** One member's models, as {@link FallbackChain.listModelsByAdapter} returns them. */
export interface ModelsOfAdapter {
  /** The member. */
  adapter: AdapterRef;
  /** Its models (empty when listing failed). */
  models: string[];
  /** Why listing failed, when it did. */
  error?: unknown;
}

/**
 * Lists every member's models, attributed to the member. Fails with `AllAdaptersFailedError` only
 * when every member failed; an aborted signal rejects as the members do.
 */
export async function listModelsByAdapter(
  setup: ChainSetup,
  options?: ListModelsOptions,
): Promise<ModelsOfAdapter[]> {
  const settled = await Promise.allSettled(setup.members.map((m) => m.adapter.listModels(options)));
  const out: ModelsOfAdapter[] = settled.map((result, i) => {
    const adapter = setup.members[i]!.ref;
    return result.status === "fulfilled"
      ? { adapter, models: result.value }
      : { adapter, models: [], error: result.reason };
  });
  if (out.every((entry) => entry.error !== undefined)) {
    if (options?.signal?.aborted || out.length === 1) throw out[0]!.error;
    throw new AllAdaptersFailedError(`${setup.provider}: listing models failed on every member`, {
      provider: setup.provider,
      model: setup.model,
      attempts: out.map((entry) => ({
        adapter: entry.adapter,
        error: entry.error,
        stage: "connect" as const,
        durationMs: 0,
      })),
    });
  }
  return out;
}
