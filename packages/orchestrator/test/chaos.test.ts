import { AbortedError, type Message, type StreamChunk } from "@x/core";
import { OpenAIAdapter } from "@x/openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AllAdaptersFailedError,
  createFallbackChain,
  type FallbackChain,
  getChainReport,
  type OrchestratorEvent,
} from "../src/index.js";
import { drain } from "./helpers.js";
import {
  type Fault,
  type FaultServer,
  faultServer,
  type SeenRequest,
} from "./wire/fault-server.js";
import { answerOf } from "./wire/members.js";

// Three members failing at random on the wire (refuse, 503, die before and after commit, stall,
// truncate, in-stream error), 500 requests, 20 at a time. The plan is a pure function of a seed,
// the request, the member and the try, so a failure names a reproducible case. Every request is
// checked: exactly one `done`, last, and the text after the last `reset` is exactly the answering
// member's whole answer; or `AllAdaptersFailedError` listing every try the servers saw; or, for
// the requests the caller aborts, `AbortedError` with what was shown, nothing counted.

const SEED = 20261206;
const REQUESTS = 500;
const CONCURRENCY = 20;
const MEMBERS = 3;

/** mulberry32: a small seeded PRNG. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FAULTS: [weight: number, fault: (text: string) => Fault][] = [
  [40, (text) => ({ kind: "ok", text })],
  [8, () => ({ kind: "reset" })], // refused: the connection dies before any response
  [10, () => ({ kind: "status", status: 503 })],
  [10, (text) => ({ kind: "cut", after: 1, text })], // dies before commit
  [10, (text) => ({ kind: "cut", after: 8, gapMs: 10, text })], // dies after commit
  [8, (text) => ({ kind: "stall", after: 2, text })],
  [7, (text) => ({ kind: "no-done", finish: false, text })], // truncated
  [7, (text) => ({ kind: "error-frame", after: 2, text })],
];
const TOTAL_WEIGHT = FAULTS.reduce((sum, [w]) => sum + w, 0);

/** Requests the caller aborts: every member answers slowly and in full; `abortAfter` chunks. */
function aborts(id: number): number | undefined {
  const r = random(SEED ^ (id * 7919))();
  return r < 0.06 ? Math.floor(r * 100) % 4 : undefined;
}

function answerText(member: number, id: number): string {
  return `Member ${member} answers request ${id} with several words of text.`;
}

/** The planned fault for `member`'s try number `attempt` of request `id`. */
function plan(member: number, id: number, attempt: number): Fault {
  const text = answerText(member, id);
  if (aborts(id) !== undefined) return { kind: "ok", text, gapMs: 5 };
  let pick = random(SEED + id * 131 + member * 17 + attempt * 7)() * TOTAL_WEIGHT;
  for (const [weight, fault] of FAULTS) {
    pick -= weight;
    if (pick < 0) return fault(text);
  }
  return { kind: "ok", text };
}

const idOf = (seen: SeenRequest) => Number(seen.body?.messages?.[0]?.content.split(" ")[1]);

let servers: FaultServer[];
let adapters: OpenAIAdapter[];
let chain: FallbackChain;
const events: OrchestratorEvent[] = [];

beforeAll(async () => {
  servers = await Promise.all(
    Array.from({ length: MEMBERS }, (_, member) =>
      faultServer({ model: `model-${member}`, text: "" }).then((server) => {
        server.answer = (_n, seen) => {
          const id = idOf(seen);
          const attempt = server.chats.filter((c) => idOf(c) === id).length - 1;
          return plan(member, id, attempt);
        };
        return server;
      }),
    ),
  );
  adapters = servers.map(
    (server, member) =>
      new OpenAIAdapter({
        provider: `m${member}`,
        baseUrl: server.baseUrl,
        model: `model-${member}`,
      }),
  );
  chain = createFallbackChain(adapters, {
    timeouts: { firstChunkMs: 1_000, idleMs: 150 },
    commitAfter: { chars: 15, ms: 40 },
    retry: { maxRetries: 1, baseDelayMs: 5 },
    breaker: { minimumRequests: 8, cooldownMs: 50 },
    onEvent: (e) => events.push(e),
  });
});

afterAll(async () => {
  await chain.close?.();
  await Promise.all(servers.map((s) => s.close()));
});

