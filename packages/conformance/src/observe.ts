import { AsyncLocalStorage, createHook } from "node:async_hooks";
import type { StreamChunk } from "@x/core";

/** How a guarded operation ended. */
export type Settled<T> =
  | { state: "resolved"; value: T; elapsedMs: number }
  | { state: "rejected"; error: unknown; elapsedMs: number }
  | { state: "pending"; elapsedMs: number };

/**
 * Waits for `promise` at most `withinMs` (a contract bound, not synchronisation). The guard timer
 * is always cleared, so it never shows up as a leftover timer.
 */
export async function settleWithin<T>(promise: Promise<T>, withinMs: number): Promise<Settled<T>> {
  const start = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const guard = new Promise<"pending">((resolve) => {
    timer = setTimeout(() => resolve("pending"), withinMs);
  });
  try {
    const result = await Promise.race([
      promise.then(
        (value) => ({ state: "resolved" as const, value }),
        (error: unknown) => ({ state: "rejected" as const, error }),
      ),
      guard,
    ]);
    const elapsedMs = performance.now() - start;
    if (result === "pending") return { state: "pending", elapsedMs };
    return { ...result, elapsedMs };
  } finally {
    clearTimeout(timer);
  }
}

/** What happened to a consumed stream. */
export interface StreamOutcome {
  /** Every chunk yielded, in order. */
  chunks: StreamChunk[];
  /** The error thrown, when `ended` is `threw`. */
  error: unknown;
  /** `finished`: iteration ended; `threw`; `break`: the consumer left early; `stalled`: the guard fired. */
  ended: "finished" | "threw" | "break" | "stalled";
  /** Milliseconds from the first `next()` to the end. */
  elapsedMs: number;
  /** `stream()` itself threw, before returning an iterable (the contract forbids it). */
  threwSynchronously?: boolean;
}

/** Called for every chunk; return `"break"` to leave the loop as `break` in `for await` would. */
export type ChunkHook = (
  chunk: StreamChunk,
  index: number,
) => undefined | "break" | Promise<undefined | "break">;

/**
 * Consumes `stream` like `for await` does, but never waits longer than `withinMs` in total: a stream
 * that stalls is reported as `stalled` instead of hanging the suite.
 */
export async function consume(
  stream: AsyncIterable<StreamChunk>,
  withinMs: number,
  onChunk?: ChunkHook,
): Promise<StreamOutcome> {
  const start = performance.now();
  const chunks: StreamChunk[] = [];
  const elapsed = () => performance.now() - start;
  let iterator: AsyncIterator<StreamChunk>;
  try {
    iterator = stream[Symbol.asyncIterator]();
  } catch (error) {
    return { chunks, error, ended: "threw", elapsedMs: elapsed() };
  }
  for (;;) {
    const left = Math.max(1, withinMs - elapsed());
    const step = await settleWithin(iterator.next(), left);
    if (step.state === "pending")
      return { chunks, error: undefined, ended: "stalled", elapsedMs: elapsed() };
    if (step.state === "rejected")
      return { chunks, error: step.error, ended: "threw", elapsedMs: elapsed() };
    if (step.value.done)
      return { chunks, error: undefined, ended: "finished", elapsedMs: elapsed() };
    chunks.push(step.value.value);
    if (onChunk && (await onChunk(step.value.value, chunks.length - 1)) === "break") {
      const closing = await settleWithin(
        Promise.resolve(iterator.return?.()),
        Math.max(1, withinMs - elapsed()),
      );
      if (closing.state === "pending")
        return { chunks, error: undefined, ended: "stalled", elapsedMs: elapsed() };
      if (closing.state === "rejected")
        return { chunks, error: closing.error, ended: "threw", elapsedMs: elapsed() };
      return { chunks, error: undefined, ended: "break", elapsedMs: elapsed() };
    }
  }
}

/** Number of ref'ed `Timeout`s alive in the process (unref'ed ones, e.g. undici's clock, do not count). */
export function activeTimeouts(): number {
  return process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
}

interface TrackedTimer {
  scope: TimerScope;
  timer: { hasRef(): boolean };
}

const scopes = new AsyncLocalStorage<TimerScope>();
const timers = new Map<number, TrackedTimer>();
let hookEnabled = false;

function enableHook(): void {
  if (hookEnabled) return;
  hookEnabled = true;
  createHook({
    init(asyncId, type, _trigger, resource) {
      if (type !== "Timeout") return;
      const scope = scopes.getStore();
      if (scope) timers.set(asyncId, { scope, timer: resource as TrackedTimer["timer"] });
    },
    destroy(asyncId) {
      timers.delete(asyncId);
    },
  }).enable();
}

/**
 * Counts the timers created while a piece of code ran (and everything it started ran), so a case
 * can assert that none outlived a stream. Unlike {@link activeTimeouts} it sees only its own
 * timers: scopes running side by side (two suites at once) do not disturb each other.
 */
export class TimerScope {
  /** Runs `fn`; every `setTimeout` made inside it (at any async depth) is tracked. */
  run<T>(fn: () => T): T {
    enableHook();
    return scopes.run(this, fn);
  }

  /** Ref'ed timers made inside {@link run} that are still pending (cleared and fired ones are not). */
  async leftover(): Promise<number> {
    // Node reports cleared and fired timers to async hooks in a batch after the current tick.
    await new Promise((resolve) => setImmediate(resolve));
    let count = 0;
    for (const [id, tracked] of timers) {
      if (tracked.scope !== this) continue;
      if (tracked.timer.hasRef()) count++;
      else timers.delete(id);
    }
    return count;
  }

  /** Stops tracking this scope's timers. */
  dispose(): void {
    for (const [id, tracked] of timers) if (tracked.scope === this) timers.delete(id);
  }
}
