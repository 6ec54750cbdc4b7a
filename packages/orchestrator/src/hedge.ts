import type { StreamChunk } from "@x/core";
import type { Attempt, AttemptStep } from "./attempt.js";

/** What {@link raceFirstChunk} needs from the request it serves. */
export interface RaceHost {
  /** Starts the next eligible member (as a hedge of `primary` if given), or undefined if none. */
  start(primary?: Attempt): Attempt | undefined;
  /** Whether a member is left to start. */
  hasCandidate(): boolean;
  /** Records a failure before commit; throws to stop the request, returns to go on. */
  failedBeforeCommit(attempt: Attempt, error: unknown): void;
  /** The error for "nothing left to try". */
  exhausted(): unknown;
  /** A truncation error for an attempt that ended without a chunk. */
  truncated(attempt: Attempt): unknown;
  /** Forget an attempt that is over. */
  drop(attempt: Attempt): void;
}

const HEDGE = Symbol("hedge");

/**
 * Runs attempts until one produces a first chunk. With `hedgeAfterMs`, when the only racer has
 * no chunk in time the next member starts too; the first to produce a chunk wins and the other is
 * aborted (socket closed, no breaker verdict). A racer that fails drops out; when none is left the
 * next member starts.
 */
export async function raceFirstChunk(
  host: RaceHost,
  hedgeAfterMs: number | undefined,
): Promise<{ attempt: Attempt; first: StreamChunk }> {
  const racers: Attempt[] = [];
  let hedgeTimer: ReturnType<typeof setTimeout> | undefined;
  let hedgeFired: Promise<typeof HEDGE> | undefined;
  const disarm = () => {
    if (hedgeTimer !== undefined) clearTimeout(hedgeTimer);
    hedgeTimer = undefined;
    hedgeFired = undefined;
  };
  try {
    for (;;) {
      if (racers.length === 0) {
        const attempt = host.start();
        if (!attempt) throw host.exhausted();
        racers.push(attempt);
      }
      const only = racers.length === 1 ? racers[0]! : undefined;
      if (
        hedgeAfterMs !== undefined &&
        hedgeFired === undefined &&
        only &&
        !only.hedgeArmed &&
        host.hasCandidate()
      ) {
        only.hedgeArmed = true;
        hedgeFired = new Promise((resolve) => {
          hedgeTimer = setTimeout(() => resolve(HEDGE), hedgeAfterMs);
        });
      }
      let step: AttemptStep | typeof HEDGE;
      if (only && hedgeFired === undefined) {
        step = await only.step();
      } else {
        const steps: Promise<AttemptStep | typeof HEDGE>[] = racers.map((r) => r.step());
        if (hedgeFired) steps.push(hedgeFired);
        step = await Promise.race(steps);
      }
      if (step === HEDGE) {
        hedgeTimer = undefined;
        hedgeFired = undefined;
        const hedge = host.start(racers[0]);
        if (hedge) {
          hedge.hedgeArmed = true;
          racers.push(hedge);
        }
        continue;
      }
      const attempt = step.attempt;
      attempt.consumed();
      const result = step.result;
      if (result === undefined || result.done) {
        racers.splice(racers.indexOf(attempt), 1);
        host.drop(attempt);
        host.failedBeforeCommit(
          attempt,
          result === undefined ? step.error : host.truncated(attempt),
        );
        if (racers.length === 1) {
          // The survivor may hedge again against the next member.
          racers[0]!.hedgeArmed = false;
          disarm();
        }
        continue;
      }
      attempt.produced = true;
      for (const loser of racers) {
        if (loser === attempt) continue;
        host.drop(loser);
        void loser.abandon(); // a hedge loser is not a failure: abort it, count nothing
      }
      return { attempt, first: result.value };
    }
  } catch (error) {
    for (const racer of racers) {
      host.drop(racer);
      void racer.abandon();
    }
    throw error;
  } finally {
    disarm();
  }
}
