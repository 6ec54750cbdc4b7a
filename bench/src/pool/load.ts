import type { AIAdapter } from "@x/core";
import { getChainReport } from "@x/orchestrator";

/** One request as the consumer saw it. */
export interface RequestSample {
  /** From calling `stream()` to the first content chunk, ms. */
  ttfcMs: number;
  /** From calling `stream()` to `done`, ms. */
  totalMs: number;
  /** The replica that served it (its index in the pool), -1 when it failed. */
  replica: number;
  error?: string;
}

const MESSAGES = [{ role: "user" as const, content: "Why is the sky blue?" }];

/** One request through `adapter`, timed. */
export async function timedRequest(adapter: AIAdapter): Promise<RequestSample> {
  const started = performance.now();
  let ttfcMs = Number.NaN;
  try {
    for await (const chunk of adapter.stream(MESSAGES)) {
      if (chunk.type === "content" && Number.isNaN(ttfcMs)) ttfcMs = performance.now() - started;
      if (chunk.type === "done") {
        const replica = getChainReport(chunk)?.servedBy.index ?? -1;
        return { ttfcMs, totalMs: performance.now() - started, replica };
      }
    }
    throw new Error("no done chunk");
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ttfcMs, totalMs: performance.now() - started, replica: -1, error: message };
  }
}

/**
 * A closed loop: `concurrency` workers share `total` requests, each sending its next one as soon
 * as its last ended, so `concurrency` streams are open at every moment (until the last few). A
 * worker served quickly sends more: a strategy that favours fast replicas finishes sooner.
 */
export async function closedLoop(
  adapter: AIAdapter,
  concurrency: number,
  total: number,
): Promise<{ samples: RequestSample[]; seconds: number }> {
  const samples: RequestSample[] = [];
  let left = total;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left > 0) {
        left--;
        samples.push(await timedRequest(adapter));
      }
    }),
  );
  return { samples, seconds: (performance.now() - started) / 1000 };
}
