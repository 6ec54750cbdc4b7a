import type { AIAdapter, Timeouts } from "@x/core";
import { timeoutsProblem } from "@x/core/http";
import type { AdapterRef } from "../errors.js";
import { CircuitBreaker } from "../policies/circuit-breaker.js";
import { RETRY_DEFAULTS, type RetryPolicy } from "../policies/retry-policy.js";
import { memberIds } from "../store/member-id.js";
import type { ChainMember, ChainMemberOptions, FallbackChainOptions } from "./chain-options.js";

/**
 * The chain's own defaults (the README's table gives the reasons). Retry and breaker defaults
 * live with their policies (`RETRY_DEFAULTS`, `BREAKER_DEFAULTS`).
 */
export const CHAIN_DEFAULTS = {
  /** A member with another one behind it: silent this long → move on. None for the last. */
  firstChunkMs: 10_000,
  /** A stall this long (while the chain waits) → the member failed. */
  idleMs: 10_000,
  /** Output held back while another member could take over. None for the last. */
  commitAfter: { chars: 100, ms: 200 },
  midStream: "restart",
} as const;

/** A chain member, wired: its settings resolved and its breaker built. */
export interface Member {
  /** The member as given. */
  adapter: AIAdapter;
  /** How events and errors name it. */
  ref: AdapterRef;
  /** Its stable id: its key in the chain's `store`. */
  id: string;
  /** A `firstChunkMs` the user set (member or chain-wide), or undefined for the default rule. */
  firstChunkMs: number | undefined;
  /** Its `idleMs`. */
  idleMs: number;
  /** Its retry policy. */
  retry: RetryPolicy | false;
  /** Its breaker (per chain instance), if any. */
  breaker: CircuitBreaker | undefined;
}

/**
 * Resolves each member's settings (member option, else chain option, else default) and builds
 * its breaker. Throws `TypeError` for a limit that is not a positive number of milliseconds.
 */
export function wireMembers(
  members: readonly ChainMember[],
  options: FallbackChainOptions,
): Member[] {
  checkTimeouts("timeouts", options.timeouts);
  const given = members.map(toMemberOptions);
  const ids = memberIds(given);
  return given.map((m, index) => {
    checkTimeouts(`members[${index}]`, { firstChunkMs: m.firstChunkMs, idleMs: m.idleMs });
    const adapter = m.adapter;
    const ref: AdapterRef = { provider: adapter.provider, model: adapter.model, index };
    const id = ids[index]!;
    const breakerOptions = m.breaker ?? options.breaker ?? {};
    const breaker =
      breakerOptions === false
        ? undefined
        : new CircuitBreaker(
            ref,
            { ...breakerOptions, onEvent: options.onEvent, store: options.store, id },
            (o) => adapter.healthCheck(o),
          );
    const retry = m.retry ?? options.retry ?? RETRY_DEFAULTS;
    return {
      adapter,
      ref,
      id,
      firstChunkMs: m.firstChunkMs ?? options.timeouts?.firstChunkMs,
      idleMs: m.idleMs ?? options.timeouts?.idleMs ?? CHAIN_DEFAULTS.idleMs,
      retry,
      breaker,
    };
  });
}

/**
 * A try's limits: the user's `firstChunkMs`, else the default when another member could take
 * over (`hasAlternative`), else none (the member's own limits apply: a cold local model is not
 * cut when there is nowhere to go).
 */
export function limitsOf(member: Member, hasAlternative: boolean): Timeouts {
  const firstChunkMs =
    member.firstChunkMs ?? (hasAlternative ? CHAIN_DEFAULTS.firstChunkMs : undefined);
  return { firstChunkMs, idleMs: member.idleMs };
}

/** A member as given, in its long form. */
export function toMemberOptions(member: ChainMember): ChainMemberOptions {
  return "stream" in member && typeof member.stream === "function"
    ? { adapter: member }
    : (member as ChainMemberOptions);
}

function checkTimeouts(where: string, timeouts: unknown): void {
  const problem = timeoutsProblem(timeouts);
  if (problem !== undefined) throw new TypeError(`createFallbackChain: ${where}: ${problem}`);
}
