import { AdapterError, HttpError, RateLimitError } from "@x/core";
import { RequestBodyError } from "../http/json-body.js";
import { GatewayRequestError } from "./parse-openai-request.js";

/** An error answer in OpenAI's envelope. */
export interface OpenAIErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: { error: { message: string; type: string; param: string | null; code: string | null } };
}

const STATUS_BY_CODE: Record<string, number> = {
  unavailable: 503,
  model_loading_timeout: 504,
  stream_timeout: 504,
  protocol_error: 502,
  provider_error: 502,
  all_adapters_failed: 502,
  aborted: 499,
};

function typeFor(status: number): string {
  if (status === 401 || status === 403) return "authentication_error";
  if (status === 404) return "not_found_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

/**
 * Maps any error to an OpenAI error answer. Upstream HTTP errors keep their status (so an
 * OpenAI client's own retry logic sees a 429 or a 503); transport failures become 502/503/504;
 * our stable `code` goes in `error.code`. Messages come from `AdapterError`, which redacts keys.
 */
export function toOpenAIError(error: unknown): OpenAIErrorAnswer {
  const headers: Record<string, string> = {};
  if (error instanceof GatewayRequestError || error instanceof RequestBodyError) {
    return {
      status: error.status,
      headers,
      body: {
        error: {
          message: error.message,
          type: "invalid_request_error",
          param: error instanceof GatewayRequestError ? error.param : null,
          code: error.code,
        },
      },
    };
  }
  if (AdapterError.isInstance(error)) {
    const status = HttpError.isInstance(error)
      ? (error as HttpError).status
      : (STATUS_BY_CODE[error.code] ?? 502);
    if (RateLimitError.isInstance(error)) {
      const retryAfterMs = (error as RateLimitError).retryAfterMs;
      if (retryAfterMs !== undefined)
        headers["retry-after"] = String(Math.ceil(retryAfterMs / 1000));
    }
    return {
      status,
      headers,
      body: {
        error: { message: error.message, type: typeFor(status), param: null, code: error.code },
      },
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    status: 500,
    headers,
    body: { error: { message, type: "server_error", param: null, code: null } },
  };
}
