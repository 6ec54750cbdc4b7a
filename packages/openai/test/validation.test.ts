import { InvalidRequestError, type Message, type StreamOptions } from "@x/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FixtureServer, sse } from "./fixture-server.js";
import { adapterFor, drain } from "./helpers.js";

let server: FixtureServer;
beforeAll(async () => {
  server = await new FixtureServer().start();
  server.answer(sse("t1-openai-text.sse"));
});
afterAll(async () => {
  await server.stop();
});

const hi: Message[] = [{ role: "user", content: "hi" }];
const circular: Record<string, unknown> = { a: 1 };
circular.self = circular;
const user = (images: unknown[]) => [{ role: "user", content: "what is it?", images }];

/** Inputs a JavaScript caller (or a bad cast) can pass. */
const BAD_INPUT: Array<[string, unknown, unknown]> = [
  ["messages: null", null, {}],
  ["messages: a string", "hi", {}],
  ["a message that is null", [null], {}],
  ["an unknown role", [{ role: "robot", content: "hi" }], {}],
  ["content that is not a string", [{ role: "user", content: 42 }], {}],
  [
    "tool call arguments with a BigInt",
    [{ role: "assistant", content: "", toolCalls: [{ id: "c", name: "f", arguments: { n: 1n } }] }],
    {},
  ],
  [
    "a tool call without a name",
    [{ role: "assistant", content: "", toolCalls: [{ id: "c" }] }],
    {},
  ],
  ["images on an assistant message", [{ role: "assistant", content: "x", images: ["aGk="] }], {}],
  ["a file: image URL", user(["file:///etc/passwd"]), {}],
  ["a non-image data: URL", user(["data:text/plain;base64,aGk="]), {}],
  ["a data: URL that is not base64", user(["data:image/png,rawbytes"]), {}],
  ["an image that is not base64", user(["not base64 at all!"]), {}],
  ["an image that is not a string", user([42]), {}],
  ["options: a string", hi, "fast"],
  ["providerOptions with a BigInt", hi, { providerOptions: { seed: 12n } }],
  ["circular providerOptions", hi, { providerOptions: { meta: circular } }],
  ["providerOptions: an array", hi, { providerOptions: [1, 2] }],
  [
    "a circular tool schema",
    hi,
    { tools: [{ type: "function", function: { name: "f", parameters: circular } }] },
  ],
  ["tools: not an array", hi, { tools: { name: "f" } }],
  ["a tool without a function name", hi, { tools: [{ type: "function", function: {} }] }],
  ["toolChoice: an unknown string", hi, { toolChoice: "sometimes" }],
  ["temperature: a string", hi, { temperature: "hot" }],
  ["maxTokens: NaN", hi, { maxTokens: Number.NaN }],
  ["stop: a string", hi, { stop: "\n" }],
  ["think: an unknown level", hi, { think: "max" }],
  ["responseFormat: xml", hi, { responseFormat: "xml" }],
  ["a json_schema without a schema", hi, { responseFormat: { type: "json_schema" } }],
  ["signal: not an AbortSignal", hi, { signal: {} }],
  ["timeouts: a number", hi, { timeouts: 5000 }],
  ["timeouts.idleMs: 0", hi, { timeouts: { idleMs: 0 } }],
];

describe("bad caller input → InvalidRequestError from the first next(), nothing sent", () => {
  it.each(BAD_INPUT)("%s", async (_name, messages, options) => {
    const adapter = adapterFor(server);
    const sent = server.requests.length;
    let stream: AsyncIterable<unknown> | undefined;
    // stream() itself never throws.
    expect(() => {
      stream = adapter.stream(messages as Message[], options as StreamOptions);
    }).not.toThrow();
    const { chunks, error } = await drain(stream as AsyncIterable<never>);
    expect(chunks).toEqual([]);
    expect(InvalidRequestError.isInstance(error)).toBe(true);
    expect(error).not.toBeInstanceOf(TypeError);
    expect((error as InvalidRequestError).retryable).toBe(false);
    expect((error as InvalidRequestError).status).toBe(0);
    expect((error as InvalidRequestError).provider).toBe("openai");
    expect(server.requests.length).toBe(sent);
    await adapter.close();
  });

  it("good input of every accepted form is sent", async () => {
    const adapter = adapterFor(server);
    const { error } = await drain(
      adapter.stream(
        [
          {
            role: "user",
            content: "",
            images: ["iVBORw0KGgo=", "data:image/webp;base64,UklGRg==", "https://x.test/a.png"],
          },
          { role: "assistant", content: "", toolCalls: [{ id: "c", name: "f", arguments: {} }] },
          { role: "tool", content: "ok", toolCallId: "c" },
        ],
        { temperature: 0, stop: [], think: true, timeouts: { idleMs: Number.POSITIVE_INFINITY } },
      ),
    );
    expect(error).toBeUndefined();
    await adapter.close();
  });
});
