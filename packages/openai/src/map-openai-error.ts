import { AdapterError, type AdapterErrorOptions } from "@x/core";
import type { StreamDeadline } from "@x/core/http";
import { OpenAIProtocolError, OpenAIUnavailableError } from "./openai-errors.js";

/**
 * Maps a failure of undici `request()` (before response headers): a fired deadline or caller
 * abort becomes its own error (the undici error as `cause`); anything else means the server
 * could not be reached. `target` is the URL without credentials or query.
 */
export function mapRequestError(
  cause: unknown,
  deadline: StreamDeadline,
  options: AdapterErrorOptions,
  target: string,
): AdapterError {
  if (deadline.reason !== undefined) return deadline.error({ ...options, cause });
  return new OpenAIUnavailableError(
    `${options.provider}: cannot reach ${target}: ${describe(cause)}`,
    { ...options, cause },
  );
}

/**
 * Maps a failure while reading a 200 body: a fired deadline or caller abort becomes its own
 * error; an error of ours (in-stream error, malformed or oversize frame) stays as it is; a
 * socket that closes or resets mid-answer is a truncated stream.
 */
export function mapBodyError(
  cause: unknown,
  deadline: StreamDeadline,
  options: AdapterErrorOptions,
): AdapterError {
  if (deadline.reason !== undefined) return deadline.error({ ...options, cause });
  if (AdapterError.isInstance(cause)) return cause;
  return new OpenAIProtocolError(
    `${options.provider}: stream broke off mid-answer: ${describe(cause)}`,
    { ...options, cause, reason: "truncated" },
  );
}

/** undici's message plus its error code and the socket error's code (`ECONNREFUSED`, ...). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const inner = error.cause;
  const innerCode =
    inner instanceof Error ? ((inner as { code?: unknown }).code ?? inner.message) : undefined;
  const parts = [error.message];
  if (typeof code === "string") parts.push(code);
  if (typeof innerCode === "string" && innerCode !== code) parts.push(innerCode);
  return parts.join(" ");
}
