import {
  type AdapterErrorOptions,
  ProtocolError,
  type ProtocolErrorReason,
  UnavailableError,
} from "@x/core";
import { brand, hasBrand } from "@x/core/http";

const UNAVAILABLE = Symbol.for("@x/anthropic/AnthropicUnavailableError");
const PROTOCOL = Symbol.for("@x/anthropic/AnthropicProtocolError");

/**
 * The server could not be reached: connection refused, DNS failure, or the connection was reset
 * before response headers arrived. Retryable. Also an `UnavailableError`.
 */
export class AnthropicUnavailableError extends UnavailableError {
  constructor(message: string, options: AdapterErrorOptions) {
    super(message, options);
    brand(this, UNAVAILABLE);
    this.name = "AnthropicUnavailableError";
  }
  /** True when `error` was thrown as `AnthropicUnavailableError` by any copy of `@x/anthropic`. */
  static override isInstance(error: unknown): error is AnthropicUnavailableError {
    return hasBrand(error, UNAVAILABLE);
  }
}

/** Options for {@link AnthropicProtocolError}. */
export interface AnthropicProtocolErrorOptions extends AdapterErrorOptions {
  /** What went wrong. */
  reason: ProtocolErrorReason;
  /** The start of the offending frame. */
  excerpt?: string;
  /** Character offset of the offending frame in the decoded body. */
  position?: number;
}

/**
 * The server broke the protocol: a frame that is not JSON or has the wrong shape
 * (`malformed_frame`), a frame or model list over its limit (`oversize_frame`), a stream that
 * ended without `message_stop` (`truncated`), or tool-call arguments that are not a JSON object
 * in an answer that did not end at the token limit (`invalid_tool_arguments`). Not retryable.
 * Also a `ProtocolError`.
 */
export class AnthropicProtocolError extends ProtocolError {
  constructor(message: string, options: AnthropicProtocolErrorOptions) {
    super(message, options);
    brand(this, PROTOCOL);
    this.name = "AnthropicProtocolError";
  }
  /** True when `error` was thrown as `AnthropicProtocolError` by any copy of `@x/anthropic`. */
  static override isInstance(error: unknown): error is AnthropicProtocolError {
    return hasBrand(error, PROTOCOL);
  }
}
