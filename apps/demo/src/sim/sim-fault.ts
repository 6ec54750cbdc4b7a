import type { ServerResponse } from "node:http";

/**
 * How a simulated server misbehaves.
 *
 * - `none`: answers normally.
 * - `refuse`: nothing listens on its port (connection refused).
 * - `hang`: accepts the request and never sends a byte (a cold model load that never ends).
 * - `die-mid-stream`: sends `dieAfterFrames` frames, then resets the connection.
 * - `http-503`: answers every chat request with 503 "server busy".
 */
export type SimFault = "none" | "refuse" | "hang" | "die-mid-stream" | "http-503";

/** The fault names accepted on the command line. */
export const SIM_FAULTS: readonly SimFault[] = [
  "none",
  "refuse",
  "hang",
  "die-mid-stream",
  "http-503",
];

/** Options shared by both simulators. */
export interface SimOptions {
  /** Model name the simulator reports. */
  model?: string;
  /** The fault to inject into chat requests (health and model list stay healthy unless `refuse`). */
  fault?: SimFault;
  /** Frames sent before `die-mid-stream` kills the socket. Default 3. */
  dieAfterFrames?: number;
  /** Pause between frames, for a visible streaming effect. Default 0. */
  tokenDelayMs?: number;
  /** Host to bind. Default 127.0.0.1. */
  host?: string;
  /** Port to bind. Default: chosen by the OS. */
  port?: number;
  /** Called when a chat request's body has been read (lets tests wait on the event). */
  onChatRequest?: () => void;
}

/** Resolves after `ms` (0: next macrotask), or at once when the response is already closed. */
export function pause(ms: number, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed || res.writableEnded) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      res.off("close", done);
      resolve();
    }
    res.once("close", done);
  });
}

/** True when a simulator should stop writing (the client went away). */
export function gone(res: ServerResponse): boolean {
  return res.destroyed || res.writableEnded;
}
