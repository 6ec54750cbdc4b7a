import type { ToolCall } from "../types/tool-call.js";
import type { Usage } from "../types/usage.js";
import { redact, redactCause } from "./redact.js";

/** What a stream had yielded before it failed. */
export interface PartialOutput {
  /** The concatenated content yielded so far. */
  content: string;
  /** The concatenated thinking yielded so far. */
  thinking: string;
  /** The tool calls yielded so far. */
  toolCalls: ToolCall[];
}

/** Stable machine-readable error codes. */
export type AdapterErrorCode =
  | "unavailable"
  | "model_loading_timeout"
  | "stream_timeout"
  | "protocol_error"
  | "http_error"
  | "authentication"
  | "model_not_found"
  | "rate_limit"
  | "context_length_exceeded"
  | "invalid_request"
  | "server_error"
  | "provider_error"
  | "aborted"
  | "all_adapters_failed";

/** Options shared by every {@link AdapterError} constructor. */
export interface AdapterErrorOptions {
  /** The adapter's provider name. */
  provider: string;
  /** The model the request was for. */
  model?: string;
  /** The underlying error (a socket error, a JSON parse error, ...). */
  cause?: unknown;
  /** What the stream had yielded before the failure. */
  partial?: PartialOutput;
  /** Credential values to strip from the message (API keys the adapter knows). */
  secrets?: readonly string[];
}

const BRAND = Symbol.for("@x/core/AdapterError");

/**
 * Marks `target` with a `Symbol.for` brand. Non-enumerable, so it stays out of `util.inspect`,
 * object spread and `JSON.stringify`. Exported so adapter packages brand their own error
 * subclasses the same way (see `hasBrand`).
 */
export function brand(target: object, symbol: symbol): void {
  Object.defineProperty(target, symbol, { value: true });
}

/** True when `value` carries the `Symbol.for` brand `symbol` (survives duplicate installs). */
export function hasBrand(value: unknown, symbol: symbol): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<symbol, unknown>)[symbol] === true
  );
}

/**
 * Base class of every error an adapter, the orchestrator or a helper throws.
 *
 * Identity survives two copies of `@x/core` in one process: use the static `isInstance()` of any
 * class instead of `instanceof`. Messages, stacks and `toJSON()` never contain API keys or
 * Authorization headers.
 */
export class AdapterError extends Error {
  /** The provider whose request failed. */
  readonly provider: string;
  /** The model the request was for, when known. */
  readonly model: string | undefined;
  /** Stable machine-readable code. */
  readonly code: AdapterErrorCode;
  /** Whether the same request may succeed if tried again later (drives retries and fallback). */
  readonly retryable: boolean;
  /** What the stream had yielded before it failed, when it failed mid-stream. */
  readonly partial: PartialOutput | undefined;

  constructor(
    message: string,
    options: AdapterErrorOptions & { code: AdapterErrorCode; retryable: boolean },
  ) {
    super(
      redact(message, options.secrets),
      options.cause === undefined
        ? undefined
        : { cause: redactCause(options.cause, options.secrets) },
    );
    this.name = "AdapterError";
    brand(this, BRAND);
    this.provider = options.provider;
    this.model = options.model;
    this.code = options.code;
    this.retryable = options.retryable;
    this.partial = options.partial;
  }

  /** True when `error` is an `AdapterError` from any copy of `@x/core`. */
  static isInstance(error: unknown): error is AdapterError {
    return hasBrand(error, BRAND);
  }

  /** A JSON-safe summary (no cause objects, no headers, no secrets). */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {
      name: this.name,
      message: this.message,
      code: this.code,
      provider: this.provider,
      retryable: this.retryable,
    };
    if (this.model !== undefined) out.model = this.model;
    return out;
  }
}

const UNAVAILABLE = Symbol.for("@x/core/UnavailableError");
/** The server could not be reached: connection refused, DNS failure, reset before a response. Retryable. */
export class UnavailableError extends AdapterError {
  constructor(message: string, options: AdapterErrorOptions) {
    super(message, { ...options, code: "unavailable", retryable: true });
    this.name = "UnavailableError";
    brand(this, UNAVAILABLE);
  }
  static override isInstance(error: unknown): error is UnavailableError {
    return hasBrand(error, UNAVAILABLE);
  }
}

const LOADING = Symbol.for("@x/core/ModelLoadingTimeoutError");
/** No content, thinking or tool-call chunk within `firstChunkMs` (typically a cold model loading, or a stalled server that sent headers). Retryable. */
export class ModelLoadingTimeoutError extends AdapterError {
  /** The limit that was exceeded, in milliseconds. */
  readonly timeoutMs: number;
  constructor(message: string, options: AdapterErrorOptions & { timeoutMs: number }) {
    super(message, { ...options, code: "model_loading_timeout", retryable: true });
    this.name = "ModelLoadingTimeoutError";
    brand(this, LOADING);
    this.timeoutMs = options.timeoutMs;
  }
  static override isInstance(error: unknown): error is ModelLoadingTimeoutError {
    return hasBrand(error, LOADING);
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), timeoutMs: this.timeoutMs };
  }
}

