import { secretsFromHeaders } from "../errors/redact.js";

/** Query parameter names whose values are credentials (compared case-insensitively). */
const SECRET_QUERY =
  /^(api[-_]?key|key|token|access[-_]?token|auth|secret|password|sig|signature)$/i;

/** A `baseUrl` checked and split into what is sent and what must never be shown. */
export interface ResolvedBaseUrl {
  /** The URL without userinfo and without a trailing slash; the query string is kept. */
  url: string;
  /** `Basic ...` built from `user:password@` in the URL, to send as `Authorization`. */
  authorization: string | undefined;
  /** The password, the user name, the Basic token and credential-like query values. */
  secrets: string[];
}

/**
 * Validates `baseUrl` (http or https) and takes its credentials out: `user:password@` becomes
 * an `Authorization: Basic` header, and both it and query values named like keys
 * (`?api_key=`, `?key=`, `?token=`, ...) are returned as secrets for redaction. Throws a
 * `TypeError` that names the option, never the URL.
 *
 * @param adapter Used in the error message, e.g. `"OpenAIAdapter"`.
 */
export function resolveBaseUrl(baseUrl: string, adapter: string): ResolvedBaseUrl {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TypeError(`${adapter}: baseUrl is not a valid URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(`${adapter}: baseUrl must be an http:// or https:// URL`);
  }
  const secrets: string[] = [];
  let authorization: string | undefined;
  if (url.username !== "" || url.password !== "") {
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    const token = Buffer.from(`${user}:${password}`).toString("base64");
    authorization = `Basic ${token}`;
    secrets.push(token, url.username, url.password, user, password);
    url.username = "";
    url.password = "";
  }
  for (const [name, value] of url.searchParams) {
    if (SECRET_QUERY.test(name)) secrets.push(value, encodeURIComponent(value));
  }
  const text = url.toString().replace(/\/+$/, "");
  return { url: text, authorization, secrets: [...new Set(secrets.filter((s) => s.length > 0))] };
}

/**
 * Every value an error must not show: the API key, every configured header value (a custom
 * auth header can have any name) and the secrets of the base URL.
 */
export function collectSecrets(input: {
  apiKey?: string | undefined;
  headers?: Record<string, string | undefined> | undefined;
  baseUrl?: ResolvedBaseUrl | undefined;
}): string[] {
  const out: string[] = [];
  if (input.apiKey) out.push(input.apiKey);
  for (const value of Object.values(input.headers ?? {})) {
    // Short values ("1", "json") are not credentials and would mangle messages.
    if (value !== undefined && value.length >= 8) out.push(value);
  }
  out.push(...secretsFromHeaders(input.headers));
  if (input.baseUrl) out.push(...input.baseUrl.secrets);
  return [...new Set(out)];
}

/**
 * Request headers: the adapter's defaults, then the caller's (which win, names compared
 * case-insensitively), all names lower-cased. `undefined` values are left out.
 */
export function buildHeaders(
  ...layers: (Record<string, string | undefined> | undefined)[]
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const layer of layers) {
    for (const [name, value] of Object.entries(layer ?? {})) {
      if (value !== undefined) out[name.toLowerCase()] = value;
    }
  }
  return out;
}
