import { describe, expectTypeOf, it } from "vitest";
import type { SseEvent } from "./http.js";
import {
  type AdapterError,
  type AIAdapter,
  type CollectedResponse,
  type ContentChunk,
  collect,
  type DoneChunk,
  type FinishReason,
  HttpError,
  type Message,
  ProtocolError,
  RateLimitError,
  type ResetChunk,
  type StreamChunk,
  type StreamOptions,
  StreamTimeoutError,
  type ThinkingChunk,
  type ToolCall,
  type ToolCallsChunk,
  type Usage,
} from "./index.js";
import { createMockAdapter, type MockAdapter, type MockStep } from "./testing.js";

/** True only for `any`. */
type IsAny<T> = 0 extends 1 & T ? true : false;
/** `true` when some property of `T` (one level deep) is `any`. */
type HasAnyField<T> = true extends { [K in keyof T]-?: IsAny<T[K]> }[keyof T] ? true : false;

describe("StreamChunk", () => {
  it("narrows on type", () => {
    const handle = (chunk: StreamChunk): string => {
      switch (chunk.type) {
        case "content":
          expectTypeOf(chunk).toEqualTypeOf<ContentChunk>();
          expectTypeOf(chunk.content).toBeString();
          return chunk.content;
        case "thinking":
          expectTypeOf(chunk).toEqualTypeOf<ThinkingChunk>();
          return chunk.thinking;
        case "tool_calls":
          expectTypeOf(chunk).toEqualTypeOf<ToolCallsChunk>();
          expectTypeOf(chunk.toolCalls).toEqualTypeOf<ToolCall[]>();
          return chunk.toolCalls[0]?.name ?? "";
        case "reset":
          expectTypeOf(chunk).toEqualTypeOf<ResetChunk>();
          return chunk.reason;
        case "done":
          expectTypeOf(chunk).toEqualTypeOf<DoneChunk>();
          expectTypeOf(chunk.finishReason).toEqualTypeOf<FinishReason>();
          expectTypeOf(chunk.usage).toEqualTypeOf<Usage | undefined>();
          return chunk.model;
        default:
          // Exhaustive: a new chunk type must be handled above.
          expectTypeOf(chunk).toBeNever();
          return chunk;
      }
    };
    expectTypeOf(handle).parameter(0).toEqualTypeOf<StreamChunk>();
  });

  it("has exactly these discriminants", () => {
    expectTypeOf<StreamChunk["type"]>().toEqualTypeOf<
      "content" | "thinking" | "tool_calls" | "reset" | "done"
    >();
  });

  it("keeps raw frames unknown, never any", () => {
    expectTypeOf<ContentChunk["raw"]>().toEqualTypeOf<unknown>();
    expectTypeOf<DoneChunk["raw"]>().toEqualTypeOf<unknown>();
  });

  it("rejects malformed chunks", () => {
    // @ts-expect-error content chunks carry `content`
    const bad: StreamChunk = { type: "content", text: "x" };
    // @ts-expect-error unknown chunk type
    const unknownType: StreamChunk = { type: "usage" };
    // @ts-expect-error finishReason is a closed union
    const badReason: StreamChunk = { type: "done", finishReason: "eos", model: "m", provider: "p" };
    void [bad, unknownType, badReason];
  });
});

