/** Cap for error bodies: enough for any provider's error JSON, small enough to log. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

/**
 * Cap for success bodies read whole (model lists, non-streaming answers). OpenRouter's model
 * list is about 360 KB; 32 MiB leaves room for any real list and still bounds a runaway body.
 */
export const MAX_SUCCESS_BODY_BYTES = 32 * 1024 * 1024;

/** A response body as undici's `request()` returns it (any async iterable of bytes works). */
export interface BodyLike extends AsyncIterable<Uint8Array> {
  /** Stops reading and frees the socket (undici's `BodyReadable.destroy()`). */
  destroy?(error?: Error): unknown;
}

/** What {@link readBody} read. */
export interface BodyText {
  /** The body as text (UTF-8, split characters decoded correctly), at most `maxBytes` of it. */
  text: string;
  /** True when the body was longer than `maxBytes`: `text` is its beginning. */
  truncated: boolean;
}

/**
 * Reads a body as UTF-8 text, at most `maxBytes` bytes. A longer body is cut there and
 * destroyed (its socket is closed rather than drained); `truncated` says so. Decodes bytes
 * itself: undici 7's `setEncoding('utf8')` corrupts characters split across reads
 * (nodejs/undici#5002).
 *
 * Error bodies: `readBody(body, MAX_ERROR_BODY_BYTES)` and use the beginning. Success bodies:
 * `readBody(body, MAX_SUCCESS_BODY_BYTES)` and treat `truncated` as a protocol error.
 */
export async function readBody(body: BodyLike, maxBytes: number): Promise<BodyText> {
  const decoder = new TextDecoder();
  let text = "";
  let size = 0;
  let truncated = false;
  try {
    for await (const bytes of body) {
      const room = maxBytes - size;
      if (bytes.byteLength > room) {
        text += decoder.decode(bytes.subarray(0, room), { stream: true });
        truncated = true;
        break;
      }
      size += bytes.byteLength;
      text += decoder.decode(bytes, { stream: true });
    }
  } finally {
    // `break` out of `for await` destroys a Node stream; other iterables may need telling.
    if (truncated) body.destroy?.();
  }
  return { text: text + decoder.decode(), truncated };
}
