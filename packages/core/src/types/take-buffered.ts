import type { StreamChunk } from "./stream-chunk.js";

/**
 * An optional fast path a stream iterator may offer to wrappers (an `@x/orchestrator` chain):
 * `iterator[takeBuffered]()` returns the next chunk synchronously when it has already been
 * decoded and `next()` would only wrap it in a resolved promise, and `undefined` otherwise (then
 * call `next()`). It never throws and never ends the stream: errors, the end and anything that
 * needs I/O come only through `next()`. A wrapper that forwards chunks can then skip one promise
 * and one microtask per chunk. `@x/ollama` and `@x/openai` streams implement it.
 */
export const takeBuffered: unique symbol = Symbol.for("@x/core.takeBuffered");

/** A stream iterator that implements {@link takeBuffered}. */
export interface BufferedIterator extends AsyncIterator<StreamChunk> {
  [takeBuffered](): StreamChunk | undefined;
}

/** The iterator's {@link takeBuffered} method, if it has one. */
export function getTakeBuffered(
  iterator: AsyncIterator<StreamChunk>,
): (() => StreamChunk | undefined) | undefined {
  const take = (iterator as Partial<BufferedIterator>)[takeBuffered];
  return typeof take === "function" ? take : undefined;
}
