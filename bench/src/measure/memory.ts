import type { MemoryJob, MemoryResult } from "../child/jobs.js";
import { timedRun, verify } from "../child/verify.js";
import type { BenchClient } from "../clients/types.js";
import { modelName } from "../protocol/model-name.js";
import { TextDigest } from "../protocol/tokens.js";

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("memory job needs node --expose-gc");
  gc();
  gc();
}

/**
 * Memory over one long response, after warm-up: a full GC at the first and at the last content
 * chunk gives the settled RSS and live-heap growth over the whole response (what the client holds
 * per chunk); RSS sampled every `n / samples` chunks gives the peak over the RSS before the
 * request (which also counts garbage V8 has not collected yet).
 */
export async function measureMemory(job: MemoryJob, client: BenchClient): Promise<MemoryResult> {
  await timedRun(job.client, client, { n: job.warmupN, mode: "bulk" });
  await timedRun(job.client, client, { n: job.warmupN, mode: "bulk" });
  collectGarbage();
  // One more (smaller) response after the GC, so the young generation has regrown to its
  // streaming size: the baseline is a warm process in the middle of streaming, and growth is what
  // the long response adds to that, not V8 re-sizing its nursery after the forced GC.
  await timedRun(job.client, client, { n: Math.floor(job.warmupN / 2), mode: "bulk" });
  const baseline = process.memoryUsage.rss();
  const every = Math.max(1, Math.floor(job.n / job.samples));
  let count = 0;
  let peak = baseline;
  let rssFirst = 0;
  let rssLast = 0;
  let heapFirst = 0;
  let heapLast = 0;
  let committedFirst = 0;
  let committedLast = 0;
  const digest = new TextDigest();
  const start = performance.now();
  await client.run(modelName({ n: job.n, mode: "bulk" }), (text) => {
    digest.update(text);
    count++;
    if (count % every === 0) {
      const rss = process.memoryUsage.rss();
      if (rss > peak) peak = rss;
    }
    // A full GC at the first and at the last chunk: whatever is live at the end and was not at
    // the start is what the client holds per chunk; the RSS difference is its settled growth.
    if (count === 1 || count === job.n) {
      collectGarbage();
      const usage = process.memoryUsage();
      if (count === 1) {
        rssFirst = usage.rss;
        heapFirst = usage.heapUsed;
        committedFirst = usage.heapTotal;
      } else {
        rssLast = usage.rss;
        heapLast = usage.heapUsed;
        committedLast = usage.heapTotal;
      }
    }
  });
  const ms = performance.now() - start;
  verify(job.client, job.n, digest);
  return {
    n: job.n,
    ms,
    baseline,
    peak,
    rssFirst,
    rssLast,
    heapFirst,
    heapLast,
    committedFirst,
    committedLast,
  };
}
