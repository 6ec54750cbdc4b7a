import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidRequestError } from "../errors/errors.js";
import type { Message } from "../types/message.js";
import type { StreamOptions } from "../types/stream-options.js";
import type { ToolDefinition } from "../types/tool-definition.js";
import { checkStreamInput } from "./check-stream-input.js";

const context = { provider: "test", model: "m", secrets: ["sk-secret-123"] };
const hi = [{ role: "user", content: "hi" }];

/** What `checkStreamInput` threw (asserting it is an InvalidRequestError), or undefined. */
function problem(messages: unknown, options?: unknown): InvalidRequestError | undefined {
  try {
    checkStreamInput(messages, options, context);
    return undefined;
  } catch (error) {
    expect(InvalidRequestError.isInstance(error), String(error)).toBe(true);
    return error as InvalidRequestError;
  }
}

/** The message `checkStreamInput` threw, without the `"test: "` prefix. */
function message(messages: unknown, options?: unknown): string | undefined {
  const error = problem(messages, options);
  if (error === undefined) return undefined;
  expect(error.message.startsWith("test: ")).toBe(true);
  return error.message.slice("test: ".length);
}

const weather: ToolDefinition = {
  type: "function",
  function: { name: "get_weather", description: "Weather", parameters: { type: "object" } },
};

describe("checkStreamInput: well-formed input", () => {
  it("returns the same messages and options, typed", () => {
    const messages: Message[] = [
      { role: "system", content: "Be terse." },
      { role: "user", content: "what is it?", images: ["AAAA", "https://x.test/a.png"] },
      {
        role: "assistant",
        content: "",
        thinking: "hm",
        toolCalls: [{ id: "c1", name: "get_weather", arguments: { city: "Oslo" } }],
      },
      { role: "tool", content: "{}", toolCallId: "c1", name: "get_weather" },
    ];
    const options: StreamOptions = {
      tools: [weather],
      toolChoice: { type: "function", name: "get_weather" },
      temperature: 0,
      topP: 0.9,
      maxTokens: 64,
      stop: ["\n"],
      seed: 7,
      think: "high",
      responseFormat: { type: "json_schema", schema: { type: "object" }, name: "a", strict: true },
      signal: new AbortController().signal,
      timeouts: { firstChunkMs: 1000, idleMs: Number.POSITIVE_INFINITY },
      providerOptions: { num_ctx: 4096 },
    };
    const checked = checkStreamInput(messages, options, context);
    expect(checked.messages).toBe(messages);
    expect(checked.options).toBe(options);
  });

  it("undefined options become {}; empty lists and every simple choice pass", () => {
    expect(checkStreamInput([], undefined, context).options).toEqual({});
    for (const options of [
      { tools: [], stop: [], think: false },
      { toolChoice: "auto", think: true, responseFormat: "json" },
      { toolChoice: "none", think: "low" },
      { toolChoice: "required", think: "medium" },
      { timeouts: {} },
      { temperature: undefined, providerOptions: {} },
    ]) {
      expect(message(hi, options), JSON.stringify(options)).toBeUndefined();
    }
  });

  it("accepts a null-prototype message and an AbortSignal-like object from another realm", () => {
    const bare = Object.assign(Object.create(null) as object, { role: "user", content: "x" });
    const signal = { aborted: false, addEventListener() {}, removeEventListener() {} };
    expect(message([bare], { signal })).toBeUndefined();
  });
});

describe("checkStreamInput: messages", () => {
  it.each<[string, unknown, string]>([
    ["null", null, "messages must be an array of messages"],
    ["a string", "hi", "messages must be an array of messages"],
    ["one message, not in an array", { role: "user", content: "x" }, "messages must be an array"],
    ["a null message", [null], "messages[0] must be an object"],
    ["a hole", Object.assign([], { 0: hi[0], 2: hi[0] }), "messages[1] must be an object"],
    ["an array as a message", [["user", "x"]], "messages[0] must be an object"],
    ["no role", [{ content: "x" }], "messages[0].role must be system, user, assistant or tool"],
    ["an unknown role", [...hi, { role: "robot", content: "x" }], "messages[1].role must be"],
    ["a role of another case", [{ role: "User", content: "x" }], "messages[0].role must be"],
    ["no content", [{ role: "user" }], 'messages[0].content must be a string (use "" for none)'],
    ["null content", [{ role: "assistant", content: null }], "messages[0].content must be"],
    ["content parts", [{ role: "user", content: [{ type: "text" }] }], "messages[0].content"],
    [
      "images: a string",
      [{ role: "user", content: "", images: "AAAA" }],
      "images must be an array",
    ],
    [
      "an image that is a number",
      [{ role: "user", content: "", images: ["AAAA", 42] }],
      "messages[0].images[1] must be a string (base64, a data: URL or an http(s) URL)",
    ],
    ["thinking: a number", [{ role: "assistant", content: "", thinking: 1 }], "thinking must be a"],
    ["toolCallId: a number", [{ role: "tool", content: "", toolCallId: 7 }], "toolCallId must be"],
    [
      "name: null",
      [{ role: "tool", content: "", name: null }],
      "messages[0].name must be a string",
    ],
    [
      "toolCalls: an object",
      [{ role: "assistant", content: "", toolCalls: {} }],
      "must be an array",
    ],
    [
      "a tool call without arguments",
      [{ role: "assistant", content: "", toolCalls: [{ id: "c", name: "f" }] }],
      "messages[0].toolCalls[0] must be { id: string, name: string, arguments: object }",
    ],
    [
      "tool call arguments as JSON text",
      [{ role: "assistant", content: "", toolCalls: [{ id: "c", name: "f", arguments: "{}" }] }],
      "messages[0].toolCalls[0] must be",
    ],
    [
      "tool call arguments as an array",
      [{ role: "assistant", content: "", toolCalls: [{ id: "c", name: "f", arguments: [] }] }],
      "messages[0].toolCalls[0] must be",
    ],
    [
      "a tool call without an id",
      [{ role: "assistant", content: "", toolCalls: [{ name: "f", arguments: {} }] }],
      "messages[0].toolCalls[0] must be",
    ],
  ])("%s", (_name, messages, expected) => {
    expect(message(messages)).toContain(expected);
  });

  it("the first bad message is the one named", () => {
    expect(message([...hi, { role: "user", content: 1 }, null])).toMatch(/^messages\[1\]/);
  });
});

