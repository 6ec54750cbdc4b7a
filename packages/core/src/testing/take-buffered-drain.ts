import type { StreamChunk } from "../types/stream-chunk.js";
import { getTakeBuffered } from "../types/take-buffered.js";

/** What {@link drainPreferringTakeBuffered} saw. */
export interface TakeBufferedDrain {
  /** Every chunk, in order, from either path. */
  chunks: StreamChunk[];
  /** How many of them `takeBuffered` handed out. */
  taken: number;
  /** What `next()` threw, if it did. */
  error: unknown;
}

/**
 * Drains `stream` calling `iterator[takeBuffered]()` first and `next()` only when it returns
 * `undefined`, the way a wrapper that uses the fast path does. For an adapter's own tests: the
 * chunks (and error) must be the same as with `next()` alone. Throws if the iterator does not
 * offer `takeBuffered`.
 */
export async function drainPreferringTakeBuffered(
  stream: AsyncIterable<StreamChunk>,
): Promise<TakeBufferedDrain> {
  const iterator = stream[Symbol.asyncIterator]();
  const take = getTakeBuffered(iterator);
  if (take === undefined) throw new TypeError("the stream's iterator has no takeBuffered");
  const chunks: StreamChunk[] = [];
  let taken = 0;
  try {
    for (;;) {
      const chunk = take.call(iterator);
      if (chunk !== undefined) {
        taken++;
        chunks.push(chunk);
        continue;
      }
      const result = await iterator.next();
      if (result.done) break;
      chunks.push(result.value);
    }
  } catch (error) {
    return { chunks, taken, error };
  }
  return { chunks, taken, error: undefined };
}
