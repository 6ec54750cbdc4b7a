const REDACTED = "[REDACTED]";

/** Header names whose values are credentials. Compared case-insensitively. */
const SECRET_HEADERS = new Set([
  "authorization",
  "proxy-authorization",
  "api-key",
  "x-api-key",
  "openai-api-key",
  "cookie",
  "set-cookie",
  "x-goog-api-key",
]);

/**
 * Patterns of well-known credential formats, redacted wherever they appear in error text:
 * Authorization values, OpenAI-style keys (`sk-...`, `sk-proj-...`, OpenRouter's `sk-or-...`) and
 * Groq keys (`gsk_...`).
 */
const SECRET_PATTERNS: RegExp[] = [
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/gi,
  // A key glued to the text before it (`...\nsk-...` in an escaped JSON body) is still a key
  // when it is long; a short `sk-` run needs a boundary, so `risk-free` stays as it is.
  /(?<![A-Za-z0-9])sk-[A-Za-z0-9_-]{8,}|sk-[A-Za-z0-9_-]{20,}/g,
  /(?<![A-Za-z0-9])gsk_[A-Za-z0-9]{8,}|gsk_[A-Za-z0-9]{20,}/g,
  // Anthropic keys (`sk-ant-...`) are covered above; Google keys:
  /\bAIza[A-Za-z0-9_-]{30,}/g,
];

/** Userinfo in any URL (`https://user:pass@host`), whatever the values look like. */
const URL_USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)[^/?#@\s"']+@/gi;
/** Query values named like credentials (`?api_key=`, `&token=`, ...). */
const SECRET_QUERY_VALUE =
  /([?&](?:api[-_]?key|key|token|access[-_]?token|auth|secret|password|sig|signature)=)[^&#\s"']+/gi;

/**
 * Removes credentials from `text`: every literal in `secrets` (API keys the adapter knows) and
 * anything shaped like a bearer token or a well-known API key.
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4 && out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  for (const pattern of SECRET_PATTERNS) {
    pattern.lastIndex = 0;
    if (pattern.test(out)) {
      pattern.lastIndex = 0;
      out = out.replace(pattern, REDACTED);
    }
  }
  if (out.includes("@")) out = out.replace(URL_USERINFO, `$1${REDACTED}@`);
  if (out.includes("=")) out = out.replace(SECRET_QUERY_VALUE, `$1${REDACTED}`);
  return out;
}

/**
 * The secret values among `headers` (Authorization, api-key, cookies, ...), for passing to
 * {@link redact}. Bearer/Basic prefixes are stripped so the bare token is matched too.
 */
export function secretsFromHeaders(
  headers: Record<string, string | undefined> | undefined,
): string[] {
  if (!headers) return [];
  const out: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (!value || !SECRET_HEADERS.has(name.toLowerCase())) continue;
    out.push(value);
    const space = value.indexOf(" ");
    if (space > 0) out.push(value.slice(space + 1));
  }
  return out;
}

/** How deep {@link redactCause} follows a `cause` chain. */
const MAX_CAUSE_DEPTH = 8;

/**
 * Returns `cause` itself when neither it nor its own `cause` chain holds a secret, else a copy
 * (same prototype, same own properties) whose strings are redacted. Strings are redacted; other
 * values are returned as they are. Only error paths call this.
 * @internal
 */
export function redactCause(
  cause: unknown,
  secrets: readonly string[] | undefined,
  depth = 0,
): unknown {
  if (typeof cause === "string") return redact(cause, secrets);
  if (!(cause instanceof Error) || depth >= MAX_CAUSE_DEPTH) return cause;
  const keys = Reflect.ownKeys(cause);
  const descriptors: [string | symbol, PropertyDescriptor][] = [];
  let changed = false;
  for (const key of keys) {
    const descriptor = Object.getOwnPropertyDescriptor(cause, key);
    if (!descriptor) continue;
    if ("value" in descriptor) {
      const value: unknown = descriptor.value;
      const next =
        key === "cause"
          ? redactCause(value, secrets, depth + 1)
          : typeof value === "string"
            ? redact(value, secrets)
            : value;
      if (next !== value) {
        changed = true;
        descriptor.value = next;
      }
    }
    descriptors.push([key, descriptor]);
  }
  if (!changed) return cause;
  const copy = Object.create(Object.getPrototypeOf(cause)) as Error;
  for (const [key, descriptor] of descriptors) Object.defineProperty(copy, key, descriptor);
  return copy;
}
