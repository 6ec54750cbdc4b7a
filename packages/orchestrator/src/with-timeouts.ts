import {
  type AIAdapter,
  type Message,
  ModelLoadingTimeoutError,
  type StreamChunk,
  type StreamOptions,
  StreamTimeoutError,
} from "@x/core";
import { closeQuietly, linkSignal } from "./abort.js";
import { wrapAdapter } from "./wrap-adapter.js";

/** Time limits enforced by {@link withTimeouts}, in milliseconds. Unset = no limit. */
export interface TimeoutPolicy {
  /**
   * From calling `stream()` to the first chunk of any kind. Exceeded → the attempt is aborted and
   * fails with `ModelLoadingTimeoutError` (in a chain this falls over to the next member). Give a
   * cold local model or a reasoning model a larger budget than a hosted chat model.
   */
  firstChunkMs?: number;
  /**
   * The longest wait for the next chunk once the first has arrived (time the consumer spends
   * holding a chunk does not count). Exceeded → `StreamTimeoutError` (`idle`).
   */
  idleMs?: number;
  /** The whole stream. Exceeded → `StreamTimeoutError` (`total`). */
  totalMs?: number;
}

type Fired = "first-chunk" | "idle" | "total";

function isLimit(ms: number | undefined): ms is number {
  return typeof ms === "number" && Number.isFinite(ms) && ms >= 0;
}

/**
 * Wraps `adapter` so each stream obeys `policy`: the inner request is aborted (socket closed) when
 * a limit passes, and the stream throws the matching timeout error instead of `AbortedError`.
 * The caller's own abort still surfaces as `AbortedError`. One timer per limit per stream; the
 * idle timer is re-armed with `refresh()`, never re-created per chunk; with only `firstChunkMs`,
 * chunks after the first are forwarded untouched.
 */
export function withTimeouts(adapter: AIAdapter, policy: TimeoutPolicy): AIAdapter {
  if (!isLimit(policy.firstChunkMs) && !isLimit(policy.idleMs) && !isLimit(policy.totalMs)) {
    return adapter;
  }
  return wrapAdapter(
    adapter,
    (messages, options) => new TimedStream(adapter, policy, messages, options),
  );
}

/** A hand-written iterator: no generator hop per chunk (see the chain's hot-path budget). */
class TimedStream implements AsyncIterableIterator<StreamChunk> {
  readonly #adapter: AIAdapter;
  readonly #policy: TimeoutPolicy;
  readonly #callerSignal: AbortSignal | undefined;
  readonly #controller = new AbortController();
  readonly #iterator: AsyncIterator<StreamChunk>;
  readonly #unlink: () => void;
  #first: ReturnType<typeof setTimeout> | undefined;
  #idle: ReturnType<typeof setTimeout> | undefined;
  #total: ReturnType<typeof setTimeout> | undefined;
  #fired: Fired | undefined;
  #waiting = false;
  #started = false;
  #ended = false;
  /** After the first chunk with no idle/total limit: forward `next()` as is. */
  #passThrough = false;

  constructor(
    adapter: AIAdapter,
    policy: TimeoutPolicy,
    messages: Message[],
    options: StreamOptions | undefined,
  ) {
    this.#adapter = adapter;
    this.#policy = policy;
    this.#callerSignal = options?.signal;
    this.#unlink = linkSignal(options?.signal, this.#controller);
    if (isLimit(policy.firstChunkMs)) {
      this.#first = setTimeout(() => this.#fire("first-chunk"), policy.firstChunkMs);
    }
    if (isLimit(policy.totalMs))
      this.#total = setTimeout(() => this.#fire("total"), policy.totalMs);
    this.#iterator = adapter
      .stream(messages, { ...options, signal: this.#controller.signal })
      [Symbol.asyncIterator]();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<StreamChunk>> {
    if (this.#passThrough) return this.#iterator.next();
    this.#waiting = true;
    this.#idle?.refresh();
    return this.#iterator.next().then(this.#onResult, this.#onError);
  }

  async return(): Promise<IteratorResult<StreamChunk>> {
    // A next() still pending is aborted too: the inner stream may not end it on return() alone
    // (an async generator waits for it), and a chain that passes no signal relies on return().
    if (this.#waiting && !this.#ended) this.#controller.abort("closed");
    this.#release();
    if (!this.#ended) {
      this.#ended = true;
      await closeQuietly(this.#iterator);
    }
    return { done: true, value: undefined };
  }

  readonly #onResult = (result: IteratorResult<StreamChunk>): IteratorResult<StreamChunk> => {
    this.#waiting = false;
    if (result.done) {
      this.#ended = true;
      this.#release();
      return result;
    }
    if (!this.#started) {
      this.#started = true;
      if (this.#first !== undefined) clearTimeout(this.#first);
      this.#first = undefined;
      const { idleMs } = this.#policy;
      if (isLimit(idleMs)) this.#idle = setTimeout(this.#onIdle, idleMs);
      else if (this.#total === undefined) {
        this.#unlink();
        this.#passThrough = true;
      }
    }
    // Release timers at done: a consumer may never call next() again.
    if (result.value.type === "done") this.#release();
    return result;
  };

  readonly #onError = (error: unknown): never => {
    this.#waiting = false;
    this.#ended = true;
    this.#release();
    if (this.#fired !== undefined && !this.#callerSignal?.aborted) throw this.#timeoutError(error);
    throw error;
  };

  // Fires only while waiting on the adapter: a consumer that holds a chunk is not the provider
  // going silent. The next wait re-arms it.
  readonly #onIdle = (): void => {
    if (this.#waiting) this.#fire("idle");
  };

  #fire(reason: Fired): void {
    if (this.#fired !== undefined || this.#controller.signal.aborted) return;
    this.#fired = reason;
    this.#controller.abort(reason);
  }

  #release(): void {
    if (this.#first !== undefined) clearTimeout(this.#first);
    if (this.#idle !== undefined) clearTimeout(this.#idle);
    if (this.#total !== undefined) clearTimeout(this.#total);
    this.#first = this.#idle = this.#total = undefined;
    this.#unlink();
  }

  #timeoutError(cause: unknown): ModelLoadingTimeoutError | StreamTimeoutError {
    const adapter = this.#adapter;
    const policy = this.#policy;
    const who = { provider: adapter.provider, model: adapter.model, cause };
    if (this.#fired === "first-chunk") {
      return new ModelLoadingTimeoutError(
        `${adapter.provider}: no first chunk within ${policy.firstChunkMs} ms (firstChunkMs)`,
        { ...who, timeoutMs: policy.firstChunkMs ?? 0 },
      );
    }
    if (this.#fired === "idle") {
      return new StreamTimeoutError(
        `${adapter.provider}: no chunk for ${policy.idleMs} ms (idleMs)`,
        {
          ...who,
          timeoutMs: policy.idleMs ?? 0,
          phase: "idle",
        },
      );
    }
    return new StreamTimeoutError(
      `${adapter.provider}: stream exceeded ${policy.totalMs} ms (totalMs)`,
      {
        ...who,
        timeoutMs: policy.totalMs ?? 0,
        phase: "total",
      },
    );
  }
}
