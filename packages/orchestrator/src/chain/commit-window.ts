import type { StreamChunk } from "@x/core";
import { isNoLimit } from "@x/core/http";
import type { Attempt } from "../attempt/attempt.js";
import { noop } from "../util/close-quietly.js";
import { raceTimer, TIMED_OUT } from "../util/race-timer.js";

/** When an attempt's output is committed (shown): `chars` characters or `ms` after its first chunk. */
export interface CommitWindow {
  chars?: number;
  ms?: number;
}

/** What an attempt produced before its commit point. */
export interface Held {
  /** The chunks, in order (the first included). */
  chunks: StreamChunk[];
  /** A `next()` still in flight when the time bound committed the attempt: await it next. */
  pending: Promise<IteratorResult<StreamChunk>> | undefined;
}

/**
 * Holds an attempt's chunks until its commit point: `chars` characters (content + thinking),
 * `ms` after the first chunk, or a `done` chunk. Returns the held chunks, or the failure inside
 * the window (`{ ok: false, error }`, as the attempt explains it), so the chain can move on with nothing
 * shown. Without a window, the first chunk commits at once.
 */
export async function holdUntilCommit(
  attempt: Attempt,
  first: StreamChunk,
  window: CommitWindow | undefined,
): Promise<{ ok: true; held: Held } | { ok: false; error: unknown }> {
  const chunks = [first];
  if (window === undefined || first.type === "done")
    return { ok: true, held: { chunks, pending: undefined } };
  const end = isNoLimit(window.ms) ? undefined : Date.now() + window.ms!;
  let chars = sizeOf(first);
  for (;;) {
    if (window.chars !== undefined && chars >= window.chars) {
      return { ok: true, held: { chunks, pending: undefined } };
    }
    const next = attempt.next();
    next.catch(noop); // if it is left pending and the request ends, its rejection is nobody's
    let result: IteratorResult<StreamChunk> | typeof TIMED_OUT;
    try {
      result = await raceTimer(next, end === undefined ? undefined : Math.max(0, end - Date.now()));
    } catch (error) {
      return { ok: false, error: attempt.explain(error) };
    }
    if (result === TIMED_OUT) return { ok: true, held: { chunks, pending: next } };
    if (result.done) return { ok: false, error: attempt.truncated() };
    chunks.push(result.value);
    if (result.value.type === "done") return { ok: true, held: { chunks, pending: undefined } };
    chars += sizeOf(result.value);
  }
}

function sizeOf(chunk: StreamChunk): number {
  if (chunk.type === "content") return chunk.content.length;
  if (chunk.type === "thinking") return chunk.thinking.length;
  return 0;
}
