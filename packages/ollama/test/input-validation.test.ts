import { InvalidRequestError, type Message, type StreamOptions } from "@x/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OllamaAdapter } from "../src/index.js";
import { type Loopback, serveNdjson, startServer } from "./loopback-server.js";

let server: Loopback;

beforeAll(async () => {
  server = await startServer((_req, res) => serveNdjson(res, "t1-plain.ndjson"));
});
afterAll(async () => {
  await server.close();
});

const hi: Message[] = [{ role: "user", content: "hi" }];

const circular: Record<string, unknown> = { a: 1 };
circular.self = circular;

/** Calls `stream()` (which must not throw) and returns what the first `next()` threw. */
async function firstError(messages: unknown, options?: unknown): Promise<unknown> {
  const adapter = new OllamaAdapter({ baseUrl: server.url, model: "m" });
  const before = server.requests.length;
  let iterable: AsyncIterable<unknown>;
  try {
    iterable = adapter.stream(messages as Message[], options as StreamOptions);
  } catch (error) {
    throw new Error(`stream() threw synchronously: ${String(error)}`);
  }
  try {
    await iterable[Symbol.asyncIterator]().next();
    return undefined;
  } catch (error) {
    return error;
  } finally {
    await adapter.close();
    expect(server.requests.length, "no request may be sent").toBe(before);
  }
}

const weather = {
  type: "function" as const,
  function: { name: "get_weather", parameters: { type: "object" } as Record<string, unknown> },
};

describe("bad input is an InvalidRequestError from the first next(), with nothing sent", () => {
  it.each<[string, unknown, unknown]>([
    ["messages: null", null, undefined],
    ["messages: a string", "hi", undefined],
    ["a message that is null", [null], undefined],
    ["a message without a role", [{ content: "hi" }], undefined],
    ["an unknown role", [{ role: "robot", content: "hi" }], undefined],
    ["content that is a number", [{ role: "user", content: 42 }], undefined],
    ["images that are not an array", [{ role: "user", content: "x", images: "abc" }], undefined],
    ["an image URL", [{ role: "user", content: "x", images: ["https://a/b.png"] }], undefined],
    [
      "a tool call without arguments",
      [{ role: "assistant", content: "", toolCalls: [{ id: "c", name: "f" }] }],
      undefined,
    ],
    ["options: a string", hi, "fast"],
    ["temperature: a string", hi, { temperature: "0.2" }],
    ["maxTokens: NaN", hi, { maxTokens: Number.NaN }],
    ["stop: a string", hi, { stop: "\n" }],
    ["tools: not an array", hi, { tools: weather }],
    ["providerOptions with a BigInt", hi, { providerOptions: { seed: 10n } }],
    ["providerOptions with a circular value", hi, { providerOptions: { extra: circular } }],
    [
      "a tool schema with a circular value",
      hi,
      { tools: [{ ...weather, function: { ...weather.function, parameters: circular } }] },
    ],
    ["signal: not an AbortSignal", hi, { signal: "stop" }],
    ["timeouts.firstChunkMs: 0", hi, { timeouts: { firstChunkMs: 0 } }],
    ["timeouts.idleMs: negative", hi, { timeouts: { idleMs: -5 } }],
    ["timeouts.totalMs: NaN", hi, { timeouts: { totalMs: Number.NaN } }],
  ])("%s", async (_name, messages, options) => {
    const error = await firstError(messages, options);
    expect(InvalidRequestError.isInstance(error), String(error)).toBe(true);
    const e = error as InvalidRequestError;
    expect(e.retryable).toBe(false);
    expect(e.status).toBe(0);
    expect(e.provider).toBe("ollama");
  });

  it("names the problem (and keeps the serialiser's error as the cause)", async () => {
    const bigint = (await firstError(hi, { providerOptions: { seed: 10n } })) as Error;
    expect(bigint.message).toMatch(/cannot be sent as JSON/);
    expect(bigint.cause).toBeInstanceOf(TypeError);
    const zero = (await firstError(hi, { timeouts: { firstChunkMs: 0 } })) as Error;
    expect(zero.message).toContain("timeouts.firstChunkMs");
  });

  it("an invalid default limit in the adapter options is refused the same way", async () => {
    const adapter = new OllamaAdapter({ baseUrl: server.url, model: "m", timeouts: { idleMs: 0 } });
    const before = server.requests.length;
    const error = await adapter
      .stream(hi)
      [Symbol.asyncIterator]()
      .next()
      .catch((e) => e);
    await adapter.close();
    expect(InvalidRequestError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain("timeouts.idleMs");
    expect(server.requests.length).toBe(before);
  });

  it("well-formed input with every optional field still streams", async () => {
    const adapter = new OllamaAdapter({ baseUrl: server.url, model: "m" });
    const chunks: string[] = [];
    for await (const chunk of adapter.stream(
      [
        { role: "system", content: "Be terse." },
        { role: "user", content: "x", images: ["AAAA"] },
        {
          role: "assistant",
          content: "",
          thinking: "t",
          toolCalls: [{ id: "c1", name: "get_weather", arguments: { city: "Oslo" } }],
        },
        { role: "tool", content: "{}", toolCallId: "c1" },
      ],
      {
        tools: [weather],
        temperature: 0,
        stop: ["\n"],
        think: "high",
        responseFormat: "json",
        signal: new AbortController().signal,
        timeouts: { firstChunkMs: 60_000 },
        providerOptions: { num_ctx: 4096 },
      },
    )) {
      chunks.push(chunk.type);
    }
    await adapter.close();
    expect(chunks.at(-1)).toBe("done");
  });
});
