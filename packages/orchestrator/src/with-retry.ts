import {
  AbortedError,
  AdapterError,
  type AIAdapter,
  type Message,
  type StreamChunk,
  type StreamOptions,
} from "@x/core";
import { closeQuietly, sleep } from "./abort.js";
import { type BackoffOptions, backoffDelay, retryAfterOf } from "./backoff.js";
import { CircuitOpenError } from "./errors.js";
import { type EventListener, emit, refOf } from "./events.js";
import { getRequestContext } from "./request-context.js";
import { stageOf } from "./stage.js";
import { wrapAdapter } from "./wrap-adapter.js";

/** Options for {@link withRetry}. */
export interface RetryPolicy extends BackoffOptions {
  /** Retries after the first try (so `maxRetries: 2` means at most 3 tries). Default 2. */
  maxRetries?: number;
  /**
   * A `Retry-After` longer than this is not waited for: the error is thrown at once (a chain then
   * falls back). Default 30 000 ms.
   */
  maxRetryAfterMs?: number;
  /**
   * Whether to retry `error`. Default: `AdapterError`s with `retryable: true`, except
   * `AbortedError` and `CircuitOpenError`. `AbortedError` is never retried whatever this says.
   */
  shouldRetry?: (error: unknown, context: { retry: number }) => boolean;
  /** Receives `retry` events when used on its own (inside a chain, the chain's `onEvent` does). */
  onEvent?: EventListener;
  /** Absolute deadline (epoch ms) no backoff may cross. A chain's `totalMs` also applies. */
  deadline?: number;
}

/** The default {@link RetryPolicy.shouldRetry}. */
export function defaultShouldRetry(error: unknown): boolean {
  return AdapterError.isInstance(error) && error.retryable && !CircuitOpenError.isInstance(error);
}

/**
 * Wraps `adapter` so a stream that fails before its first chunk is tried again, after a
 * full-jitter exponential backoff or the server's `retryAfterMs`, up to `maxRetries` times and
 * never past the deadline. Once a chunk has been yielded the stream is never retried (that would
 * splice two answers); a chain decides what happens then. Aborting cancels a pending backoff at
 * once with `AbortedError`.
 */
export function withRetry(adapter: AIAdapter, policy: RetryPolicy = {}): AIAdapter {
  if ((policy.maxRetries ?? 2) <= 0) return adapter;
  return wrapAdapter(
    adapter,
    (messages, options) => new RetryingStream(adapter, policy, messages, options),
  );
}

/**
 * A hand-written iterator: the retry loop runs until the first chunk; after it, `next()` is the
 * committed try's own `next()` (no per-chunk hop).
 */
class RetryingStream implements AsyncIterableIterator<StreamChunk> {
  readonly #adapter: AIAdapter;
  readonly #policy: RetryPolicy;
  readonly #messages: Message[];
  readonly #options: StreamOptions | undefined;
  #iterator: AsyncIterator<StreamChunk> | undefined;
  #committed = false;
  #closed = false;
  /** Ends a pending backoff early (set while one runs). */
  #wake: (() => void) | undefined;

  constructor(
    adapter: AIAdapter,
    policy: RetryPolicy,
    messages: Message[],
    options: StreamOptions | undefined,
  ) {
    this.#adapter = adapter;
    this.#policy = policy;
    this.#messages = messages;
    this.#options = options;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<StreamChunk>> {
    if (this.#committed) return this.#iterator!.next();
    return this.#firstChunk();
  }

  async return(): Promise<IteratorResult<StreamChunk>> {
    this.#closed = true;
    // A pending backoff ends now (its next() then ends the stream): a chain that passes no
    // signal of its own closes a member only through return().
    this.#wake?.();
    if (this.#iterator) await closeQuietly(this.#iterator);
    return { done: true, value: undefined };
  }

  async #firstChunk(): Promise<IteratorResult<StreamChunk>> {
    const adapter = this.#adapter;
    const policy = this.#policy;
    const maxRetries = policy.maxRetries ?? 2;
    const shouldRetry = policy.shouldRetry ?? defaultShouldRetry;
    const context = getRequestContext(this.#options);
    const listener = context ? context.onEvent : policy.onEvent;
    const deadline = minDefined(policy.deadline, context?.deadline);
    const signal = this.#options?.signal;
    for (let retry = 1; ; retry++) {
      if (this.#closed) return { done: true, value: undefined };
      const startedAt = Date.now();
      this.#iterator = adapter.stream(this.#messages, this.#options)[Symbol.asyncIterator]();
      try {
        const first = await this.#iterator.next();
        // From here on the answer is committed to this try: forward it untouched.
        this.#committed = true;
        return first;
      } catch (error) {
        const delayMs = retryDelay(error, retry, maxRetries, policy, shouldRetry, deadline, signal);
        if (delayMs === undefined) throw error;
        emit(listener, {
          type: "retry",
          adapter: refOf(adapter),
          error,
          stage: stageOf(error, false),
          retry,
          delayMs,
          durationMs: Date.now() - startedAt,
        });
        try {
          await sleep(delayMs, signal, adapter, (stop) => {
            this.#wake = stop;
          });
        } finally {
          this.#wake = undefined;
        }
      }
    }
  }
}

function retryDelay(
  error: unknown,
  retry: number,
  maxRetries: number,
  policy: RetryPolicy,
  shouldRetry: NonNullable<RetryPolicy["shouldRetry"]>,
  deadline: number | undefined,
  signal: AbortSignal | undefined,
): number | undefined {
  if (retry > maxRetries || signal?.aborted || AbortedError.isInstance(error)) return undefined;
  if (!shouldRetry(error, { retry })) return undefined;
  const retryAfter = retryAfterOf(error);
  if (retryAfter !== undefined && retryAfter > (policy.maxRetryAfterMs ?? 30_000)) return undefined;
  const delayMs = retryAfter ?? backoffDelay(retry, policy);
  if (deadline !== undefined && Date.now() + delayMs >= deadline) return undefined;
  return delayMs;
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
