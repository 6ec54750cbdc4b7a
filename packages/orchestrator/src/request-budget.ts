import type { Attempt } from "./attempt.js";

/**
 * A request's `totalMs` budget: one deadline shared by every attempt, retry and backoff. When it
 * passes, every live attempt is aborted (attempts have their own AbortController whenever a
 * request has a budget) and the request starts nothing more.
 */
export class RequestBudget {
  /** The budget, in milliseconds. */
  readonly totalMs: number;
  /** When it runs out (epoch ms). */
  readonly deadline: number;
  /** Whether it has run out. */
  expired = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** Arms the budget for a request started at `startedAt`; `live`: the attempts to abort. */
  constructor(totalMs: number, startedAt: number, live: ReadonlySet<Attempt>) {
    this.totalMs = totalMs;
    this.deadline = startedAt + totalMs;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.expired = true;
      for (const attempt of live) attempt.controller?.abort("budget");
    }, totalMs);
  }

  /** Whether its timer is still armed. */
  get armed(): boolean {
    return this.#timer !== undefined;
  }

  /** Disarms the timer (the request is over). Idempotent. */
  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
