import { collect, type ProtocolError } from "@x/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OpenAIProtocolError } from "../src/index.js";
import { FixtureServer, fixture, sse } from "./fixture-server.js";
import { adapterFor, chunkOf, doneOf, run, sseEvent, toolCallsOf } from "./helpers.js";

let server: FixtureServer;
beforeEach(async () => {
  server = await new FixtureServer().start();
});
afterEach(async () => {
  await server.stop();
});

const SSE_HEADERS = { "content-type": "text/event-stream" };
const answer = (frames: string[]) => ({
  status: 200,
  headers: SSE_HEADERS,
  body: Buffer.from(frames.join("")),
});
const call = (index: number, id: string, name: string, args: string) =>
  sseEvent(
    chunkOf({ tool_calls: [{ index, id, type: "function", function: { name, arguments: args } }] }),
  );

describe("a tool call cut off by the token limit (finish_reason: length)", () => {
  it("llama.cpp's `{`: the stream ends normally, the call is on done.incompleteToolCalls", async () => {
    const r = await run(server, sse("q-length-cut-tool-call.sse"), { maxTokens: 1 });
    expect(r.error).toBeUndefined();
    expect(r.chunks.map((c) => c.type)).toEqual(["done"]);
    const done = doneOf(r.chunks);
    expect(done.finishReason).toBe("length");
    expect(done.incompleteToolCalls).toEqual([
      { id: "Xq3vT8mPz2LkR9wYc4NbF6hJ1sD5gA7e", name: "get_weather", argumentsText: "{" },
    ]);
    expect(done.usage).toEqual({ inputTokens: 150, outputTokens: 1, totalTokens: 151 });
  });

  it("collect() resolves; complete calls before the cut are yielded as usual", async () => {
    server.answer(
      answer([
        call(0, "call_a", "get_weather", '{"city":"Paris"}'),
        call(1, "call_b", "get_time", '{"tz":"Europe/'),
        sseEvent(chunkOf({}, "length")),
        "data: [DONE]\n\n",
      ]),
    );
    const adapter = adapterFor(server);
    const result = await collect(adapter.stream([{ role: "user", content: "hi" }]));
    expect(result.message.toolCalls).toEqual([
      { id: "call_a", name: "get_weather", arguments: { city: "Paris" } },
    ]);
    expect(result.done.finishReason).toBe("length");
    expect(result.done.incompleteToolCalls).toEqual([
      { id: "call_b", name: "get_time", argumentsText: '{"tz":"Europe/' },
    ]);
    await adapter.close();
  });

  it("without a cut-off call, done has no incompleteToolCalls", async () => {
    const r = await run(server, sse("t3-openai-tool-fragments.sse"));
    expect(doneOf(r.chunks).incompleteToolCalls).toBeUndefined();
  });
});

describe("unparsable arguments for any other reason stay a ProtocolError", () => {
  const cut = fixture("q-length-cut-tool-call.sse").toString("utf8");
  it.each([
    [
      "finish_reason tool_calls",
      cut.replace('"finish_reason":"length"', '"finish_reason":"tool_calls"'),
    ],
    ["finish_reason stop", cut.replace('"finish_reason":"length"', '"finish_reason":"stop"')],
    [
      "no finish_reason, then [DONE]",
      cut.replace('"finish_reason":"length"', '"finish_reason":null'),
    ],
  ])("%s", async (_name, body) => {
    const r = await run(server, { status: 200, headers: SSE_HEADERS, body: Buffer.from(body) });
    expect(OpenAIProtocolError.isInstance(r.error)).toBe(true);
    expect((r.error as ProtocolError).reason).toBe("invalid_tool_arguments");
    expect(String(r.error)).toContain("get_weather");
    expect(r.chunks.some((c) => c.type === "done")).toBe(false);
    expect(toolCallsOf(r.chunks)).toEqual([]);
  });
});
