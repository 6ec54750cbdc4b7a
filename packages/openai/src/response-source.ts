import type { Dispatcher } from "undici";

/** Bytes queued before the socket is paused (the same as a `request()` body's highWaterMark). */
const HIGH_WATER_MARK = 64 * 1024;

type Waiter = {
  resolve: (chunk: Buffer | undefined) => void;
  reject: (error: unknown) => void;
};

/**
 * One undici `dispatch()` as a pull source: `headers()` resolves when the response starts,
 * `read()` hands out body chunks in order (`undefined` at the end), and `abort()` / `release()`
 * end the request. A `DispatchHandler` used directly rather than `request()`: no `Readable`
 * stream, async iterator, `AsyncResource` or URL parsing per request (bench/PROFILING.md: about
 * 60 µs less per request than `request()` + `for await` on this machine).
 *
 * Back-pressure: past {@link HIGH_WATER_MARK} queued bytes the socket is paused, and it resumes
 * when the consumer has taken everything queued. Errors and the end are delivered after the
 * bytes that came before them.
 * @internal
 */
export class ResponseSource implements Dispatcher.DispatchHandler {
  /** The response status (0 until `headers()` resolves). */
  status = 0;
  /** The response headers (lower-case names), set when `headers()` resolves. */
  headers: Record<string, string | string[] | undefined> = {};
  #controller: Dispatcher.DispatchController | undefined;
  /** Set by `abort()` before the request reached a socket: applied in `onRequestStart`. */
  #abortReason: Error | undefined;
  #queue: Buffer[] = [];
  #queued = 0;
  #started = false;
  #ended = false;
  /** Set once the request failed or was aborted; delivered after the queued bytes. */
  #failed = false;
  #error: unknown;
  #waiter: Waiter | undefined;

  /** Sends the request on `dispatcher`. */
  dispatch(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions): void {
    try {
      dispatcher.dispatch(options, this);
    } catch (error) {
      // A dispatcher that throws instead of calling onResponseError (closed, invalid options).
      this.#fail(error);
    }
  }

  /** Resolves when the response headers have arrived; rejects if the request fails first. */
  headersReceived(): Promise<void> {
    if (this.#started) return Promise.resolve();
    if (this.#failed) return Promise.reject(this.#error);
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve: () => resolve(), reject };
    });
  }

  /** The next body chunk, or `undefined` at the end of the body. Rejects with the failure. */
  read(): Promise<Buffer | undefined> {
    const queue = this.#queue;
    if (queue.length > 0) {
      const chunk = queue.shift()!;
      this.#queued -= chunk.length;
      if (queue.length === 0) {
        const controller = this.#controller;
        // May deliver more data synchronously (it is queued behind `chunk`).
        if (controller?.paused) controller.resume();
      }
      return Promise.resolve(chunk);
    }
    if (this.#failed) return Promise.reject(this.#error);
    if (this.#ended) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  /** Whether the whole response has been received (the connection is back in the pool). */
  get complete(): boolean {
    return this.#ended;
  }

  /**
   * Ends the request with `reason` unless the response is complete: a pending `headersReceived()`
   * or `read()` rejects with it at once (even while undici is still connecting); the socket is
   * closed as soon as undici has one. Idempotent.
   */
  abort(reason: Error): void {
    if (this.#ended || this.#failed) return;
    this.#abortReason = reason;
    this.#queue = [];
    this.#queued = 0;
    this.#fail(reason);
    this.#controller?.abort(reason);
  }

  // ---- Dispatcher.DispatchHandler --------------------------------------------------------

  /** @internal */
  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#abortReason !== undefined) controller.abort(this.#abortReason);
  }

  /** @internal */
  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    this.#controller = controller;
    this.status = statusCode;
    this.headers = headers;
    this.#started = true;
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter.resolve(undefined);
    }
  }

  /** @internal */
  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#failed) return;
    const waiter = this.#waiter;
    if (waiter !== undefined && this.#started) {
      this.#waiter = undefined;
      waiter.resolve(chunk);
      return;
    }
    this.#queue.push(chunk);
    this.#queued += chunk.length;
    if (this.#queued >= HIGH_WATER_MARK) controller.pause();
  }

  /** @internal */
  onResponseEnd(): void {
    if (this.#failed) return;
    this.#ended = true;
    const waiter = this.#waiter;
    if (waiter !== undefined && this.#queue.length === 0) {
      this.#waiter = undefined;
      waiter.resolve(undefined);
    }
  }

  /** @internal */
  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#fail(error);
  }

  #fail(error: unknown): void {
    if (this.#failed || this.#ended) return;
    this.#failed = true;
    this.#error = error;
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter.reject(error);
    }
  }
}

/**
 * Reads at most `limit` bytes of `source`'s body as UTF-8 text, then aborts the rest with
 * `reason` (a complete response is left alone).
 */
export async function readText(
  source: ResponseSource,
  limit: number,
  reason: Error,
): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  let size = 0;
  try {
    for (;;) {
      const bytes = await source.read();
      if (bytes === undefined) break;
      size += bytes.byteLength;
      text += decoder.decode(bytes, { stream: true });
      if (size >= limit) break;
    }
    text += decoder.decode();
  } finally {
    source.abort(reason);
  }
  return text;
}