describe("checkStreamInput: options", () => {
  it.each<[string, unknown, string]>([
    ["a string", "fast", "options must be an object"],
    ["null", null, "options must be an object"],
    ["an array", [], "options must be an object"],
    [
      "temperature: a string",
      { temperature: "0.2" },
      "options.temperature must be a finite number",
    ],
    ["topP: Infinity", { topP: Number.POSITIVE_INFINITY }, "options.topP must be a finite number"],
    ["maxTokens: NaN", { maxTokens: Number.NaN }, "options.maxTokens must be a finite number"],
    ["seed: a BigInt", { seed: 7n }, "options.seed must be a finite number"],
    ["stop: a string", { stop: "\n" }, "options.stop must be an array of strings"],
    ["stop: with a number", { stop: ["a", 1] }, "options.stop must be an array of strings"],
    ["think: an unknown level", { think: "max" }, 'options.think must be a boolean, "low"'],
    ["think: a number", { think: 1 }, "options.think must be"],
    ["tools: one tool, not a list", { tools: weather }, "options.tools must be an array"],
    [
      "a tool without type",
      { tools: [weather, { function: { name: "f" } }] },
      'options.tools[1] must be { type: "function", function: { name: string } }',
    ],
    ["a tool without a name", { tools: [{ type: "function", function: {} }] }, "tools[0] must be"],
    [
      "a tool with a numeric description",
      { tools: [{ type: "function", function: { name: "f", description: 1 } }] },
      "options.tools[0].function.description must be a string",
    ],
    [
      "a tool with a string schema",
      { tools: [{ type: "function", function: { name: "f", parameters: "{}" } }] },
      "options.tools[0].function.parameters must be an object (a JSON schema)",
    ],
    ["toolChoice: an unknown string", { toolChoice: "sometimes" }, "options.toolChoice must be"],
    ["toolChoice: a name only", { toolChoice: { name: "f" } }, "options.toolChoice must be"],
    [
      "toolChoice: no name",
      { toolChoice: { type: "function" } },
      'options.toolChoice must be "auto", "none", "required" or { type: "function", name: string }',
    ],
    ["responseFormat: xml", { responseFormat: "xml" }, "options.responseFormat must be"],
    [
      "responseFormat: no schema",
      { responseFormat: { type: "json_schema" } },
      'options.responseFormat must be "json" or { type: "json_schema", schema: object }',
    ],
    [
      "responseFormat: no type",
      { responseFormat: { schema: {} } },
      "options.responseFormat must be",
    ],
    [
      "responseFormat: a numeric name",
      { responseFormat: { type: "json_schema", schema: {}, name: 1 } },
      "options.responseFormat.name must be a string",
    ],
    [
      "responseFormat: strict as text",
      { responseFormat: { type: "json_schema", schema: {}, strict: "yes" } },
      "options.responseFormat.strict must be a boolean",
    ],
    ["signal: a string", { signal: "stop" }, "options.signal must be an AbortSignal"],
    ["signal: an empty object", { signal: {} }, "options.signal must be an AbortSignal"],
    ["signal: a controller", { signal: new AbortController() }, "options.signal must be"],
    ["timeouts: a number", { timeouts: 5000 }, "options.timeouts must be an object"],
    [
      "timeouts.firstChunkMs: 0",
      { timeouts: { firstChunkMs: 0 } },
      "options.timeouts.firstChunkMs",
    ],
    ["timeouts.idleMs: negative", { timeouts: { idleMs: -5 } }, "options.timeouts.idleMs must be"],
    ["timeouts.totalMs: text", { timeouts: { totalMs: "5s" } }, "options.timeouts.totalMs must be"],
    ["providerOptions: an array", { providerOptions: [1] }, "options.providerOptions must be an"],
    ["providerOptions: null", { providerOptions: null }, "options.providerOptions must be an"],
  ])("%s", (_name, options, expected) => {
    expect(message(hi, options)).toContain(expected);
  });

  it("leaves protocol questions to the adapter: BigInt and circular values inside objects pass", () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(message(hi, { providerOptions: { seed: 1n, circular } })).toBeUndefined();
    const tool = { type: "function", function: { name: "f", parameters: circular } };
    expect(message(hi, { tools: [tool] })).toBeUndefined();
  });
});