interface Outcome {
  id: number;
  chunks: StreamChunk[];
  error: unknown;
  abortAfter: number | undefined;
}

async function request(id: number): Promise<Outcome> {
  const messages: Message[] = [{ role: "user", content: `request ${id} please` }];
  const abortAfter = aborts(id);
  if (abortAfter === undefined) return { id, ...(await drain(chain.stream(messages))), abortAfter };
  const controller = new AbortController();
  const chunks: StreamChunk[] = [];
  let error: unknown;
  try {
    const stream = chain.stream(messages, { signal: controller.signal });
    if (abortAfter === 0) setImmediate(() => controller.abort("stop"));
    for await (const chunk of stream) {
      chunks.push(chunk);
      if (chunks.filter((c) => c.type === "content").length === abortAfter)
        controller.abort("stop");
    }
  } catch (e) {
    error = e;
  }
  return { id, chunks, error, abortAfter };
}

describe("chaos: three members failing at random, 500 requests", () => {
  it(`every request is one whole answer, or an honest error (seed ${SEED})`, async () => {
    const outcomes: Outcome[] = [];
    for (let start = 0; start < REQUESTS; start += CONCURRENCY) {
      const batch = Array.from({ length: CONCURRENCY }, (_, i) => request(start + i));
      outcomes.push(...(await Promise.all(batch)));
    }
    const triesOf = (id: number) =>
      servers.flatMap((s, member) => s.chats.filter((c) => idOf(c) === id).map(() => member));
    let served = 0;
    let failed = 0;
    let aborted = 0;
    let plannedFailures = 0;
    for (const { id, chunks, error, abortAfter } of outcomes) {
      const where = `request ${id} (seed ${SEED})`;
      const tries = triesOf(id);
      if (abortAfter !== undefined) {
        aborted++;
        // A cancel: AbortedError with what was shown, never a fallback.
        if (error === undefined) continue; // it finished before the abort landed
        expect(tries.length, where).toBeLessThanOrEqual(1); // never a fallback
        if (AllAdaptersFailedError.isInstance(error)) {
          // Every breaker was open: nothing was tried, nothing to cancel.
          expect(error.attempts, where).toEqual([]);
          expect(error.skipped, where).toHaveLength(MEMBERS);
          continue;
        }
        expect(AbortedError.isInstance(error), `${where}: ${String(error)}`).toBe(true);
        expect((error as AbortedError).partial?.content, where).toBe(answerOf(chunks).text);
        continue;
      }
      // Every try but an answering one failed, as planned.
      plannedFailures += tries.length - (error === undefined ? 1 : 0);
      const dones = chunks.filter((c) => c.type === "done");
      if (error === undefined) {
        served++;
        expect(dones, where).toHaveLength(1);
        const done = chunks.at(-1)!;
        expect(done.type, where).toBe("done");
        if (done.type !== "done") continue;
        const member = Number(done.provider.slice(1));
        expect(answerOf(chunks).text, where).toBe(answerText(member, id));
        expect(getChainReport(done)!.failures, where).toHaveLength(tries.length - 1);
      } else {
        failed++;
        expect(dones, where).toHaveLength(0);
        expect(AllAdaptersFailedError.isInstance(error), `${where}: ${String(error)}`).toBe(true);
        const all = error as AllAdaptersFailedError;
        expect(
          all.attempts.map((a) => a.adapter.index),
          where,
        ).toEqual(tries);
      }
    }
    // Caller aborts were never counted: every failure the chain recorded is a planned one.
    const recorded = events.filter((e) => e.type === "failure" || e.type === "retry");
    for (const e of recorded) {
      if (e.type === "failure" || e.type === "retry") {
        expect(AbortedError.isInstance(e.error)).toBe(false);
      }
    }
    expect(recorded).toHaveLength(plannedFailures);
    expect(events.filter((e) => e.type === "abort").length).toBeGreaterThan(0);
    // The run exercised every path.
    expect(served).toBeGreaterThan(REQUESTS / 2);
    expect(failed).toBeGreaterThan(0);
    expect(aborted).toBeGreaterThan(10);
    expect(events.some((e) => e.type === "breaker-open")).toBe(true);
    expect(outcomes.some((o) => o.chunks.some((c) => c.type === "reset"))).toBe(true);
  }, 60_000);
});
