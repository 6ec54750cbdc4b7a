import { Script } from "node:vm";
import { createMockAdapter, textSteps } from "@x/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import type { RunningServer } from "../src/http/listen.js";
import { startDemoServer } from "../src/web/demo-server.js";
import { send, sseEvents } from "./http-client.js";

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("web chat", () => {
  it("serves the chat page", async () => {
    server = await startDemoServer({ adapter: createMockAdapter({ script: [{ type: "done" }] }) });
    const res = await send(`${server.url}/`, "GET");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/html/);
    expect(res.text).toContain("<title>x-demo chat</title>");
    expect(res.text).toContain('fetch("/api/chat"');
    // The inline script must at least parse (it is a template string in TypeScript).
    const script = res.text.slice(res.text.indexOf("<script>") + 8, res.text.indexOf("</script>"));
    expect(() => new Script(script)).not.toThrow();
    expect(script).toContain('buffer.indexOf("\\n\\n")');
  });

  it("streams the answer to the page as toSSE events", async () => {
    const adapter = createMockAdapter({
      script: [...textSteps("Hi you"), { type: "done", provider: "mock" }],
    });
    server = await startDemoServer({ adapter, description: "test chain" });
    const res = await send(`${server.url}/api/chat`, "POST", {
      messages: [{ role: "user", content: "hello" }],
    });
    expect(res.status).toBe(200);
    const chunks = sseEvents(res.text).map((event) => JSON.parse(event.data));
    expect(chunks.map((chunk) => chunk.type)).toEqual(["content", "content", "done"]);
    expect(
      chunks
        .filter((c) => c.type === "content")
        .map((c) => c.content)
        .join(""),
    ).toBe("Hi you");
    expect(adapter.calls[0]?.messages).toEqual([{ role: "user", content: "hello" }]);
    const info = JSON.parse((await send(`${server.url}/api/info`, "GET")).text);
    expect(info.description).toBe("test chain");
  });

  it("sends a failure as an SSE error event", async () => {
    const adapter = createMockAdapter({ script: [...textSteps("Hi"), { type: "truncate" }] });
    server = await startDemoServer({ adapter });
    const res = await send(`${server.url}/api/chat`, "POST", {
      messages: [{ role: "user", content: "x" }],
    });
    const events = sseEvents(res.text);
    expect(events.at(-1)?.event).toBe("error");
    expect(JSON.parse(events.at(-1)?.data ?? "{}").code).toBe("protocol_error");
  });
});