describe("checkStreamInput: the error", () => {
  it("is an InvalidRequestError: status 0, not retryable, with the context's provider and model", () => {
    const error = problem(hi, { temperature: "hot" });
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error?.message).toBe("test: options.temperature must be a finite number");
    expect(error?.status).toBe(0);
    expect(error?.retryable).toBe(false);
    expect(error?.code).toBe("invalid_request");
    expect(error?.provider).toBe("test");
    expect(error?.model).toBe("m");
  });

  it("a getter or proxy that throws is an InvalidRequestError with what it threw as the cause", () => {
    const thrown = new Error("boom sk-secret-123");
    const getter = {
      role: "user",
      get content(): string {
        throw thrown;
      },
    };
    const error = problem([getter]);
    expect(error?.message).toBe(
      "test: the messages or options cannot be read (reading them threw)",
    );
    expect((error?.cause as Error).message).toBe("boom [REDACTED]");
    const { proxy, revoke } = Proxy.revocable([], {});
    revoke();
    expect((problem(proxy)?.cause as Error).name).toBe("TypeError");
    const hostile = new Proxy(
      {},
      {
        get: () => {
          throw "not even an Error";
        },
      },
    );
    expect(problem(hi, hostile)?.cause).toBe("not even an Error");
  });

  it("throws nothing but InvalidRequestError, whatever the input (property)", () => {
    const anything = fc.anything({
      withBigInt: true,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withObjectString: true,
      withSparseArray: true,
      withTypedArray: true,
    });
    // Each field is either a value of its type or anything at all, so that every check is
    // reached often with both (a check that throws on some value shows as "cannot be read").
    const field = <T>(valid: fc.Arbitrary<T>) =>
      fc.oneof({ arbitrary: valid, weight: 5 }, { arbitrary: anything, weight: 1 });
    const json = fc.dictionary(fc.string(), anything);
    const message = fc.record(
      {
        role: field(fc.constantFrom("system", "user", "assistant", "tool")),
        content: field(fc.string()),
        images: field(fc.array(field(fc.string()))),
        thinking: field(fc.string()),
        toolCalls: field(
          fc.array(
            field(fc.record({ id: field(fc.string()), name: fc.string(), arguments: json })),
          ),
        ),
        toolCallId: field(fc.string()),
        name: field(fc.string()),
      },
      { requiredKeys: ["role", "content"] },
    );
    const tool = fc.record({
      type: field(fc.constant("function")),
      function: field(
        fc.record(
          { name: field(fc.string()), description: field(fc.string()), parameters: field(json) },
          { requiredKeys: ["name"] },
        ),
      ),
    });
    const number = field(fc.double());
    const options = fc.record(
      {
        tools: field(fc.array(field(tool))),
        toolChoice: field(
          fc.oneof(
            fc.constantFrom("auto", "none", "required"),
            fc.record({ type: field(fc.constant("function")), name: field(fc.string()) }),
          ),
        ),
        temperature: number,
        topP: number,
        maxTokens: number,
        seed: number,
        stop: field(fc.array(field(fc.string()))),
        think: field(fc.constantFrom(true, false, "low", "medium", "high")),
        responseFormat: field(
          fc.oneof(
            fc.constant("json"),
            fc.record(
              {
                type: field(fc.constant("json_schema")),
                schema: field(json),
                name: field(fc.string()),
                strict: field(fc.boolean()),
              },
              { requiredKeys: ["type", "schema"] },
            ),
          ),
        ),
        signal: field(fc.constant(new AbortController().signal)),
        timeouts: field(fc.record({ firstChunkMs: number, idleMs: number, totalMs: number })),
        providerOptions: field(json),
      },
      { requiredKeys: [] },
    );
    const onlyInvalidRequest = (messages: unknown, opts: unknown) => {
      try {
        expect(checkStreamInput(messages, opts, context).messages).toBe(messages);
      } catch (error) {
        expect(InvalidRequestError.isInstance(error), String(error)).toBe(true);
        // Plain data has no throwing getter: every refusal names a rule, never "cannot be read"
        // (which would mean a check itself threw on some value).
        expect((error as InvalidRequestError).message).toMatch(/^test: (messages|options)/);
      }
    };
    const runs = { numRuns: 1000 };
    fc.assert(
      fc.property(fc.array(message, { maxLength: 4 }), (messages) =>
        onlyInvalidRequest(messages, {}),
      ),
      runs,
    );
    fc.assert(
      fc.property(options, (opts) => onlyInvalidRequest(hi, opts)),
      runs,
    );
    fc.assert(fc.property(anything, anything, onlyInvalidRequest), { numRuns: 300 });
  });
});
