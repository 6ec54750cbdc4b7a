import type { StreamChunk } from "@x/core";
import type { Attempt } from "./attempt.js";

const COMMIT = Symbol("commit");

/** Options for {@link holdUntilCommit}. */
export interface CommitPoint {
  /** Characters (content + thinking) that commit the attempt. */
  chars?: number;
  /** Milliseconds after the first chunk that commit the attempt. */
  ms?: number;
}

/** Whether a commit window applies after `first` (otherwise `first` commits the attempt at once). */
export function hasCommitWindow(first: StreamChunk, commit: CommitPoint | undefined): boolean {
  return (
    first.type !== "done" &&
    commit !== undefined &&
    (commit.chars !== undefined || commit.ms !== undefined)
  );
}

/**
 * Holds an attempt's chunks until its commit point: `chars` characters, `ms` after the first
 * chunk, or a `done` chunk. Returns the held chunks, or the failure that happened inside the
 * window (`{ error }`), so the caller can fall back with nothing visible. When the time bound
 * commits, the attempt's in-flight `next()` stays with it.
 */
export async function holdUntilCommit(
  attempt: Attempt,
  first: StreamChunk,
  commit: CommitPoint | undefined,
  truncated: (attempt: Attempt) => unknown,
): Promise<{ held: StreamChunk[]; error?: undefined } | { held?: undefined; error: unknown }> {
  const held: StreamChunk[] = [first];
  if (!hasCommitWindow(first, commit) || commit === undefined) return { held };
  let chars = sizeOf(first);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeUp =
    commit.ms === undefined
      ? undefined
      : new Promise<typeof COMMIT>((resolve) => {
          timer = setTimeout(() => resolve(COMMIT), commit.ms);
        });
  try {
    for (;;) {
      if (commit.chars !== undefined && chars >= commit.chars) return { held };
      const step = timeUp ? await Promise.race([attempt.step(), timeUp]) : await attempt.step();
      if (step === COMMIT) return { held };
      attempt.consumed();
      const result = step.result;
      if (result === undefined) return { error: step.error };
      if (result.done) return { error: truncated(attempt) };
      held.push(result.value);
      if (result.value.type === "done") return { held };
      chars += sizeOf(result.value);
    }
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

function sizeOf(chunk: StreamChunk): number {
  if (chunk.type === "content") return chunk.content.length;
  if (chunk.type === "thinking") return chunk.thinking.length;
  return 0;
}
