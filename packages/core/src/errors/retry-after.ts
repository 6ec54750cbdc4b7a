/** Response headers as undici (`IncomingHttpHeaders`), fetch (`Headers`) or a plain object give them. */
export type HeadersLike =
  | Headers
  | Record<string, string | string[] | undefined>
  | Iterable<[string, string]>;

/** Reads one header case-insensitively from any {@link HeadersLike}. */
export function getHeader(headers: HeadersLike | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const lower = name.toLowerCase();
  // Fetch `Headers` (any implementation) read case-insensitively through `get`. A `Map` also has
  // `get`, but a case-sensitive one, so it is iterated like any other entry list.
  if (!(headers instanceof Map) && typeof (headers as Headers).get === "function") {
    return (headers as Headers).get(name) ?? undefined;
  }
  if (Symbol.iterator in headers) {
    for (const [key, value] of headers as Iterable<[string, string]>) {
      if (key.toLowerCase() === lower) return value;
    }
    return undefined;
  }
  const record = headers as Record<string, string | string[] | undefined>;
  for (const key of Object.keys(record)) {
    if (key.toLowerCase() === lower) {
      const value = record[key];
      return Array.isArray(value) ? value[0] : value;
    }
  }
  return undefined;
}

/**
 * How long the server asked us to wait, in milliseconds, or `undefined` when it did not say.
 *
 * Reads `retry-after-ms` (OpenAI, Azure: milliseconds, may be fractional) first, then
 * `retry-after` as delay-seconds (may be fractional) or as an HTTP-date (relative to `now`,
 * never negative).
 */
export function parseRetryAfter(
  headers: HeadersLike | undefined,
  now: number = Date.now(),
): number | undefined {
  const ms = getHeader(headers, "retry-after-ms");
  if (ms !== undefined && ms.trim() !== "") {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return Math.ceil(value);
  }
  const retryAfter = getHeader(headers, "retry-after")?.trim();
  if (!retryAfter) return undefined;
  if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.ceil(Number(retryAfter) * 1000);
  // An HTTP-date always names a month and has a time of day. `Date.parse` alone is too lenient:
  // it reads "-5" or "abc 1" as dates in 2001.
  if (!/[a-z]/i.test(retryAfter) || !retryAfter.includes(":")) return undefined;
  const date = Date.parse(retryAfter);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