const STREAM_TIMEOUT = Symbol.for("@x/core/StreamTimeoutError");
/** The stream went silent for longer than `idleMs`, or ran past `totalMs`. Retryable. */
export class StreamTimeoutError extends AdapterError {
  /** The limit that was exceeded, in milliseconds. */
  readonly timeoutMs: number;
  /** Which limit: silence between chunks (`idle`) or the whole stream (`total`). */
  readonly phase: "idle" | "total";
  constructor(
    message: string,
    options: AdapterErrorOptions & { timeoutMs: number; phase: "idle" | "total" },
  ) {
    super(message, { ...options, code: "stream_timeout", retryable: true });
    this.name = "StreamTimeoutError";
    brand(this, STREAM_TIMEOUT);
    this.timeoutMs = options.timeoutMs;
    this.phase = options.phase;
  }
  static override isInstance(error: unknown): error is StreamTimeoutError {
    return hasBrand(error, STREAM_TIMEOUT);
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), timeoutMs: this.timeoutMs, phase: this.phase };
  }
}

/** What kind of protocol violation a {@link ProtocolError} reports. */
export type ProtocolErrorReason =
  | "malformed_frame"
  | "oversize_frame"
  | "truncated"
  | "invalid_tool_arguments"
  | "unexpected_frame";

const PROTOCOL = Symbol.for("@x/core/ProtocolError");
/**
 * The server broke its wire protocol: a malformed or oversize frame, a stream that ended without
 * its terminal frame (truncated), or tool-call arguments that are not valid JSON. Not retryable.
 */
export class ProtocolError extends AdapterError {
  /** What went wrong. */
  readonly reason: ProtocolErrorReason;
  /** The start of the offending frame (at most 200 characters), when there is one. */
  readonly excerpt: string | undefined;
  /** Byte/character offset of the offending frame in the body, when known. */
  readonly position: number | undefined;
  constructor(
    message: string,
    options: AdapterErrorOptions & {
      reason: ProtocolErrorReason;
      excerpt?: string;
      position?: number;
    },
  ) {
    super(message, { ...options, code: "protocol_error", retryable: false });
    this.name = "ProtocolError";
    brand(this, PROTOCOL);
    this.reason = options.reason;
    this.excerpt =
      options.excerpt === undefined
        ? undefined
        : // Redact before cutting, so a key straddling the cut is still recognised.
          redact(options.excerpt.slice(0, 1024), options.secrets).slice(0, 200);
    this.position = options.position;
  }
  static override isInstance(error: unknown): error is ProtocolError {
    return hasBrand(error, PROTOCOL);
  }
  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      reason: this.reason,
      excerpt: this.excerpt,
      position: this.position,
    };
  }
}

/** Options for {@link HttpError} and its subclasses. */
export interface HttpErrorOptions extends AdapterErrorOptions {
  /** The HTTP status. */
  status: number;
  /** The response body as text (secrets are redacted and at most 4096 characters kept). */
  body?: string;
  /** The provider's own error code or type, e.g. `insufficient_quota`, `exceed_context_size_error`. */
  providerCode?: string;
}

const HTTP = Symbol.for("@x/core/HttpError");
/**
 * A non-2xx answer. Subclasses name the common cases. Retryable by default for 408, 409 and 5xx;
 * `RateLimitError` (429) is retryable unless the quota is exhausted.
 */
export class HttpError extends AdapterError {
  /** The HTTP status. */
  readonly status: number;
  /** The response body as text, secrets redacted, cut to 4096 characters. */
  readonly body: string;
  /** The provider's own error code or type, when the body names one. */
  readonly providerCode: string | undefined;
  constructor(
    message: string,
    options: HttpErrorOptions & { code?: AdapterErrorCode; retryable?: boolean },
  ) {
    super(message, {
      ...options,
      code: options.code ?? "http_error",
      retryable:
        options.retryable ??
        (options.status >= 500 || options.status === 408 || options.status === 409),
    });
    this.name = "HttpError";
    brand(this, HTTP);
    this.status = options.status;
    this.body = redact((options.body ?? "").slice(0, 8192), options.secrets).slice(0, 4096);
    this.providerCode = options.providerCode;
  }
  static override isInstance(error: unknown): error is HttpError {
    return hasBrand(error, HTTP);
  }
  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      status: this.status,
      providerCode: this.providerCode,
      body: this.body,
    };
  }
}

const AUTH = Symbol.for("@x/core/AuthenticationError");
/** 401 or 403: missing, wrong or insufficient credentials. Not retryable. */
export class AuthenticationError extends HttpError {
  constructor(message: string, options: HttpErrorOptions) {
    super(message, { ...options, code: "authentication", retryable: false });
    this.name = "AuthenticationError";
    brand(this, AUTH);
  }
  static override isInstance(error: unknown): error is AuthenticationError {
    return hasBrand(error, AUTH);
  }
}

