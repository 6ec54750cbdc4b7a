import { AbortedError } from "@x/core";

/**
 * Makes `controller` abort when `parent` does. Returns the function that removes the listener
 * (always call it, so long-lived caller signals do not collect listeners).
 */
export function linkSignal(
  parent: AbortSignal | undefined,
  controller: AbortController,
): () => void {
  if (!parent) return noop;
  if (parent.aborted) {
    controller.abort(parent.reason);
    return noop;
  }
  const onAbort = () => controller.abort(parent.reason);
  parent.addEventListener("abort", onAbort, { once: true });
  return () => parent.removeEventListener("abort", onAbort);
}

/** Does nothing. */
export function noop(): void {}

/**
 * Waits `ms`, rejecting with `AbortedError` at once if `signal` fires. `wake`, if given, receives
 * a function that ends the wait early (resolving). Leaves no timer or listener.
 */
export function sleep(
  ms: number,
  signal: AbortSignal | undefined,
  who: { provider: string; model?: string },
  wake?: (stop: () => void) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const aborted = () =>
      new AbortedError(`${who.provider}: request aborted`, { ...who, cause: signal?.reason });
    if (signal?.aborted) {
      reject(aborted());
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(aborted());
    };
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
    wake?.(done);
  });
}

/** Ends an iterator without waiting on or failing because of it. */
export function closeQuietly(iterator: AsyncIterator<unknown>): Promise<void> {
  try {
    const result = iterator.return?.();
    if (!result) return Promise.resolve();
    return result.then(noop, noop);
  } catch {
    return Promise.resolve();
  }
}
