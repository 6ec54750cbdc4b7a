/** Helpers shared by the decoder tests (not part of the package). */

const encoder = new TextEncoder();

/** UTF-8 bytes of `text`. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** `bytes` cut at the given (sorted, in-range) offsets. */
export function cut(bytes: Uint8Array, offsets: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = 0;
  for (const offset of offsets) {
    out.push(bytes.subarray(start, offset));
    start = offset;
  }
  out.push(bytes.subarray(start));
  return out;
}

/** Every way to cut `bytes` in two. */
export function everySplit(bytes: Uint8Array): Uint8Array[][] {
  const out: Uint8Array[][] = [];
  for (let i = 0; i <= bytes.length; i++) out.push(cut(bytes, [i]));
  return out;
}

/** `bytes` one byte per chunk. */
export function byteByByte(bytes: Uint8Array): Uint8Array[] {
  return Array.from(bytes, (_byte, i) => bytes.subarray(i, i + 1));
}

/** Feeds `chunks` to a decoder and returns everything it produced, `end()` included. */
export function decodeAll<T>(
  decoder: { push(bytes: Uint8Array): T[]; end(): T[] },
  chunks: readonly Uint8Array[],
): T[] {
  const out: T[] = [];
  for (const chunk of chunks) out.push(...decoder.push(chunk));
  out.push(...decoder.end());
  return out;
}

/** An async iterable over `chunks` that records whether it was returned early. */
export function trackedSource(chunks: readonly Uint8Array[]): {
  source: AsyncIterable<Uint8Array>;
  state: { pulled: number; returned: boolean };
} {
  const state = { pulled: 0, returned: false };
  const source: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]() {
      let i = 0;
      return {
        async next() {
          if (i >= chunks.length) return { done: true, value: undefined };
          state.pulled++;
          return { done: false, value: chunks[i++]! };
        },
        async return() {
          state.returned = true;
          return { done: true, value: undefined };
        },
      };
    },
  };
  return { source, state };
}
