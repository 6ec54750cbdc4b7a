import type { Capabilities } from "./capabilities.js";
import type { Message } from "./message.js";
import type { StreamChunk } from "./stream-chunk.js";
import type { StreamOptions } from "./stream-options.js";

/** Options for {@link AIAdapter.healthCheck}. */
export interface HealthCheckOptions {
  /** Give up (resolve `false`) after this many milliseconds. Default 2000. */
  timeoutMs?: number;
  /** Cancels the check; it then resolves `false`. */
  signal?: AbortSignal;
}

/** Options for {@link AIAdapter.listModels}. */
export interface ListModelsOptions {
  /** Cancels the request; it then rejects with `AbortedError`. */
  signal?: AbortSignal;
}

/**
 * The contract every adapter (and every orchestrator chain) implements.
 *
 * Rules (checked by `@x/conformance`):
 * - `stream()` yields content / thinking / tool_calls chunks, then exactly one `done` chunk, and
 *   nothing after it; or it throws an `AdapterError`. Errors before any output are thrown before
 *   the first chunk so retries and fallbacks can act.
 * - A stream that ends without the provider's terminal frame throws `ProtocolError`.
 * - Aborting (`options.signal`, or leaving a `for await` loop early) frees the socket at once; no
 *   timer or socket outlives a finished, failed or aborted stream.
 * - `healthCheck()` never throws: it resolves `false` within its timeout when the server is down.
 */
export interface AIAdapter {
  /** The provider's name: `"ollama"`, `"openai"`, or a third party's. */
  readonly provider: string;
  /** The model this adapter talks to. */
  readonly model: string;
  /** What this adapter can do. */
  readonly capabilities: Capabilities;
  /** Streams one answer to `messages`. */
  stream(messages: Message[], options?: StreamOptions): AsyncIterable<StreamChunk>;
  /** Resolves `true` when the server answers its health probe, `false` otherwise. Never rejects. */
  healthCheck(options?: HealthCheckOptions): Promise<boolean>;
  /** Lists the model names the server offers. Rejects with the same error classes as `stream()`. */
  listModels(options?: ListModelsOptions): Promise<string[]>;
  /** Releases pooled connections. The adapter must not be used afterwards. */
  close?(): Promise<void>;
}
