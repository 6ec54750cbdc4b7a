import type { AIAdapter } from "@x/core";
import type {
  FallbackResult,
  HealthResult,
  ResilienceJob,
  ResilienceResult,
} from "../child/jobs.js";
import { expectedFor, verify } from "../child/verify.js";
import {
  type CreateFallbackChain,
  loadCreateFallbackChain,
  loadOllamaAdapter,
  loadOpenAIAdapter,
  streamAdapter,
} from "../clients/our-adapters.js";
import { modelName } from "../protocol/model-name.js";
import { TextDigest } from "../protocol/tokens.js";

const SPEC = { n: 10, mode: "bulk" as const };
const MODEL = modelName(SPEC);

/** Breaker settings that open a member's breaker on its first failure, for the whole run. */
const OPEN_ON_FIRST_FAILURE = { failureThreshold: 1, cooldownMs: 600_000 };

/** Counts a chain's events by type, to check each scenario did what it claims. */
class EventCounter {
  readonly counts = new Map<string, number>();
  readonly onEvent = (event: { type: string }): void => {
    this.counts.set(event.type, (this.counts.get(event.type) ?? 0) + 1);
  };
  get(type: string): number {
    return this.counts.get(type) ?? 0;
  }
}

/** First-chunk time (µs) of one verified 10-chunk answer through `adapter`. */
async function firstChunkUs(adapter: AIAdapter): Promise<number> {
  const digest = new TextDigest();
  let first = -1;
  const start = performance.now();
  await streamAdapter(adapter, (text) => {
    if (first < 0) first = performance.now();
    digest.update(text);
  });
  verify("fallback", SPEC.n, digest);
  return (first - start) * 1000;
}

async function measureFallback(
  job: ResilienceJob,
  createFallbackChain: CreateFallbackChain,
  primary: AIAdapter,
  secondary: AIAdapter,
): Promise<FallbackResult> {
  expectedFor(SPEC.n);
  const openEvents = new EventCounter();
  const open = createFallbackChain([primary, secondary], {
    breaker: OPEN_ON_FIRST_FAILURE,
    onEvent: openEvents.onEvent,
  });
  // Trips the breaker: the primary refuses, so the first request through `open` fails over.
  await firstChunkUs(open);
  if (openEvents.get("breaker-open") !== 1) {
    throw new Error(`expected the primary's breaker to open, events: ${[...openEvents.counts]}`);
  }
  const refusedEvents = new EventCounter();
  // A fresh chain per request, so its breaker is closed and it really tries the primary.
  const refusing = (): AIAdapter =>
    createFallbackChain([primary, secondary], { onEvent: refusedEvents.onEvent });
  for (let i = 0; i < job.fallback.warmup; i++) {
    await firstChunkUs(secondary);
    await firstChunkUs(refusing());
    await firstChunkUs(open);
  }
  const result: FallbackResult = { aloneUs: [], refusedUs: [], breakerOpenUs: [] };
  // Interleaved so that drift affects the three figures alike.
  for (let i = 0; i < job.fallback.reps; i++) {
    result.aloneUs.push(await firstChunkUs(secondary));
    result.refusedUs.push(await firstChunkUs(refusing()));
    result.breakerOpenUs.push(await firstChunkUs(open));
  }
  const requests = job.fallback.warmup + job.fallback.reps;
  if (refusedEvents.get("fallback") !== requests) {
    throw new Error(
      `refusing chains fell back ${refusedEvents.get("fallback")} times, not ${requests}`,
    );
  }
  // After the trip, no request through `open` may fail on (try) the primary again.
  const tripOnly = openEvents.get("fallback") === 1 && openEvents.get("failure") <= 1;
  if (
    !tripOnly ||
    openEvents.get("breaker-open") !== 1 ||
    openEvents.get("success") !== 1 + requests
  ) {
    throw new Error(`breaker-open chain: unexpected events ${[...openEvents.counts]}`);
  }
  return result;
}

async function measureHealth(
  job: ResilienceJob,
  adapters: { name: string; make: (baseUrl: string) => AIAdapter }[],
): Promise<HealthResult> {
  const host = "http://127.0.0.1";
  const rows: HealthResult["rows"] = [];
  const options = job.health.hungTimeoutMs ? { timeoutMs: job.health.hungTimeoutMs } : undefined;
  for (const { name, make } of adapters) {
    const targets = [
      { target: "up" as const, origin: job.origin, reps: job.health.refusedReps },
      {
        target: "refused" as const,
        origin: `${host}:${job.refusedPort}`,
        reps: job.health.refusedReps,
      },
      { target: "hung" as const, origin: `${host}:${job.hungPort}`, reps: job.health.hungReps },
    ];
    for (const { target, origin, reps } of targets) {
      const adapter = make(origin);
      const ms: number[] = [];
      const results: boolean[] = [];
      for (let i = 0; i < reps; i++) {
        const start = performance.now();
        results.push(await adapter.healthCheck(options));
        ms.push(performance.now() - start);
      }
      await adapter.close?.();
      rows.push({ adapter: name, target, ms, results });
    }
  }
  return { rows, hungTimeoutMs: job.health.hungTimeoutMs ?? "default" };
}

function message(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Fallback latency and healthCheck timings; each part reports its own failure. */
export async function measureResilience(job: ResilienceJob): Promise<ResilienceResult> {
  const result: ResilienceResult = {};
  const OllamaAdapter = await loadOllamaAdapter();
  const OpenAIAdapter = await loadOpenAIAdapter();
  try {
    const createFallbackChain = await loadCreateFallbackChain();
    const primary = new OllamaAdapter({
      baseUrl: `http://127.0.0.1:${job.refusedPort}`,
      model: MODEL,
    });
    const secondary = new OpenAIAdapter({
      baseUrl: `${job.origin}/v1`,
      apiKey: "sk-bench",
      model: MODEL,
    });
    try {
      result.fallback = await measureFallback(job, createFallbackChain, primary, secondary);
    } finally {
      await primary.close?.();
      await secondary.close?.();
    }
  } catch (error) {
    result.fallbackError = message(error);
  }
  try {
    result.health = await measureHealth(job, [
      { name: "@x/ollama", make: (origin) => new OllamaAdapter({ baseUrl: origin, model: MODEL }) },
      {
        name: "@x/openai",
        make: (origin) =>
          new OpenAIAdapter({ baseUrl: `${origin}/v1`, apiKey: "sk-bench", model: MODEL }),
      },
    ]);
  } catch (error) {
    result.healthError = message(error);
  }
  return result;
}
