import type { AIAdapter } from "@x/core";

/**
 * Model names that always mean the gateway's whole adapter (the fallback chain), besides the
 * adapter's own `model`. `default` is for clients that need some name and do not care which.
 */
const CHAIN_ALIASES: readonly string[] = ["default"];

/** A chain from `@x/orchestrator` exposes its members; any other adapter has none. */
function membersOf(adapter: AIAdapter): readonly { adapter: AIAdapter }[] {
  const members = (adapter as { members?: unknown }).members;
  return Array.isArray(members) ? (members as { adapter: AIAdapter }[]) : [];
}

/**
 * Picks the adapter that answers a request for `model`: the whole adapter (the chain, with its
 * fallback) for its own model name or a {@link CHAIN_ALIASES} name; the first chain member whose
 * `model` is that name, alone and without fallback; otherwise `undefined` (the gateway answers
 * 404 `model_not_found`, as OpenAI does for a model it does not serve).
 */
export function routeModel(adapter: AIAdapter, model: string): AIAdapter | undefined {
  if (model === adapter.model || CHAIN_ALIASES.includes(model)) return adapter;
  for (const member of membersOf(adapter)) {
    if (member.adapter.model === model) return member.adapter;
  }
  return undefined;
}

/** Every name {@link routeModel} accepts, the chain's first: what `GET /v1/models` lists. */
export function routableModels(adapter: AIAdapter): string[] {
  const names = [
    adapter.model,
    ...CHAIN_ALIASES,
    ...membersOf(adapter).map((m) => m.adapter.model),
  ];
  return [...new Set(names)];
}
