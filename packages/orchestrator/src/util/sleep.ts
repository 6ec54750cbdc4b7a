import { AbortedError } from "@x/core";

/**
 * Waits `ms`, or rejects with `AbortedError` as soon as `signal` fires (at once if it already
 * has). Leaves no timer or listener behind either way.
 */
export function sleep(
  ms: number,
  signal: AbortSignal | undefined,
  who: { provider: string; model?: string },
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
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
