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
function pause(ms: number, res: ServerResponse): Promise<void> {
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
function gone(res: ServerResponse): boolean {
  return res.destroyed || res.writableEnded;
}

/**
 * Writes a simulator's stream `frames` (already encoded), pausing `tokenDelayMs` after each. With
 * `die-mid-stream`, resets the connection before frame `dieAfterFrames` (the server crashed: no
 * terminal frame). Resolves `true` when every frame was written and the response is still open
 * (the caller ends it), `false` when it stopped early.
 */
export async function writeFrames(
  res: ServerResponse,
  frames: readonly string[],
  fault: SimFault,
  options: Pick<SimOptions, "dieAfterFrames" | "tokenDelayMs">,
): Promise<boolean> {
  const dieAfter = options.dieAfterFrames ?? 3;
  for (const [index, frame] of frames.entries()) {
    if (gone(res)) return false;
    if (fault === "die-mid-stream" && index >= dieAfter) {
      res.destroy();
      return false;
    }
    res.write(frame);
    await pause(options.tokenDelayMs ?? 0, res);
  }
  return !gone(res);
}
