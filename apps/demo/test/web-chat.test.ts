import { ProtocolError, UnavailableError } from "@x/core";
import { createMockAdapter, type MockAdapter, textSteps } from "@x/core/testing";
import { createFallbackChain } from "@x/orchestrator";
import { afterEach, describe, expect, it } from "vitest";
import type { RunningServer } from "../src/http/listen.js";
import { ChainMonitor } from "../src/web/chain-monitor.js";
import { startDemoServer } from "../src/web/demo-server.js";
import { send, sseEvents } from "./http-client.js";

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The events of an /api/chat answer, each with its name and parsed data. */
async function chatEvents(
  body: unknown,
): Promise<{ event: string; data: Record<string, unknown> }[]> {
  const res = await send(`${server?.url}/api/chat`, "POST", body);
  expect(res.status).toBe(200);
  expect(res.headers["content-type"]).toMatch(/^text\/event-stream/);
  return sseEvents(res.text).map((event) => ({
    event: event.event ?? "message",
    data: JSON.parse(event.data),
  }));
}

const ask = (content: string) => ({ messages: [{ role: "user", content }] });

/** A chain of two mock members, watched by a monitor as `serve` does it. */
function watchedChain(primary: MockAdapter, secondary: MockAdapter) {
  let monitor: ChainMonitor | undefined;
  // Output is committed at the first chunk and nothing is retried, so the events are few and fixed.
  const chain = createFallbackChain([primary, secondary], {
    model: "chain",
    midStream: "restart",
    commitAfter: { chars: 1 },
    retry: false,
    onEvent: (event) => monitor?.onEvent(event),
  });
  monitor = new ChainMonitor({
    members: [
      { adapter: primary, target: "http://primary" },
      { adapter: secondary, target: "http://secondary" },
    ],
    breakerStates: () => chain.breakerStates(),
  });
  return { chain, monitor };
}

