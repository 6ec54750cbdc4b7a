import type { Attributes } from "@opentelemetry/api";
import { ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT } from "./semconv.js";

/** `server.address` and `server.port` of an adapter. */
export interface ServerAddress {
  /** Host name or IP address, never userinfo, path or query. */
  address: string;
  /** The explicit port, or the scheme's default (443, 80). */
  port: number | undefined;
}

const DEFAULT_PORTS: Record<string, number> = { "https:": 443, "http:": 80 };

/**
 * Reads the adapter's `baseUrl` property, when it has one (ours do; third parties may), and keeps
 * only the host and port: credentials in the URL (userinfo, key-like query values) never reach a
 * span. Undefined when there is no `baseUrl` or it does not parse.
 */
export function serverAddressOf(adapter: object): ServerAddress | undefined {
  const baseUrl: unknown = (adapter as { baseUrl?: unknown }).baseUrl;
  if (typeof baseUrl !== "string" && !(baseUrl instanceof URL)) return undefined;
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return undefined;
  }
  if (url.hostname === "") return undefined;
  // IPv6 literals come bracketed from URL; the conventions want the bare address.
  const address = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = url.port !== "" ? Number(url.port) : DEFAULT_PORTS[url.protocol];
  return { address, port };
}

/** Adds `server.address` and `server.port` (when known) to `attributes`. */
export function addServerAttributes(
  attributes: Attributes,
  server: ServerAddress | undefined,
): void {
  if (server === undefined) return;
  attributes[ATTR_SERVER_ADDRESS] = server.address;
  if (server.port !== undefined) attributes[ATTR_SERVER_PORT] = server.port;
}
