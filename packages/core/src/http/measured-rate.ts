import type { StreamOutput } from "../helpers/stream-output.js";

/**
 * Output tokens per second measured by the client, for a server that reports no generation time:
 * between the arrivals of the first and the last generated chunk `output` recorded (the first
 * chunk's token is not part of that interval, so one token less); when everything came in one
 * read, over the whole request, the only interval there is. `outputTokens` is the server's
 * count; without it each generated chunk counts as one token. `undefined` when nothing was
 * generated or no time passed.
 */
export function measuredTokensPerSec(
  output: Pick<StreamOutput, "generated" | "firstAt" | "lastAt" | "startedAt">,
  outputTokens: number | undefined,
): number | undefined {
  const { generated, firstAt, lastAt, startedAt } = output;
  const tokens = outputTokens ?? generated;
  if (generated === 0 || tokens <= 0) return undefined;
  const interval = lastAt - firstAt;
  if (interval > 0 && tokens > 1) return ((tokens - 1) * 1000) / interval;
  const whole = lastAt - startedAt;
  return whole > 0 ? (tokens * 1000) / whole : undefined;
}
