import {
  AuthenticationError,
  ContextLengthError,
  HttpError,
  InvalidRequestError,
  ModelNotFoundError,
  RateLimitError,
  ServerError,
} from "./errors.js";
import { type HeadersLike, parseRetryAfter } from "./retry-after.js";

/** Input for {@link createHttpError}. */
export interface CreateHttpErrorInput {
  /** The adapter's provider name. */
  provider: string;
  /** The model the request was for. */
  model?: string;
  /** The HTTP status (non-2xx). */
  status: number;
  /** The response headers (for Retry-After). */
  headers?: HeadersLike;
  /** The response body as text. */
  body?: string;
  /** Credential values to redact from message and body. */
  secrets?: readonly string[];
  /** Overrides the message extracted from the body. */
  message?: string;
  /** The underlying error, if any. */
  cause?: unknown;
}

/** The message and provider code found in an error body. */
export interface ParsedErrorBody {
  /** Human-readable message, when the body has one. */
  message?: string;
  /** The provider's error code or type (a string), when the body has one. */
  providerCode?: string;
}

const CONTEXT_CODES = new Set([
  "context_length_exceeded",
  "exceed_context_size_error",
  "context_window_exceeded",
  "string_above_max_length",
]);
const QUOTA_CODES = new Set(["insufficient_quota", "credit_balance_exhausted"]);
const CONTEXT_MESSAGE =
  /context length|context window|maximum context|context size|exceeds? the available context|too many tokens|exceeds? (?:the )?context limit|prompt is too long|input is too long/i;

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * Extracts message and code from the error bodies servers send: OpenAI's
 * `{"error":{"message","type","code"}}`, llama.cpp's integer `code` with a string `type`,
 * Ollama's `{"error":"..."}`, older vLLM's flat `{"object":"error","message","type"}`, and
 * FastAPI's `{"detail": ...}`. Plain text bodies become the message.
 */
export function parseErrorBody(body: string | undefined): ParsedErrorBody {
  if (!body) return {};
  const trimmed = body.trim();
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch {
    return { message: trimmed.slice(0, 500) || undefined };
  }
  if (typeof json !== "object" || json === null) return { message: trimmed.slice(0, 500) };
  const record = json as Record<string, unknown>;
  const error = record.error;
  if (typeof error === "string") {
    return { message: str(error) ?? str(record.message), providerCode: str(record.code) };
  }
  if (typeof error === "object" && error !== null) {
    const e = error as Record<string, unknown>;
    return {
      message: str(e.message) ?? str(record.message),
      providerCode: str(e.code) ?? str(e.type) ?? str(record.code),
    };
  }
  const detail = record.detail;
  const detailMessage =
    str(detail) ?? (Array.isArray(detail) ? JSON.stringify(detail).slice(0, 500) : undefined);
  return {
    message: str(record.message) ?? detailMessage ?? trimmed.slice(0, 500),
    providerCode: str(record.code) ?? str(record.type),
  };
}

/**
 * Builds the right {@link HttpError} subclass for a non-2xx answer, so every adapter maps
 * statuses the same way: 401/403 → `AuthenticationError`, 404 → `ModelNotFoundError`, 429 →
 * `RateLimitError` (with `retryAfterMs`; `insufficient_quota` / `credit_balance_exhausted` are not
 * retryable), 400/413/422 that name the context window → `ContextLengthError`, 408/409 → a plain
 * retryable `HttpError`, other 4xx → `InvalidRequestError`, 5xx → `ServerError`. Secrets are
 * redacted from message and body.
 */
export function createHttpError(input: CreateHttpErrorInput): HttpError {
  const parsed = parseErrorBody(input.body);
  const { status } = input;
  const detail = input.message ?? parsed.message ?? `HTTP ${status}`;
  const message = `${input.provider} ${status}: ${detail}`;
  const options = {
    provider: input.provider,
    model: input.model,
    status,
    body: input.body,
    providerCode: parsed.providerCode,
    secrets: input.secrets,
    cause: input.cause,
  };
  if (status === 401 || status === 403) return new AuthenticationError(message, options);
  if (status === 404) return new ModelNotFoundError(message, options);
  if (status === 429) {
    // Billing exhaustion shares 429 with rate limits but will not pass by waiting.
    const quota = parsed.providerCode !== undefined && QUOTA_CODES.has(parsed.providerCode);
    return new RateLimitError(message, {
      ...options,
      retryable: !quota,
      retryAfterMs: parseRetryAfter(input.headers),
    });
  }
  if (
    (status === 400 || status === 413 || status === 422) &&
    ((parsed.providerCode !== undefined && CONTEXT_CODES.has(parsed.providerCode)) ||
      CONTEXT_MESSAGE.test(detail))
  ) {
    return new ContextLengthError(message, options);
  }
  if (status >= 500) return new ServerError(message, options);
  // 408 (request timeout) and 409 (conflict, e.g. a lock) may pass on retry: plain HttpError.
  if (status >= 400 && status !== 408 && status !== 409) {
    return new InvalidRequestError(message, options);
  }
  return new HttpError(message, options);
}
