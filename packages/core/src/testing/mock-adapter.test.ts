// Imported through the package's own exports, as users do (the built dist).
import {
  AbortedError,
  type AIAdapter,
  collect,
  type Message,
  ProtocolError,
  ProviderError,
  type StreamChunk,
  UnavailableError,
} from "@x/core";
import { createMockAdapter, type MockScript, textSteps } from "@x/core/testing";
import { afterEach, describe, expect, it, vi } from "vitest";

const messages: Message[] = [{ role: "user", content: "hi" }];

async function chunksOf(stream: AsyncIterable<StreamChunk>): Promise<StreamChunk[]> {
  const out: StreamChunk[] = [];
  for await (const chunk of stream) out.push(chunk);
  return out;
}

/** Settles `promise` into a value or the error it rejected with. */
const settle = (promise: Promise<unknown>) => promise.catch((error: unknown) => error);

/** Lets pending promise callbacks run (no timers involved). */
const ticks = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

afterEach(() => {
  vi.useRealTimers();
});

describe("createMockAdapter: answers", () => {
  it("streams text and a done chunk, and collect() assembles it", async () => {
    const adapter = createMockAdapter({
      script: [...textSteps("Hello brave world"), { type: "done" }],
    });
    const chunks = await chunksOf(adapter.stream(messages));
    expect(chunks).toEqual([
      { type: "content", content: "Hello " },
      { type: "content", content: "brave " },
      { type: "content", content: "world" },
      { type: "done", finishReason: "stop", model: "mock-model", provider: "mock" },
    ]);
    const result = await collect(adapter.stream(messages));
    expect(result.message).toEqual({ role: "assistant", content: "Hello brave world" });
  });

  it("textSteps splits by size when asked", () => {
    expect(textSteps("abcdefg", 3)).toEqual([
      { type: "content", content: "abc" },
      { type: "content", content: "def" },
      { type: "content", content: "g" },
    ]);
    expect(textSteps("")).toEqual([]);
  });

  it("streams thinking, tool calls and usage; finishReason defaults to tool_calls", async () => {
    const adapter = createMockAdapter({
      provider: "fake",
      model: "fake-1",
      script: [
        { type: "thinking", thinking: "Need weather." },
        {
          type: "tool_calls",
          toolCalls: [{ id: "c1", name: "weather", arguments: { city: "Oslo" } }],
        },
        { type: "done", usage: { inputTokens: 10, outputTokens: 4 }, tokensPerSec: 12 },
      ],
    });
    const result = await collect(adapter.stream(messages));
    expect(result.message).toEqual({
      role: "assistant",
      content: "",
      thinking: "Need weather.",
      toolCalls: [{ id: "c1", name: "weather", arguments: { city: "Oslo" } }],
    });
    expect(result).toMatchObject({
      finishReason: "tool_calls",
      provider: "fake",
      model: "fake-1",
      usage: { inputTokens: 10, outputTokens: 4 },
      tokensPerSec: 12,
    });
  });

  it("lets the done step set finishReason, model and provider (undefined keeps the default)", async () => {
    const adapter = createMockAdapter({
      script: [
        { type: "content", content: "x" },
        { type: "done", finishReason: "length", model: "served-model", provider: undefined },
      ],
    });
    const chunks = await chunksOf(adapter.stream(messages));
    expect(chunks.at(-1)).toEqual({
      type: "done",
      finishReason: "length",
      model: "served-model",
      provider: "mock",
    });
  });

  it("uses one script per call from a list, repeating the last", async () => {
    const adapter = createMockAdapter({
      script: [
        [{ type: "error", error: new UnavailableError("down", { provider: "mock" }) }],
        [{ type: "content", content: "second" }, { type: "done" }],
      ],
    });
    await expect(collect(adapter.stream(messages))).rejects.toThrow("down");
    expect((await collect(adapter.stream(messages))).message.content).toBe("second");
    expect((await collect(adapter.stream(messages))).message.content).toBe("second");
    expect(adapter.calls.map((call) => call.outcome)).toEqual(["error", "done", "done"]);
  });

  it("numbers calls in the order stream() was called, not the order they are iterated", async () => {
    const adapter = createMockAdapter({
      script: [
        [{ type: "content", content: "first" }, { type: "done" }],
        [{ type: "content", content: "second" }, { type: "done" }],
      ],
    });
    const first = adapter.stream(messages);
    const second = adapter.stream([{ role: "user", content: "again" }]);
    expect(adapter.calls).toHaveLength(2);
    expect(adapter.calls[1]?.outcome).toBeUndefined();
    expect((await collect(second)).message.content).toBe("second");
    expect((await collect(first)).message.content).toBe("first");
    expect(adapter.calls[1]?.messages[0]?.content).toBe("again");
  });

  it("calls a script function with the call index, messages and options", async () => {
    const seen: unknown[] = [];
    const adapter = createMockAdapter({
      script: (call, input, options): MockScript => {
        seen.push([call, input, options?.temperature]);
        return [
          { type: "content", content: `call ${call}: ${input[0]?.content}` },
          { type: "done" },
        ];
      },
    });
    expect((await collect(adapter.stream(messages, { temperature: 0.5 }))).message.content).toBe(
      "call 0: hi",
    );
    expect((await collect(adapter.stream([{ role: "user", content: "yo" }]))).message.content).toBe(
      "call 1: yo",
    );
    expect(seen).toEqual([
      [0, messages, 0.5],
      [1, [{ role: "user", content: "yo" }], undefined],
    ]);
  });

  it("records every call with its messages, options and outcome", async () => {
    const adapter = createMockAdapter({ script: [{ type: "done" }] });
    const options = { temperature: 0 };
    await collect(adapter.stream(messages, options));
    expect(adapter.calls).toEqual([{ messages, options, outcome: "done" }]);
  });

  it("has the AIAdapter shape with capabilities defaulting to true", () => {
    const adapter: AIAdapter = createMockAdapter({
      script: [{ type: "done" }],
      capabilities: { images: false },
    });
    expect(adapter.provider).toBe("mock");
    expect(adapter.model).toBe("mock-model");
    expect(adapter.capabilities).toEqual({
      tools: true,
      thinking: true,
      images: false,
      jsonSchema: true,
      usage: true,
    });
  });
});

