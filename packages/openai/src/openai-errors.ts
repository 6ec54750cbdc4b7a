import {
  type AdapterErrorOptions,
  ProtocolError,
  type ProtocolErrorReason,
  UnavailableError,
} from "@x/core";
import { brand, hasBrand } from "@x/core/http";

const OPENAI_UNAVAILABLE = Symbol.for("@x/openai/OpenAIUnavailableError");

/**
 * The OpenAI-compatible server could not be reached (connection refused, DNS failure, reset before
 * a response). Extends `UnavailableError`; retryable.
 */
export class OpenAIUnavailableError extends UnavailableError {
  constructor(message: string, options: AdapterErrorOptions) {
    super(message, options);
    brand(this, OPENAI_UNAVAILABLE);
    this.name = "OpenAIUnavailableError";
  }
  /** True when `error` is an `OpenAIUnavailableError` from any copy of `@x/openai`. */
  static override isInstance(error: unknown): error is OpenAIUnavailableError {
    return hasBrand(error, OPENAI_UNAVAILABLE);
  }
}

const OPENAI_PROTOCOL = Symbol.for("@x/openai/OpenAIProtocolError");

/**
 * The server broke the Chat Completions SSE protocol: malformed JSON in an event, an oversize
 * event, a stream that ended with neither a `finish_reason` nor `data: [DONE]`, or tool-call
 * arguments that are not JSON. Extends `ProtocolError`; not retryable.
 */
export class OpenAIProtocolError extends ProtocolError {
  constructor(
    message: string,
    options: AdapterErrorOptions & {
      reason: ProtocolErrorReason;
      excerpt?: string;
      position?: number;
    },
  ) {
    super(message, options);
    brand(this, OPENAI_PROTOCOL);
    this.name = "OpenAIProtocolError";
  }
  /** True when `error` is an `OpenAIProtocolError` from any copy of `@x/openai`. */
  static override isInstance(error: unknown): error is OpenAIProtocolError {
    return hasBrand(error, OPENAI_PROTOCOL);
  }
}
