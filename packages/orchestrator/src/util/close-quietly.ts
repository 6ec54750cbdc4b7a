/** Does nothing. */
export function noop(): void {}

/** Ends an iterator (`return()`) without waiting on it for long or failing because of it. */
export function closeQuietly(iterator: AsyncIterator<unknown>): Promise<void> {
  try {
    const result = iterator.return?.();
    return result ? result.then(noop, noop) : Promise.resolve();
  } catch {
    return Promise.resolve();
  }
}

/**
 * Makes `controller` abort when `parent` does. Returns the function that removes the listener
 * (call it, so a long-lived caller signal does not collect listeners).
 */
export function linkSignal(parent: AbortSignal, controller: AbortController): () => void {
  if (parent.aborted) {
    controller.abort(parent.reason);
    return noop;
  }
  const onAbort = () => controller.abort(parent.reason);
  parent.addEventListener("abort", onAbort, { once: true });
  return () => parent.removeEventListener("abort", onAbort);
}
