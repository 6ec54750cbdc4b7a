import {
  type AdapterErrorOptions,
  ProtocolError,
  type ProtocolErrorReason,
  UnavailableError,
} from "@x/core";
import { brand, hasBrand } from "@x/core/http";

const UNAVAILABLE = Symbol.for("@x/ollama/OllamaUnavailableError");
const PROTOCOL = Symbol.for("@x/ollama/OllamaProtocolError");

/**
 * The Ollama server could not be reached: connection refused, DNS failure, or the connection was
 * reset before response headers arrived. Retryable. Also an `UnavailableError`.
 *
 * @example
 * if (OllamaUnavailableError.isInstance(error)) console.error("is `ollama serve` running?");
 */
export class OllamaUnavailableError extends UnavailableError {
  constructor(message: string, options: AdapterErrorOptions) {
    super(message, options);
    brand(this, UNAVAILABLE);
    this.name = "OllamaUnavailableError";
  }
  /** True when `error` is an `OllamaUnavailableError` from any copy of `@x/ollama`. */
  static override isInstance(error: unknown): error is OllamaUnavailableError {
    return hasBrand(error, UNAVAILABLE);
  }
}

/** Options for {@link OllamaProtocolError}. */
export interface OllamaProtocolErrorOptions extends AdapterErrorOptions {
  /** What went wrong. */
  reason: ProtocolErrorReason;
  /** The start of the offending line. */
  excerpt?: string;
  /** Character offset of the offending line in the decoded body. */
  position?: number;
}

/**
 * Ollama broke its protocol: a line that is not a JSON object or a frame of the wrong shape
 * (`malformed_frame`), a line over `maxFrameSize` or a model list over 32 MiB
 * (`oversize_frame`), a stream that ended without its `done: true` frame (`truncated`, with
 * `partial` holding what was received), or tool-call arguments that are not a JSON object in an
 * answer that did not end at the token limit (`invalid_tool_arguments`). Not retryable. Also a
 * `ProtocolError`.
 */
export class OllamaProtocolError extends ProtocolError {
  constructor(message: string, options: OllamaProtocolErrorOptions) {
    super(message, options);
    brand(this, PROTOCOL);
    this.name = "OllamaProtocolError";
  }
  /** True when `error` is an `OllamaProtocolError` from any copy of `@x/ollama`. */
  static override isInstance(error: unknown): error is OllamaProtocolError {
    return hasBrand(error, PROTOCOL);
  }
}
