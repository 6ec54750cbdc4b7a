import type { AIAdapter } from "@x/core";
import { createMockAdapter } from "@x/core/testing";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LoadedModels } from "../src/pool/loaded-models.js";
import { ReplicaStats } from "../src/pool/replica-stats.js";

/** A mock Ollama-like adapter whose `/api/ps` answer is `running` (or a failure). */
function host(model: string, running: () => string[]) {
  const adapter = createMockAdapter({ provider: "ollama", model, script: [{ type: "done" }] });
  const calls: AbortSignal[] = [];
  const listRunningModels = async (options: { signal?: AbortSignal }) => {
    calls.push(options.signal!);
    return running().map((name) => ({ name }));
  };
  return { adapter: Object.assign(adapter, { listRunningModels }) as AIAdapter, calls };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("LoadedModels (the /api/ps refresh)", () => {
  it("marks where the model is loaded, tags included, and asks only adapters that can tell", async () => {
    vi.useFakeTimers();
    const a = host("llama3.2", () => ["llama3.2:latest"]);
    const b = host("qwen3:8b", () => ["qwen3:4b"]);
    const c = host("hf.co/org/model", () => ["hf.co/org/model:latest"]);
    const plain = createMockAdapter({ provider: "openai", script: [{ type: "done" }] });
    const stats = [a, b, c, { adapter: plain }].map(() => new ReplicaStats());
    const watch = new LoadedModels(
      [a, b, c, { adapter: plain }].map((r, i) => ({ adapter: r.adapter, stats: stats[i]! })),
      1_000,
      60_000,
    );
    watch.touch(Date.now());
    await vi.advanceTimersByTimeAsync(0);
    expect(stats.map((s) => s.loaded)).toEqual([true, false, true, undefined]);
    watch.stop();
  });

  it("refreshes while in use, stops after the idle time and on stop(), leaving no timer", async () => {
    vi.useFakeTimers();
    let running = ["m:latest"];
    const a = host("m", () => running);
    const stats = new ReplicaStats();
    const watch = new LoadedModels([{ adapter: a.adapter, stats }], 1_000, 10_000);
    watch.touch(Date.now());
    await vi.advanceTimersByTimeAsync(0);
    expect(stats.loaded).toBe(true);
    running = [];
    await vi.advanceTimersByTimeAsync(1_000);
    expect(stats.loaded).toBe(false);
    expect(a.calls).toHaveLength(2);
    // No request for longer than the idle time: it stops by itself.
    await vi.advanceTimersByTimeAsync(20_000);
    const afterIdle = a.calls.length;
    expect(afterIdle).toBeLessThanOrEqual(12);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(a.calls).toHaveLength(afterIdle);
    expect(vi.getTimerCount()).toBe(0);
    // The next request starts it again; stop() ends it for good.
    watch.touch(Date.now());
    await vi.advanceTimersByTimeAsync(0);
    expect(a.calls).toHaveLength(afterIdle + 1);
    watch.stop();
    expect(vi.getTimerCount()).toBe(0);
    watch.touch(Date.now());
    await vi.advanceTimersByTimeAsync(5_000);
    expect(a.calls).toHaveLength(afterIdle + 1);
  });

  it("a host that fails to answer is unknown, and a refresh in flight is aborted by stop()", async () => {
    let fail = true;
    let pending: AbortSignal | undefined;
    const adapter = Object.assign(
      createMockAdapter({ provider: "ollama", model: "m", script: [{ type: "done" }] }),
      {
        listRunningModels: (options: { signal?: AbortSignal }) => {
          if (fail) return Promise.reject(new Error("refused"));
          pending = options.signal;
          return new Promise<never>((_, reject) =>
            options.signal!.addEventListener("abort", () => reject(new Error("aborted"))),
          );
        },
      },
    );
    const stats = new ReplicaStats();
    stats.loaded = true;
    const watch = new LoadedModels([{ adapter, stats }], 1_000, 60_000);
    watch.touch(Date.now());
    await vi.waitFor(() => expect(stats.loaded).toBeUndefined());
    watch.stop();
    fail = false;
    const again = new LoadedModels([{ adapter, stats }], 1_000, 60_000);
    again.touch(Date.now());
    await vi.waitFor(() => expect(pending).toBeDefined());
    again.stop();
    expect(pending!.aborted).toBe(true);
  });
});
