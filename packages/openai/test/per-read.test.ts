import { AbortedError, type StreamChunk } from "@x/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OpenAIProtocolError } from "../src/index.js";
import { FixtureServer, sse } from "./fixture-server.js";
import { adapterFor, chunkOf, drain, sseEvent } from "./helpers.js";

let server: FixtureServer;
beforeEach(async () => {
  server = await new FixtureServer().start();
});
afterEach(async () => {
  await server.stop();
});

const hi = [{ role: "user" as const, content: "hi" }];
const SSE_HEADERS = { "content-type": "text/event-stream" };

/** An answer whose whole body is one server write (one network read for the client). */
function oneWrite(events: string[], end: boolean): ReturnType<typeof sse> {
  return {
    ...sse("t1-openai-text.sse"),
    script: (res) => {
      res.writeHead(200, SSE_HEADERS);
      if (end) res.end(events.join(""));
      else res.write(events.join(""));
    },
  };
}

/** A chunk without its `raw` frame. */
function withoutRaw(chunk: StreamChunk): unknown {
  const { raw: _raw, ...rest } = chunk as StreamChunk & { raw?: unknown };
  return rest;
}

const call = {
  index: 0,
  id: "call_1",
  type: "function",
  function: { name: "lookup", arguments: '{"q":"x"}' },
};

describe("each network read is mapped whole, then its chunks are yielded", () => {
  it("a malformed event after good ones in the same read: the good chunks first, partial is exactly them", async () => {
    server.answer(
      oneWrite(
        [
          sseEvent(chunkOf({ role: "assistant", content: "" })),
          sseEvent(chunkOf({ reasoning_content: "hm" })),
          sseEvent(chunkOf({ content: "a" })),
          sseEvent(chunkOf({ content: "b" })),
          sseEvent(chunkOf({ tool_calls: [call] }, "tool_calls")),
          "data: {not json\n\n",
          sseEvent(chunkOf({ content: "never" })),
          "data: [DONE]\n\n",
        ],
        true,
      ),
    );
    const adapter = adapterFor(server);
    const { chunks, error } = await drain(adapter.stream(hi));
    await adapter.close();
    expect(chunks.map(withoutRaw)).toEqual([
      { type: "thinking", thinking: "hm" },
      { type: "content", content: "a" },
      { type: "content", content: "b" },
      { type: "tool_calls", toolCalls: [{ id: "call_1", name: "lookup", arguments: { q: "x" } }] },
    ]);
    expect(OpenAIProtocolError.isInstance(error)).toBe(true);
    const e = error as OpenAIProtocolError;
    expect(e.reason).toBe("malformed_frame");
    expect(e.excerpt).toBe("{not json");
    expect(e.partial).toEqual({
      content: "ab",
      thinking: "hm",
      toolCalls: [{ id: "call_1", name: "lookup", arguments: { q: "x" } }],
    });
  });

  it("a caller abort while holding a chunk of a multi-event read: partial is what was received, not the rest of the read", async () => {
    server.answer(
      oneWrite(
        ["a", "b", "c", "d"].map((content) => sseEvent(chunkOf({ content }))),
        false, // then silence: only the abort ends the stream
      ),
    );
    const adapter = adapterFor(server);
    const controller = new AbortController();
    const received: string[] = [];
    let error: unknown;
    try {
      for await (const chunk of adapter.stream(hi, { signal: controller.signal })) {
        if (chunk.type === "content") received.push(chunk.content);
        if (received.length === 2) controller.abort();
      }
    } catch (e) {
      error = e;
    }
    expect(received).toEqual(["a", "b"]);
    expect(AbortedError.isInstance(error)).toBe(true);
    expect((error as AbortedError).partial).toEqual({ content: "ab", thinking: "", toolCalls: [] });
    await server.allSocketsClosed();
    await adapter.close();
  });
});
