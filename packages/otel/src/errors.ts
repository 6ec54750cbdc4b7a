import { type Span, SpanStatusCode } from "@opentelemetry/api";
import { AbortedError } from "@x/core";
import { redact } from "@x/core/http";
import { ATTR_ERROR_TYPE } from "./semconv.js";

/** Longest error message put on a span (status description, exception event). */
const MAX_MESSAGE_LENGTH = 1000;

/** True for a caller's cancel: `AbortedError` (code `"aborted"`) or a DOM `AbortError`. */
export function isAbort(error: unknown): boolean {
  if (AbortedError.isInstance(error)) return true;
  if (typeof error !== "object" || error === null) return false;
  const { code, name } = error as { code?: unknown; name?: unknown };
  return code === "aborted" || name === "AbortError";
}

/**
 * A low-cardinality `error.type`: the error's class name (`UnavailableError`,
 * `AllAdaptersFailedError`, ...); for a plain `Error` its string `code` (`ECONNREFUSED`);
 * `_OTHER` for anything else.
 */
export function errorType(error: unknown): string {
  if (typeof error !== "object" || error === null) return "_OTHER";
  const { name, code } = error as { name?: unknown; code?: unknown };
  if (typeof name === "string" && name !== "" && name !== "Error") return name;
  if (typeof code === "string" && code !== "") return code;
  return typeof name === "string" && name !== "" ? name : "_OTHER";
}

/** `text` without credentials (see `redact`), cut to a bounded length. */
export function safeText(text: string, secrets: readonly string[]): string {
  const clean = redact(text, secrets);
  return clean.length > MAX_MESSAGE_LENGTH ? `${clean.slice(0, MAX_MESSAGE_LENGTH)}…` : clean;
}

/** The message of `error`, redacted; `String(error)` for a non-error value. */
export function safeMessage(error: unknown, secrets: readonly string[]): string {
  const message = error instanceof Error ? error.message : String(error);
  return safeText(message, secrets);
}

/**
 * Marks `span` failed with `error`: `error.type`, status ERROR with the redacted message, and an
 * `exception` event whose message and stack are redacted too (a third-party adapter may put a key
 * in a message; ours never do).
 */
export function recordError(span: Span, error: unknown, secrets: readonly string[]): void {
  const type = errorType(error);
  const message = safeMessage(error, secrets);
  span.setAttribute(ATTR_ERROR_TYPE, type);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
  const stack = error instanceof Error && typeof error.stack === "string" ? error.stack : undefined;
  span.recordException({
    name: error instanceof Error ? error.name : type,
    message,
    ...(stack === undefined ? {} : { stack: redact(stack, secrets) }),
  });
}