describe("public types", () => {
  it("have no any fields", () => {
    expectTypeOf<HasAnyField<ContentChunk>>().toEqualTypeOf<false>();
    expectTypeOf<HasAnyField<ThinkingChunk>>().toEqualTypeOf<false>();
    expectTypeOf<HasAnyField<ToolCallsChunk>>().toEqualTypeOf<false>();
    expectTypeOf<HasAnyField<ResetChunk>>().toEqualTypeOf<false>();
    expectTypeOf<HasAnyField<DoneChunk>>().toEqualTypeOf<false>();
    expectTypeOf<HasAnyField<ToolCall>>().toEqualTypeOf<false>();
    expectTypeOf<HasAnyField<Message>>().toEqualTypeOf<false>();
    expectTypeOf<HasAnyField<StreamOptions>>().toEqualTypeOf<false>();
    expectTypeOf<HasAnyField<Usage>>().toEqualTypeOf<false>();
    expectTypeOf<HasAnyField<AIAdapter>>().toEqualTypeOf<false>();
    expectTypeOf<HasAnyField<CollectedResponse>>().toEqualTypeOf<false>();
    expectTypeOf<HasAnyField<SseEvent>>().toEqualTypeOf<false>();
    expectTypeOf<HasAnyField<AdapterError>>().toEqualTypeOf<false>();
    expectTypeOf<HasAnyField<HttpError>>().toEqualTypeOf<false>();
    expectTypeOf<HasAnyField<MockAdapter>>().toEqualTypeOf<false>();
    expectTypeOf<ToolCall["arguments"]>().toEqualTypeOf<Record<string, unknown>>();
    expectTypeOf<NonNullable<StreamOptions["providerOptions"]>>().toEqualTypeOf<
      Record<string, unknown>
    >();
  });

  it("the test helpers detect any", () => {
    expectTypeOf<IsAny<unknown>>().toEqualTypeOf<false>();
    // biome-ignore lint/suspicious/noExplicitAny: checking the checker
    expectTypeOf<HasAnyField<{ a: string; b: any }>>().toEqualTypeOf<true>();
  });

  it("AIAdapter.stream yields StreamChunk and collect returns CollectedResponse", () => {
    expectTypeOf<ReturnType<AIAdapter["stream"]>>().toEqualTypeOf<AsyncIterable<StreamChunk>>();
    expectTypeOf(collect).returns.toEqualTypeOf<Promise<CollectedResponse>>();
  });
});

describe("errors", () => {
  it("isInstance narrows unknown to the class", () => {
    const error: unknown = undefined;
    if (RateLimitError.isInstance(error)) {
      expectTypeOf(error).toEqualTypeOf<RateLimitError>();
      expectTypeOf(error.retryAfterMs).toEqualTypeOf<number | undefined>();
      expectTypeOf(error.status).toBeNumber();
    }
    if (ProtocolError.isInstance(error)) {
      expectTypeOf(error.reason).toEqualTypeOf<
        | "malformed_frame"
        | "oversize_frame"
        | "truncated"
        | "invalid_tool_arguments"
        | "unexpected_frame"
      >();
    }
    if (StreamTimeoutError.isInstance(error)) {
      expectTypeOf(error.phase).toEqualTypeOf<"idle" | "total">();
    }
    if (HttpError.isInstance(error)) expectTypeOf(error.body).toBeString();
  });
});

describe("createMockAdapter", () => {
  it("returns a MockAdapter that is an AIAdapter", () => {
    const adapter = createMockAdapter({ script: [{ type: "done" }] });
    expectTypeOf(adapter).toEqualTypeOf<MockAdapter>();
    expectTypeOf(adapter).toMatchTypeOf<AIAdapter>();
  });

  it("accepts the documented steps and rejects others", () => {
    const steps: MockStep[] = [
      { type: "content", content: "a" },
      { type: "thinking", thinking: "t" },
      { type: "tool_calls", toolCalls: [{ id: "1", name: "f", arguments: {} }] },
      { type: "delay", ms: 5 },
      { type: "hang" },
      { type: "error", error: new Error("x") },
      { type: "error", error: (partial) => new Error(partial.content) },
      { type: "truncate" },
      { type: "done", finishReason: "stop", usage: { inputTokens: 1 } },
    ];
    // @ts-expect-error a delay needs ms
    const noMs: MockStep = { type: "delay" };
    // @ts-expect-error the mock never yields reset (only the orchestrator does)
    const reset: MockStep = { type: "reset", reason: "x", provider: "p" };
    void [steps, noMs, reset];
  });
});
