import type { Capabilities, Message, StreamOptions } from "@x/core";
import { missingCapabilities, requiredCapabilities } from "../capabilities.js";
import type { CapabilityName } from "../events.js";
import type { Member } from "./member.js";
import type { RequestLog } from "./request-log.js";

/**
 * The members a request has not tried yet, in chain order. A member lacking a capability the
 * request needs is skipped (logged, with a `skip` event); an open breaker is found when the
 * member is started (see `openMember`), so a request never waits on one.
 */
export class MemberQueue {
  readonly #members: readonly Member[];
  readonly #messages: readonly Message[];
  readonly #options: StreamOptions | undefined;
  readonly #log: RequestLog;
  /** What the request needs, worked out only once some member lacks a capability. */
  #needs: readonly CapabilityName[] | undefined;
  #cursor = 0;

  constructor(
    members: readonly Member[],
    messages: readonly Message[],
    options: StreamOptions | undefined,
    log: RequestLog,
  ) {
    this.#members = members;
    this.#messages = messages;
    this.#options = options;
    this.#log = log;
  }

  /** The next member able to serve the request, or undefined when none is left. */
  next(): Member | undefined {
    while (this.#cursor < this.#members.length) {
      const member = this.#members[this.#cursor++]!;
      const missing = this.#missing(member.adapter.capabilities);
      if (missing === undefined) return member;
      this.#log.skippedForCapability(member.ref, missing);
    }
    return undefined;
  }

  /**
   * Whether a member after the current one could take over: able to serve the request and not
   * behind an open breaker. Decides the defaults that only make sense with somewhere to go.
   */
  hasAlternative(): boolean {
    for (let i = this.#cursor; i < this.#members.length; i++) {
      const member = this.#members[i]!;
      if (this.#missing(member.adapter.capabilities) !== undefined) continue;
      if (member.breaker?.refusing) continue;
      return true;
    }
    return false;
  }

  /** What `capabilities` lacks of the request's needs; undefined when nothing. */
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
    if (this.#needs.length === 0) return undefined;
    const missing = missingCapabilities(capabilities, this.#needs);
    return missing.length === 0 ? undefined : missing;
  }
}
