import { createContext, Script } from "node:vm";
import { createMockAdapter, textSteps } from "@x/core/testing";
import { describe, expect, it, vi } from "vitest";
import { startDemoServer } from "../src/web/demo-server.js";
import { send } from "./http-client.js";

/** A minimal stand-in for the DOM nodes the page script touches. */
class FakeElement {
  className = "";
  textContent = "";
  value = "";
  disabled = false;
  scrollTop = 0;
  scrollHeight = 0;
  readonly children: FakeElement[] = [];
  readonly listeners = new Map<string, (event: { preventDefault(): void }) => void>();
  appendChild(child: FakeElement): FakeElement {
    this.children.push(child);
    return child;
  }
  insertBefore(child: FakeElement, before: FakeElement): FakeElement {
    this.children.splice(Math.max(0, this.children.indexOf(before)), 0, child);
    return child;
  }
  addEventListener(type: string, listener: (event: { preventDefault(): void }) => void): void {
    this.listeners.set(type, listener);
  }
}

describe("web chat page script", () => {
  it("renders thinking, content and the done line from the real SSE endpoint", async () => {
    const adapter = createMockAdapter({
      script: [
        { type: "thinking", thinking: "hmm" },
        ...textSteps("Bonjour à tous"),
        { type: "done", provider: "mock", model: "m1", usage: { inputTokens: 1, outputTokens: 3 } },
      ],
    });
    const server = await startDemoServer({ adapter });
    try {
      const html = (await send(`${server.url}/`, "GET")).text;
      const script = html.slice(html.indexOf("<script>") + 8, html.indexOf("</script>"));
      const elements = new Map<string, FakeElement>();
      const byId = (id: string) => {
        if (!elements.has(id)) elements.set(id, new FakeElement());
        return elements.get(id) as FakeElement;
      };
      const relative = (path: string, init?: RequestInit) => fetch(new URL(path, server.url), init);
      const context = createContext({
        document: { getElementById: byId, createElement: () => new FakeElement() },
        fetch: relative,
        AbortController,
        TextDecoderStream,
        JSON,
        console,
      });
      new Script(script).runInContext(context);
      byId("input").value = "hello";
      byId("form").listeners.get("submit")?.({ preventDefault() {} });
      const log = byId("log");
      await vi.waitFor(() => expect(log.children.some((c) => c.className === "done")).toBe(true));
      const text = (cls: string) =>
        log.children.filter((c) => c.className === cls).map((c) => c.textContent);
      expect(text("user")).toEqual(["you › hello"]);
      expect(text("thinking")).toEqual(["hmm"]);
      expect(text("answer")).toEqual(["Bonjour à tous"]);
      expect(text("done")[0]).toBe("[done · mock/m1 · stop · tokens in 1 / out 3]");
      expect(text("error")).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
