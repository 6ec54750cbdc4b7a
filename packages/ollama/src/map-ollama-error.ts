import { AdapterError, type AdapterErrorOptions, type PartialOutput } from "@x/core";
import type { StreamDeadline } from "@x/core/http";
import { OllamaProtocolError, OllamaUnavailableError } from "./ollama-errors.js";

/** Who failed, and what no error may show. @internal */
export interface ErrorContext {
  provider: string;
  model: string;
  /** Header values, baseUrl userinfo and key-like query values (see `collectSecrets`). */
  secrets: readonly string[];
}

/**
 * Turns whatever a request or a body read threw into the adapter's typed error:
 * - already an `AdapterError` → unchanged;
 * - the deadline fired (caller abort, firstChunkMs, idleMs, totalMs) → the deadline's error,
 *   with undici's error as its `cause`;
 * - before response headers (refused, DNS, reset) → `OllamaUnavailableError`;
 * - after headers (socket reset mid-body) → `OllamaProtocolError` (`truncated`).
 * @internal
 */
export function mapOllamaError(
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
    return new OllamaUnavailableError(
      `${context.provider}: cannot reach the server (${detail})`,
      options,
    );
  }
  return new OllamaProtocolError(
    `${context.provider}: the connection failed before the done frame (${detail})`,
    { ...options, reason: "truncated" },
  );
}

function describe(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === "string" ? `${code}: ${cause.message}` : cause.message;
  }
  return String(cause);
}