describe("web chat server", () => {
  it("serves the page as files, locked down by a content security policy", async () => {
    server = await startDemoServer({ adapter: createMockAdapter({ script: [{ type: "done" }] }) });
    const page = await send(`${server.url}/`, "GET");
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.text).toContain("<title>x-demo chat</title>");
    expect(page.text).toContain('<script type="module" src="/app.js"></script>');
    expect(page.text).not.toMatch(/<script>|<style>| on\w+="/); // nothing inline for the CSP to allow
    const csp = String(page.headers["content-security-policy"]);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    for (const path of ["/app.js", "/markdown.js", "/conversation.js", "/render.js", "/sse.js"]) {
      const file = await send(`${server.url}${path}`, "GET");
      expect(file.status, path).toBe(200);
      expect(file.headers["content-type"], path).toMatch(/^text\/javascript/);
    }
    expect((await send(`${server.url}/style.css`, "GET")).headers["content-type"]).toMatch(
      /^text\/css/,
    );
    expect((await send(`${server.url}/../package.json`, "GET")).status).toBe(404);
  });

  it("streams the answer to the page as toSSE events", async () => {
    const adapter = createMockAdapter({
      script: [...textSteps("Hi you"), { type: "done", provider: "mock" }],
    });
    server = await startDemoServer({ adapter, description: "test chain" });
    const events = await chatEvents(ask("hello"));
    expect(events.map((e) => [e.event, e.data.type])).toEqual([
      ["message", "content"],
      ["message", "content"],
      ["message", "done"],
    ]);
    expect(events.map((e) => e.data.content ?? "").join("")).toBe("Hi you");
    expect(adapter.calls[0]?.messages).toEqual([{ role: "user", content: "hello" }]);
    const info = JSON.parse((await send(`${server.url}/api/info`, "GET")).text);
    expect(info.description).toBe("test chain");
  });

  it("sends the chain's events for this request in order with the chunks, and a reset", async () => {
    const primary = createMockAdapter({
      provider: "ollama",
      model: "a",
      script: [...textSteps("Hello from"), { type: "truncate" }],
    });
    const secondary = createMockAdapter({
      provider: "openai",
      model: "b",
      script: [...textSteps("Second answer"), { type: "done" }],
    });
    const { chain, monitor } = watchedChain(primary, secondary);
    server = await startDemoServer({ adapter: chain, monitor });
    const events = await chatEvents(ask("hi"));
    const summary = events.map((e) =>
      e.event === "chain" ? `chain:${e.data.type}:${e.data.label}` : `chunk:${e.data.type}`,
    );
    expect(summary).toEqual([
      "chain:attempt:ollama/a",
      "chunk:content",
      "chunk:content",
      "chain:failure:ollama/a",
      "chain:fallback:ollama/a",
      "chain:attempt:openai/b",
      "chunk:reset",
      "chunk:content",
      "chunk:content",
      "chain:success:openai/b",
      "chunk:done",
    ]);
    const failure = events.find((e) => e.data.type === "failure")?.data;
    expect(failure).toMatchObject({ member: 0, stage: "mid-stream" });
    expect(failure?.error).toMatchObject({ name: "ProtocolError", code: "protocol_error" });
    expect(events.find((e) => e.data.type === "fallback")?.data.afterCommit).toBe(true);
    expect(events.find((e) => e.data.type === "reset")?.data.provider).toBe("openai");

    // The side panel sees the same events, and both members.
    const status = JSON.parse((await send(`${server.url}/api/chain`, "GET")).text);
    expect(status.mode).toBe("chain");
    expect(status.members.map((m: { label: string }) => m.label)).toEqual(["ollama/a", "openai/b"]);
    expect(status.members.map((m: { breaker: string }) => m.breaker)).toEqual(["closed", "closed"]);
    expect(status.recent.map((e: { type: string }) => e.type)).toContain("fallback");
    expect(status.faults).toEqual([]); // no fault proxies here
  });

  it("keeps each request's chain events to itself when two answers stream at once", async () => {
    const slow = (text: string) => [
      ...textSteps(text).flatMap((step) => [step, { type: "delay" as const, ms: 5 }]),
      { type: "done" as const },
    ];
    const primary = createMockAdapter({
      provider: "ollama",
      model: "a",
      script: (_call, messages) =>
        messages[0]?.content === "fail"
          ? [{ type: "error", error: new UnavailableError("refused", { provider: "ollama" }) }]
          : slow("fine answer"),
    });
    const secondary = createMockAdapter({ provider: "openai", model: "b", script: slow("backup") });
    const { chain, monitor } = watchedChain(primary, secondary);
    server = await startDemoServer({ adapter: chain, monitor });
    const [failing, fine] = await Promise.all([chatEvents(ask("fail")), chatEvents(ask("ok"))]);
    const types = (events: typeof failing) =>
      events.filter((e) => e.event === "chain").map((e) => `${e.data.type}:${e.data.member}`);
    expect(types(failing)).toEqual([
      "attempt:0",
      "failure:0",
      "fallback:0",
      "attempt:1",
      "success:1",
    ]);
    expect(types(fine)).toEqual(["attempt:0", "success:0"]);
  });

  it("runs demo tool calls on the server and streams the next round", async () => {
    const adapter = createMockAdapter({
      script: [
        [
          {
            type: "tool_calls",
            toolCalls: [{ id: "c1", name: "get_weather", arguments: { city: "Oslo" } }],
          },
          { type: "done", finishReason: "tool_calls" },
        ],
        [...textSteps("It is mild."), { type: "done" }],
      ],
    });
    server = await startDemoServer({ adapter });
    const events = await chatEvents({ ...ask("weather in Oslo?"), tools: true, think: true });
    expect(events.map((e) => (e.event === "tool" ? "tool" : e.data.type))).toEqual([
      "tool_calls",
      "done",
      "tool",
      "content",
      "content",
      "content",
      "done",
    ]);
    const tool = events.find((e) => e.event === "tool")?.data;
    expect(tool).toMatchObject({ id: "c1", name: "get_weather" });
    expect(JSON.parse(String(tool?.content))).toMatchObject({ city: "Oslo", source: "demo data" });
    expect(adapter.calls[0]?.options?.tools?.map((t) => t.function.name)).toEqual([
      "get_weather",
      "get_time",
    ]);
    expect(adapter.calls[0]?.options?.think).toBe(true);
    expect(adapter.calls[1]?.messages.slice(1)).toEqual([
      {
        role: "assistant",
        content: "",
        toolCalls: [{ id: "c1", name: "get_weather", arguments: { city: "Oslo" } }],
      },
      { role: "tool", content: tool?.content, toolCallId: "c1", name: "get_weather" },
    ]);
  });

  it("sends a failure as an SSE error event", async () => {
    const adapter = createMockAdapter({
      script: [
        ...textSteps("Hi"),
        {
          type: "error",
          error: new ProtocolError("cut", { provider: "mock", reason: "truncated" }),
        },
      ],
    });
    server = await startDemoServer({ adapter });
    const events = await chatEvents(ask("x"));
    expect(events.at(-1)?.event).toBe("error");
    expect(events.at(-1)?.data.code).toBe("protocol_error");
  });

  it("answers 400 to messages the page would never send", async () => {
    server = await startDemoServer({ adapter: createMockAdapter({ script: [{ type: "done" }] }) });
    for (const body of [
      {},
      { messages: [] },
      { messages: [{ role: "wizard", content: "x" }] },
      {
        messages: [{ role: "user", content: 5 }],
      },
    ]) {
      const res = await send(`${server.url}/api/chat`, "POST", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(JSON.parse(res.text).error.message).toMatch(/messages|role|content/);
    }
    expect(
      (await send(`${server.url}/api/faults`, "POST", { member: 0, fault: "hang" })).status,
    ).toBe(400);
  });
});
