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

/** Patterns of well-known credential formats, redacted wherever they appear in error text. */
const SECRET_PATTERNS: RegExp[] = [
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/gi,
  /\bsk-[A-Za-z0-9_-]{8,}/g,
  /\bgsk_[A-Za-z0-9]{8,}/g,
  /\bsk-or-[A-Za-z0-9-]{8,}/g,
];

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
