import { AdapterError, type AdapterErrorOptions, type PartialOutput } from "@x/core";
import type { StreamDeadline } from "@x/core/http";
import { AnthropicProtocolError, AnthropicUnavailableError } from "./anthropic-errors.js";

/** Who failed, and what no error may show. @internal */
export interface ErrorContext {
  provider: string;
  /** The configured model (errors name the model the request was for). */
  model: string;
  /** The API key, header values and baseUrl credentials (see `collectSecrets`). */
  secrets: readonly string[];
}

/**
 * Turns whatever a request or a body read threw into the adapter's typed error:
 * - already an `AdapterError` → unchanged;
 * - the deadline fired (caller abort, firstChunkMs, idleMs, totalMs) → the deadline's error,
 *   with undici's error as its `cause`;
 * - before response headers (refused, DNS, reset) → `AnthropicUnavailableError`;
 * - after headers (socket reset mid-body) → `AnthropicProtocolError` (`truncated`).
 * @internal
 */
export function mapAnthropicError(
  cause: unknown,
  deadline: StreamDeadline,
  context: ErrorContext,
  afterHeaders: boolean,
  partial?: PartialOutput,
): AdapterError {
  if (AdapterError.isInstance(cause)) return cause;
  const options: AdapterErrorOptions = { ...context, cause, partial };
  if (deadline.reason !== undefined) return deadline.error(options);
  const detail = describe(cause);
  if (!afterHeaders) {
    return new AnthropicUnavailableError(
      `${context.provider}: cannot reach the server (${detail})`,
      options,
    );
  }
  return new AnthropicProtocolError(
    `${context.provider}: the connection failed before message_stop (${detail})`,
    { ...options, reason: "truncated" },
  );
}

/** The error's code and message; never the URL (it may hold credentials). */
function describe(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === "string" ? `${code}: ${cause.message}` : cause.message;
  }
  return String(cause);
}
