import type { AIAdapter } from "@x/core";

/**
 * A member's default id: `provider:model@baseUrl`, or `provider:model` for an adapter without a
 * `baseUrl` (a nested chain or pool, a mock). Our adapters expose `baseUrl` without credentials;
 * it is read duck-typed, since the orchestrator never imports an adapter.
 */
export function defaultMemberId(adapter: AIAdapter): string {
  const baseUrl = baseUrlOf(adapter);
  const name = `${adapter.provider}:${adapter.model}`;
  return baseUrl ? `${name}@${baseUrl}` : name;
}

/** The adapter's `baseUrl`, when it has one (read duck-typed: not part of `AIAdapter`). */
export function baseUrlOf(adapter: AIAdapter): string | undefined {
  const baseUrl = (adapter as { baseUrl?: unknown }).baseUrl;
  return typeof baseUrl === "string" ? baseUrl : undefined;
}

/**
 * Each member's id: the one it was given, else its default; a default that repeats within the
 * chain gets `#2`, `#3`... by position, so the same configuration gives the same ids in every
 * process. Throws `TypeError` when two members are given the same id.
 */
export function memberIds(members: readonly { adapter: AIAdapter; id?: string }[]): string[] {
  const given = new Set<string>();
  for (const [index, m] of members.entries()) {
    if (m.id === undefined) continue;
    if (typeof m.id !== "string" || m.id === "") {
      throw new TypeError(`members[${index}].id must be a non-empty string`);
    }
    if (given.has(m.id)) throw new TypeError(`members[${index}].id "${m.id}" is used twice`);
    given.add(m.id);
  }
  const seen = new Map<string, number>();
  return members.map((m) => {
    if (m.id !== undefined) return m.id;
    const id = defaultMemberId(m.adapter);
    const count = (seen.get(id) ?? 0) + 1;
    seen.set(id, count);
    return count === 1 && !given.has(id) ? id : `${id}#${count}`;
  });
}
