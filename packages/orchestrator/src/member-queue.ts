import type { Capabilities, Message, StreamOptions } from "@x/core";
import { Attempt, type Member } from "./attempt.js";
import { missingCapabilities, requiredCapabilities } from "./capabilities.js";
import type { CircuitPermit } from "./circuit-breaker.js";
import type { CapabilityName } from "./events.js";
import type { RequestRecord } from "./request-record.js";
import { trialGate } from "./trial-gate.js";

/**
 * The members a request has not tried yet, in chain order, and the starting of its attempts. A
 * member lacking a capability the request needs, or whose breaker is open, is skipped (recorded,
 * with a `skip` event); a request never waits on a breaker.
 */
export class MemberQueue {
  readonly #members: readonly Member[];
  readonly #record: RequestRecord;
  readonly #messages: readonly Message[];
  readonly #options: StreamOptions | undefined;
  readonly #ownSignals: boolean;
  /** What the request needs, worked out only once a member lacks some capability. */
  #needs: readonly CapabilityName[] | undefined;
  #cursor = 0;
  /** Attempts started so far. */
  started = 0;

  /**
   * `messages` and `options`: the request as the caller made it; `ownSignals`: whether each
   * attempt gets its own AbortController (see {@link Attempt}).
   */
  constructor(
    members: readonly Member[],
    record: RequestRecord,
    messages: readonly Message[],
    options: StreamOptions | undefined,
    ownSignals: boolean,
  ) {
    this.#members = members;
    this.#record = record;
    this.#messages = messages;
    this.#options = options;
    this.#ownSignals = ownSignals;
  }

  /**
   * Starts an attempt on the next member that can serve (sending `messages`, with `deadline` in
   * its policies' context; as a hedge of `primary` if given), or returns undefined when none is
   * left or `request.stopped()` (checked before each member) says it may start nothing more.
   */
  start(
    request: { stopped(): boolean },
    messages: Message[],
    deadline: number | undefined,
    primary?: Attempt,
  ): Attempt | undefined {
    const members = this.#members;
    while (this.#cursor < members.length) {
      if (request.stopped()) return undefined;
      const member = members[this.#cursor++]!;
      const missing = this.#missing(member.original.capabilities);
      if (missing !== undefined && missing.length > 0) {
        this.#record.skippedForCapability(member.ref, missing);
        continue;
      }
      let permit: CircuitPermit | undefined;
      try {
        permit = member.breaker?.acquire();
      } catch (error) {
        // Never wait on an open breaker: note it and move on at once.
        this.#record.skippedForOpenCircuit(member.ref, error);
        continue;
      }
      const adapter =
        permit === "trial" && member.trialCheckMs !== undefined
          ? trialGate(member.original, member.adapter, member.trialCheckMs)
          : member.adapter;
      const number = ++this.started;
      const context = this.#record.contextFor(member.ref, deadline);
      const options = this.#options;
      const own = this.#ownSignals;
      const attempt = new Attempt(member, number, adapter, permit, messages, options, own, context);
      this.#record.started(member.ref, number, primary?.member.ref);
      return attempt;
    }
    return undefined;
  }

  /** Whether a member is left to consider. */
  hasNext(): boolean {
    return this.#cursor < this.#members.length;
  }

  /** What `capabilities` lacks of the request's needs; undefined when it has them all. */
  #missing(capabilities: Capabilities): CapabilityName[] | undefined {
    // A member able to do everything is never skipped: no need to scan the request.
    if (
      capabilities.tools &&
      capabilities.images &&
      capabilities.jsonSchema &&
      capabilities.thinking
    ) {
      return undefined;
    }
    this.#needs ??= requiredCapabilities(this.#messages, this.#options);
    return this.#needs.length === 0 ? undefined : missingCapabilities(capabilities, this.#needs);
  }
}
