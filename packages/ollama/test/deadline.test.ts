import type { ServerResponse } from "node:http";
import {
  collect,
  ModelLoadingTimeoutError,
  type StreamChunk,
  StreamTimeoutError,
  type Timeouts,
} from "@x/core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { OllamaAdapter } from "../src/index.js";
import { activeTimeouts, type Handler, type Loopback, startServer } from "./loopback-server.js";

let server: Loopback;
let handler: Handler = () => {};
/** Intervals the handlers started, cleared after each test. */
const intervals = new Set<ReturnType<typeof setInterval>>();

beforeAll(async () => {
  server = await startServer((req, res, recorded) => handler(req, res, recorded));
});
afterEach(() => {
  for (const interval of intervals) clearInterval(interval);
  intervals.clear();
});
afterAll(async () => {
  await server.close();
});

const hi = [{ role: "user" as const, content: "hi" }];

/** What Ollama sends that is not a chunk: empty content (load-only frames, before thinking). */
const EMPTY_FRAMES = [
  '{"model":"m","message":{"role":"assistant","content":""},"done":false}\n',
  '{"model":"m","message":{"role":"assistant","content":"","thinking":""},"done":false}\n',
  '{"model":"m","message":{"role":"assistant"},"done":false}\n',
];

/** Writes `first` (if any), then an empty frame every 20 ms until the socket closes. */
function emptyFramesAfter(first: string): Handler {
  return (_q, res: ServerResponse) => {
    res.writeHead(200, { "content-type": "application/x-ndjson" });
    res.write(first || EMPTY_FRAMES[0]);
    let i = 0;
    const interval = setInterval(() => {
      if (res.destroyed) clearInterval(interval);
      else res.write(EMPTY_FRAMES[i++ % EMPTY_FRAMES.length]);
    }, 20);
    intervals.add(interval);
  };
}

async function failure(timeouts: Timeouts): Promise<{ error: unknown; chunks: StreamChunk[] }> {
  const adapter = new OllamaAdapter({ baseUrl: server.url, model: "m", timeouts });
  const chunks: StreamChunk[] = [];
  try {
    for await (const chunk of adapter.stream(hi)) chunks.push(chunk);
    return { error: undefined, chunks };
  } catch (error) {
    return { error, chunks };
  } finally {
    await adapter.close();
  }
}

describe("firstChunkMs runs until the first content, thinking or tool-call chunk", () => {
  it("headers and empty frames do not satisfy it → ModelLoadingTimeoutError (cause kept); socket and timers released", async () => {
    handler = emptyFramesAfter("");
    const timersBefore = activeTimeouts();
    // totalMs is only a guard so that a wrong adapter fails instead of hanging.
    const { error, chunks } = await failure({ firstChunkMs: 250, totalMs: 5_000 });
    expect(chunks).toEqual([]);
    expect(ModelLoadingTimeoutError.isInstance(error), String(error)).toBe(true);
    const e = error as ModelLoadingTimeoutError;
    expect(e.timeoutMs).toBe(250);
    expect(e.retryable).toBe(true);
    expect(e.cause).toBeDefined();
    await server.allSocketsClosed();
    expect(activeTimeouts()).toBeLessThanOrEqual(timersBefore);
  });

  it("the first real chunk after empty frames ends it: the answer completes", async () => {
    handler = (_q, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.write(EMPTY_FRAMES.join(""));
      res.end(
        '{"model":"m","message":{"role":"assistant","content":"","thinking":"hm"},"done":false}\n{"model":"m","message":{"role":"assistant","content":"ok"},"done":true}\n',
      );
    };
    const adapter = new OllamaAdapter({ baseUrl: server.url, model: "m" });
    const chunks: StreamChunk[] = [];
    for await (const chunk of adapter.stream(hi, { timeouts: { firstChunkMs: 5_000 } })) {
      chunks.push(chunk);
    }
    await adapter.close();
    // Empty frames yield nothing at all.
    expect(chunks.map((c) => c.type)).toEqual(["thinking", "content", "done"]);
  });
});

describe("idleMs runs between chunks, and empty frames do not reset it", () => {
  it("a chunk, then only empty frames → StreamTimeoutError (idle) with the partial output", async () => {
    handler = emptyFramesAfter(
      '{"model":"m","message":{"role":"assistant","content":"Hel"},"done":false}\n',
    );
    const timersBefore = activeTimeouts();
    const { error, chunks } = await failure({ idleMs: 250, totalMs: 5_000 });
    expect(chunks).toEqual([{ type: "content", content: "Hel" }]);
    expect(StreamTimeoutError.isInstance(error), String(error)).toBe(true);
    const e = error as StreamTimeoutError;
    expect(e.phase).toBe("idle");
    expect(e.timeoutMs).toBe(250);
    expect(e.partial?.content).toBe("Hel");
    await server.allSocketsClosed();
    expect(activeTimeouts()).toBeLessThanOrEqual(timersBefore);
  });
});

describe("idleMs measures the server, not a consumer that holds a chunk", () => {
  it("a consumer holding each chunk 3× longer than idleMs still gets the whole answer", async () => {
    handler = (_q, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      // Every frame at once: whatever waits between chunks is the consumer.
      res.end(
        '{"model":"m","message":{"role":"assistant","content":"a"},"done":false}\n' +
          '{"model":"m","message":{"role":"assistant","content":"b"},"done":false}\n' +
          '{"model":"m","message":{"role":"assistant","content":"c"},"done":true,"done_reason":"stop"}\n',
      );
    };
    const adapter = new OllamaAdapter({
      baseUrl: server.url,
      model: "m",
      timeouts: { idleMs: 40 },
    });
    const chunks: StreamChunk[] = [];
    try {
      for await (const chunk of adapter.stream(hi)) {
        chunks.push(chunk);
        await new Promise((resolve) => setTimeout(resolve, 120)); // a slow consumer
      }
    } finally {
      await adapter.close();
    }
    expect(chunks.map((c) => c.type)).toEqual(["content", "content", "content", "done"]);
  });
});

describe("no limit: undefined, Infinity or above 2^31-1 ms (never a 1 ms timer)", () => {
  it("limits above 2^31-1 ms let a request that takes longer than 5 ms complete", async () => {
    handler = (_q, res) => {
      // Answer after 30 ms: a limit turned into a 1 ms timer would have fired by then.
      const timer = setTimeout(() => {
        res.writeHead(200, { "content-type": "application/x-ndjson" });
        res.write('{"model":"m","message":{"role":"assistant","content":"a"},"done":false}\n');
        const second = setTimeout(
          () => res.end('{"model":"m","message":{"role":"assistant","content":"b"},"done":true}\n'),
          30,
        );
        res.on("close", () => clearTimeout(second));
      }, 30);
      res.on("close", () => clearTimeout(timer));
    };
    const huge = 2 ** 31;
    const adapter = new OllamaAdapter({
      baseUrl: server.url,
      model: "m",
      timeouts: { firstChunkMs: huge, idleMs: huge * 4, totalMs: Number.POSITIVE_INFINITY },
    });
    const started = performance.now();
    const answer = await collect(adapter.stream(hi));
    await adapter.close();
    expect(performance.now() - started).toBeGreaterThan(5);
    expect(answer.message.content).toBe("ab");
  });
});