const NOT_FOUND = Symbol.for("@x/core/ModelNotFoundError");
/** 404: the model (or endpoint) does not exist on this server. Not retryable. */
export class ModelNotFoundError extends HttpError {
  constructor(message: string, options: HttpErrorOptions) {
    super(message, { ...options, code: "model_not_found", retryable: false });
    this.name = "ModelNotFoundError";
    brand(this, NOT_FOUND);
  }
  static override isInstance(error: unknown): error is ModelNotFoundError {
    return hasBrand(error, NOT_FOUND);
  }
}

const RATE_LIMIT = Symbol.for("@x/core/RateLimitError");
/**
 * 429: too many requests. Retryable after `retryAfterMs` when the server said so, except quota
 * exhaustion (`insufficient_quota`), which is not retryable.
 */
export class RateLimitError extends HttpError {
  /** How long the server asked us to wait, in milliseconds, when it said. */
  readonly retryAfterMs: number | undefined;
  constructor(
    message: string,
    options: HttpErrorOptions & { retryAfterMs?: number; retryable?: boolean },
  ) {
    super(message, { ...options, code: "rate_limit", retryable: options.retryable ?? true });
    this.name = "RateLimitError";
    brand(this, RATE_LIMIT);
    this.retryAfterMs = options.retryAfterMs;
  }
  static override isInstance(error: unknown): error is RateLimitError {
    return hasBrand(error, RATE_LIMIT);
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), retryAfterMs: this.retryAfterMs };
  }
}

const CONTEXT = Symbol.for("@x/core/ContextLengthError");
/** The prompt (plus requested output) exceeds the model's context window. Not retryable. */
export class ContextLengthError extends HttpError {
  constructor(message: string, options: HttpErrorOptions) {
    super(message, { ...options, code: "context_length_exceeded", retryable: false });
    this.name = "ContextLengthError";
    brand(this, CONTEXT);
  }
  static override isInstance(error: unknown): error is ContextLengthError {
    return hasBrand(error, CONTEXT);
  }
}

const INVALID = Symbol.for("@x/core/InvalidRequestError");
/**
 * 400 (and other 4xx without a more specific class): the request itself is wrong. Also thrown by
 * adapters before sending when the input cannot be expressed on the wire. Not retryable.
 */
export class InvalidRequestError extends HttpError {
  constructor(message: string, options: HttpErrorOptions) {
    super(message, { ...options, code: "invalid_request", retryable: false });
    this.name = "InvalidRequestError";
    brand(this, INVALID);
  }
  static override isInstance(error: unknown): error is InvalidRequestError {
    return hasBrand(error, INVALID);
  }
}

const SERVER = Symbol.for("@x/core/ServerError");
/** 5xx: the server failed (overloaded, crashed, gateway error). Retryable. */
export class ServerError extends HttpError {
  constructor(message: string, options: HttpErrorOptions) {
    super(message, { ...options, code: "server_error", retryable: true });
    this.name = "ServerError";
    brand(this, SERVER);
  }
  static override isInstance(error: unknown): error is ServerError {
    return hasBrand(error, SERVER);
  }
}

const PROVIDER = Symbol.for("@x/core/ProviderError");
/** An error object inside a 200 stream (the provider failed after it started answering). Retryable by default. */
export class ProviderError extends AdapterError {
  /** The provider's own error code or type, when given. */
  readonly providerCode: string | undefined;
  constructor(
    message: string,
    options: AdapterErrorOptions & { providerCode?: string; retryable?: boolean },
  ) {
    super(message, { ...options, code: "provider_error", retryable: options.retryable ?? true });
    this.name = "ProviderError";
    brand(this, PROVIDER);
    this.providerCode = options.providerCode;
  }
  static override isInstance(error: unknown): error is ProviderError {
    return hasBrand(error, PROVIDER);
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), providerCode: this.providerCode };
  }
}

const ABORTED = Symbol.for("@x/core/AbortedError");
/** The caller's signal fired. Not retryable, and never a reason to fall back or to trip a breaker. */
export class AbortedError extends AdapterError {
  /**
   * Token counts known when the caller aborted (a fallback chain sums what its attempts
   * reported), so a cancelled request's cost is not lost. Absent when nothing was reported.
   */
  readonly usage: Usage | undefined;
  constructor(message: string, options: AdapterErrorOptions & { usage?: Usage }) {
    super(message, { ...options, code: "aborted", retryable: false });
    this.name = "AbortedError";
    brand(this, ABORTED);
    this.usage = options.usage;
  }
  static override isInstance(error: unknown): error is AbortedError {
    return hasBrand(error, ABORTED);
  }
}
