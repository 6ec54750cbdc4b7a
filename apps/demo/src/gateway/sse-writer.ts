import type { ServerResponse } from "node:http";

/**
 * Writes `text` and waits for the socket to drain when the client reads slowly, so a slow reader
 * slows the upstream stream instead of growing the server's buffer. Resolves `false` when the
 * client has gone away.
 */
export function writeWithBackPressure(res: ServerResponse, text: string): Promise<boolean> {
  if (res.destroyed || res.writableEnded) return Promise.resolve(false);
  if (res.write(text)) return Promise.resolve(true);
  return whenDrained(res);
}

/**
 * Resolves `true` when `res` has drained after a `write()` that returned false, `false` when the
 * client went away first.
 */
function whenDrained(res: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const onDrain = () => finish(true);
    const onClose = () => finish(false);
    function finish(ok: boolean): void {
      res.off("drain", onDrain);
      res.off("close", onClose);
      resolve(ok);
    }
    res.once("drain", onDrain);
    res.once("close", onClose);
  });
}

/** Returns an `AbortSignal` that fires when the client closes the connection before the end. */
export function abortOnClientGone(res: ServerResponse): {
  signal: AbortSignal;
  release: () => void;
} {
  const controller = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) controller.abort();
  };
  res.once("close", onClose);
  return { signal: controller.signal, release: () => res.off("close", onClose) };
}