describe("createMockAdapter: faults", () => {
  it("error before the first chunk is thrown by the first next()", async () => {
    const failure = new UnavailableError("connection refused", { provider: "mock" });
    const adapter = createMockAdapter({
      script: [
        { type: "error", error: failure },
        { type: "content", content: "never" },
      ],
    });
    const iterator = adapter.stream(messages)[Symbol.asyncIterator]();
    await expect(iterator.next()).rejects.toBe(failure);
    expect(adapter.calls[0]?.outcome).toBe("error");
    expect(adapter.openStreams).toBe(0);
  });

  it("mid-stream error receives the partial output", async () => {
    const adapter = createMockAdapter({
      script: [
        { type: "thinking", thinking: "t" },
        { type: "content", content: "Hel" },
        { type: "tool_calls", toolCalls: [{ id: "1", name: "f", arguments: {} }] },
        {
          type: "error",
          error: (partial) => new ProviderError("model crashed", { provider: "mock", partial }),
        },
        { type: "done" },
      ],
    });
    const seen: StreamChunk[] = [];
    const error = await settle(
      (async () => {
        for await (const chunk of adapter.stream(messages)) seen.push(chunk);
      })(),
    );
    expect(seen.map((c) => c.type)).toEqual(["thinking", "content", "tool_calls"]);
    expect(ProviderError.isInstance(error)).toBe(true);
    expect((error as ProviderError).partial).toEqual({
      content: "Hel",
      thinking: "t",
      toolCalls: [{ id: "1", name: "f", arguments: {} }],
    });
  });

  it("truncate throws a truncated ProtocolError with the partial output", async () => {
    const adapter = createMockAdapter({
      script: [{ type: "content", content: "Hel" }, { type: "truncate" }, { type: "done" }],
    });
    const error = await settle(collect(adapter.stream(messages)));
    expect(ProtocolError.isInstance(error)).toBe(true);
    expect((error as ProtocolError).reason).toBe("truncated");
    expect((error as ProtocolError).partial?.content).toBe("Hel");
    expect(adapter.calls[0]?.outcome).toBe("error");
  });

  it("a script without a done step ends in a truncated ProtocolError", async () => {
    const adapter = createMockAdapter({ script: [{ type: "content", content: "x" }] });
    const error = await settle(chunksOf(adapter.stream(messages)));
    expect((error as ProtocolError).reason).toBe("truncated");
  });

  it("throws a scripted protocol error", async () => {
    const adapter = createMockAdapter({
      script: [
        { type: "content", content: "x" },
        {
          type: "error",
          error: new ProtocolError("bad frame", {
            provider: "mock",
            reason: "malformed_frame",
            excerpt: "{oops",
          }),
        },
      ],
    });
    const error = await settle(collect(adapter.stream(messages)));
    expect((error as ProtocolError).reason).toBe("malformed_frame");
  });

  it("delays each step by its delay", async () => {
    vi.useFakeTimers();
    const adapter = createMockAdapter({
      script: [{ type: "delay", ms: 1000 }, { type: "content", content: "late" }, { type: "done" }],
    });
    const iterator = adapter.stream(messages)[Symbol.asyncIterator]();
    let result: IteratorResult<StreamChunk> | undefined;
    void iterator.next().then((r) => {
      result = r;
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(result).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(result?.value).toEqual({ type: "content", content: "late" });
    await iterator.return?.();
  });
});

describe("createMockAdapter: abort and cancel", () => {
  it("abort during a delay rejects promptly with AbortedError and clears the timer", async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const adapter = createMockAdapter({
      script: [{ type: "content", content: "a" }, { type: "delay", ms: 60_000 }, { type: "done" }],
    });
    const iterator = adapter
      .stream(messages, { signal: controller.signal })
      [Symbol.asyncIterator]();
    await iterator.next();
    const pending = settle(iterator.next());
    await ticks();
    expect(vi.getTimerCount()).toBe(1);
    const reason = new Error("stop");
    controller.abort(reason);
    const error = await pending;
    expect(AbortedError.isInstance(error)).toBe(true);
    expect((error as AbortedError).cause).toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
    expect(adapter.calls[0]?.outcome).toBe("aborted");
    expect(adapter.openStreams).toBe(0);
  });

  it("hang waits for the abort, with no timer, then rejects with AbortedError", async () => {
    const controller = new AbortController();
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    const before = timers();
    const adapter = createMockAdapter({ script: [{ type: "hang" }, { type: "done" }] });
    const pending = settle(collect(adapter.stream(messages, { signal: controller.signal })));
    await ticks();
    expect(adapter.openStreams).toBe(1);
    expect(timers()).toBe(before);
    controller.abort();
    const error = await pending;
    expect(AbortedError.isInstance(error)).toBe(true);
    expect(adapter.openStreams).toBe(0);
    expect(adapter.calls[0]?.outcome).toBe("aborted");
  });

  it("an already-aborted signal rejects the first next() without yielding", async () => {
    const adapter = createMockAdapter({
      script: [{ type: "content", content: "x" }, { type: "done" }],
    });
    const error = await settle(chunksOf(adapter.stream(messages, { signal: AbortSignal.abort() })));
    expect(AbortedError.isInstance(error)).toBe(true);
  });

  it("an abort between chunks stops the stream at the next step", async () => {
    const controller = new AbortController();
    const adapter = createMockAdapter({
      script: [
        { type: "content", content: "a" },
        { type: "content", content: "b" },
        { type: "done" },
      ],
    });
    const seen: string[] = [];
    const error = await settle(
      (async () => {
        for await (const chunk of adapter.stream(messages, { signal: controller.signal })) {
          if (chunk.type === "content") seen.push(chunk.content);
          controller.abort();
        }
      })(),
    );
    expect(seen).toEqual(["a"]);
    expect(AbortedError.isInstance(error)).toBe(true);
  });

  it("break marks the call cancelled and closes the stream", async () => {
    const adapter = createMockAdapter({
      script: [
        { type: "content", content: "a" },
        { type: "content", content: "b" },
        { type: "done" },
      ],
    });
    for await (const _chunk of adapter.stream(messages)) break;
    expect(adapter.calls[0]?.outcome).toBe("cancelled");
    expect(adapter.openStreams).toBe(0);
  });

  it("break after done keeps the outcome done", async () => {
    const adapter = createMockAdapter({ script: [{ type: "done" }] });
    for await (const chunk of adapter.stream(messages)) if (chunk.type === "done") break;
    expect(adapter.calls[0]?.outcome).toBe("done");
    expect(adapter.openStreams).toBe(0);
  });

  it("counts streams that are open at the same time", async () => {
    const adapter = createMockAdapter({
      script: [{ type: "content", content: "x" }, { type: "done" }],
    });
    const a = adapter.stream(messages)[Symbol.asyncIterator]();
    const b = adapter.stream(messages)[Symbol.asyncIterator]();
    expect(adapter.openStreams).toBe(0);
    await a.next();
    await b.next();
    expect(adapter.openStreams).toBe(2);
    await a.return?.();
    expect(adapter.openStreams).toBe(1);
    await b.next();
    await b.next();
    expect(adapter.openStreams).toBe(0);
    expect(adapter.calls.map((call) => call.outcome)).toEqual(["cancelled", "done"]);
  });
});

describe("createMockAdapter: healthCheck and listModels", () => {
  it("answers health from the option (default true) and never rejects", async () => {
    expect(await createMockAdapter({ script: [] }).healthCheck()).toBe(true);
    expect(await createMockAdapter({ script: [], health: false }).healthCheck()).toBe(false);
    expect(await createMockAdapter({ script: [], health: async () => true }).healthCheck()).toBe(
      true,
    );
    const throwing = createMockAdapter({
      script: [],
      health: () => {
        throw new Error("boom");
      },
    });
    expect(await throwing.healthCheck()).toBe(false);
    expect(
      await createMockAdapter({ script: [], health: true }).healthCheck({
        signal: AbortSignal.abort(),
      }),
    ).toBe(false);
  });

  it('"hang" resolves false at its timeout (default 2000 ms)', async () => {
    vi.useFakeTimers();
    const adapter = createMockAdapter({ script: [], health: "hang" });
    let result: boolean | undefined;
    void adapter.healthCheck({ timeoutMs: 300 }).then((r) => {
      result = r;
    });
    await vi.advanceTimersByTimeAsync(299);
    expect(result).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(result).toBe(false);
    let byDefault: boolean | undefined;
    void adapter.healthCheck().then((r) => {
      byDefault = r;
    });
    await vi.advanceTimersByTimeAsync(1999);
    expect(byDefault).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(byDefault).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('"hang" resolves false at once when the signal fires', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const adapter = createMockAdapter({ script: [], health: "hang" });
    const pending = adapter.healthCheck({ timeoutMs: 60_000, signal: controller.signal });
    controller.abort();
    expect(await pending).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("lists models, or throws the scripted error or AbortedError", async () => {
    expect(await createMockAdapter({ script: [] }).listModels()).toEqual(["mock-model"]);
    const models = ["a", "b"];
    const listed = await createMockAdapter({ script: [], models }).listModels();
    expect(listed).toEqual(models);
    expect(listed).not.toBe(models);
    const failure = new UnavailableError("down", { provider: "mock" });
    await expect(createMockAdapter({ script: [], models: failure }).listModels()).rejects.toBe(
      failure,
    );
    const aborted = await settle(
      createMockAdapter({ script: [] }).listModels({ signal: AbortSignal.abort() }),
    );
    expect(AbortedError.isInstance(aborted)).toBe(true);
  });
});
