import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { LoopbackServer } from "@x/conformance/core";
import { OllamaAdapter } from "@x/ollama";
import { OpenAIAdapter } from "@x/openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFallbackChain, getChainReport } from "../src/index.js";
import { drain, openaiSseChunk, recorder, USER, visibleText } from "./helpers.js";

// End to end over real loopback sockets: an Ollama-protocol primary (NDJSON /api/chat) that
// misbehaves in three ways, and an OpenAI-protocol secondary (SSE /v1/chat/completions) that
// answers. Real OllamaAdapter and OpenAIAdapter, no mocks below the chain.

type OllamaMode = "hang" | "die-mid-stream";

interface Primary {
  server: Server;
  url: string;
  mode: OllamaMode;
  /** Resolves when the server sees the request's socket close. */
  closed: Promise<void>[];
}

function ndjson(content: string, done = false): string {
  return `${JSON.stringify({
    model: "llama3.2",
    created_at: "2026-11-25T00:00:00Z",
    message: { role: "assistant", content },
    done,
    ...(done
      ? { done_reason: "stop", prompt_eval_count: 3, eval_count: 2, eval_duration: 1_000_000 }
      : {}),
  })}\n`;
}

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}` };
}

let primary: Primary;
let secondary: { server: Server; url: string; requests: number };
let refusedUrl: string;

beforeAll(async () => {
  const closed: Promise<void>[] = [];
  const p = await listen((req, res) => {
    closed.push(once(req.socket, "close").then(() => undefined));
    req.resume();
    if (primary.mode === "hang") return; // accept, never answer
    res.writeHead(200, { "content-type": "application/x-ndjson" });
    res.write(ndjson("Partial answer from "));
    res.write(ndjson("the primary"), () => {
      setImmediate(() => req.socket.destroy()); // dies mid-stream, no done frame
    });
  });
  primary = { ...p, mode: "hang", closed };
  const s = await listen((req, res) => {
    secondary.requests++;
    req.resume();
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(openaiSseChunk({ role: "assistant", content: "Hello " }));
    res.write(openaiSseChunk({ content: "from the secondary." }));
    res.write(openaiSseChunk({}, "stop"));
    res.write(
      `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "gpt-4o-mini", choices: [], usage: { prompt_tokens: 7, completion_tokens: 4, total_tokens: 11 } })}\n\n`,
    );
    res.end("data: [DONE]\n\n");
  });
  secondary = { ...s, requests: 0 };
  refusedUrl = await LoopbackServer.refusedOrigin();
});

afterAll(async () => {
  primary.server.closeAllConnections();
  primary.server.close();
  secondary.server.close();
});

function makeChain(primaryUrl: string, options: Parameters<typeof createFallbackChain>[1] = {}) {
  const ollama = new OllamaAdapter({ baseUrl: primaryUrl, model: "llama3.2" });
  const openai = new OpenAIAdapter({
    baseUrl: `${secondary.url}/v1`,
    model: "gpt-4o-mini",
    apiKey: "sk-test-secret",
  });
  const rec = recorder();
  const chain = createFallbackChain([{ adapter: ollama, firstChunkMs: 300 }, openai], {
    ...options,
    onEvent: rec.onEvent,
  });
  return { chain, rec, ollama, openai };
}

describe("e2e: Ollama primary, OpenAI-compatible secondary", () => {
  it("primary refusing connections: falls over at once to the secondary", async () => {
    const { chain, rec } = makeChain(refusedUrl);
    const { chunks, error } = await drain(chain.stream(USER));
    expect(error).toBeUndefined();
    expect(visibleText(chunks)).toBe("Hello from the secondary.");
    const done = chunks.at(-1)!;
    expect(done).toMatchObject({
      type: "done",
      provider: "openai",
      usage: { inputTokens: 7, outputTokens: 4 },
    });
    // A refused connection is not tried again: nothing listens there; the chain moves on at once.
    expect(rec.types()).toEqual(["attempt", "failure", "fallback", "attempt", "success"]);
    expect(rec.events[1]).toMatchObject({
      adapter: { provider: "ollama" },
      stage: "connect",
      error: { code: "unavailable" },
    });
    await chain.close?.();
  });

  it("primary hanging before the first byte: firstChunkMs fails over and the primary's socket closes", async () => {
    primary.mode = "hang";
    const before = primary.closed.length;
    const { chain, rec } = makeChain(primary.url);
    const { chunks } = await drain(chain.stream(USER));
    expect(visibleText(chunks)).toBe("Hello from the secondary.");
    expect(rec.events[1]).toMatchObject({
      type: "failure",
      stage: "first-chunk",
      error: { code: "model_loading_timeout" },
    });
    expect(primary.closed.length).toBe(before + 1);
    await primary.closed.at(-1); // the server saw the hung request's socket close
    await chain.close?.();
  });

  it("primary dying mid-stream after commit: a reset, then the secondary's whole answer", async () => {
    primary.mode = "die-mid-stream";
    const { chain, rec } = makeChain(primary.url, { commitAfter: {} });
    const { chunks, error } = await drain(chain.stream(USER));
    expect(error).toBeUndefined();
    const types = chunks.map((c) => c.type);
    const reset = types.indexOf("reset");
    expect(reset).toBeGreaterThan(0);
    expect(visibleText(chunks.slice(0, reset))).toBe("Partial answer from the primary");
    expect(chunks[reset]).toMatchObject({ type: "reset", provider: "openai" });
    expect(visibleText(chunks)).toBe("Hello from the secondary.");
    const done = chunks.at(-1)!;
    if (done.type !== "done") throw new Error("no done");
    expect(getChainReport(done)?.recovered).toBe("restart");
    expect(rec.events.find((e) => e.type === "failure")).toMatchObject({ stage: "mid-stream" });
    expect(rec.events.find((e) => e.type === "fallback")).toMatchObject({ afterCommit: true });
    await chain.close?.();
  });

  it("primary dying mid-stream inside the (default) commit window: falls over invisibly", async () => {
    primary.mode = "die-mid-stream";
    const { chain } = makeChain(primary.url);
    const { chunks } = await drain(chain.stream(USER));
    expect(chunks.map((c) => c.type)).not.toContain("reset");
    expect(visibleText(chunks)).toBe("Hello from the secondary.");
    await chain.close?.();
  });

  it("errors never carry the API key", async () => {
    const openai = new OpenAIAdapter({
      baseUrl: `${refusedUrl}/v1`,
      model: "m",
      apiKey: "sk-test-secret",
    });
    const chain = createFallbackChain([
      new OllamaAdapter({ baseUrl: refusedUrl, model: "x" }),
      openai,
    ]);
    const { error } = await drain(chain.stream(USER));
    expect(JSON.stringify(error)).not.toContain("sk-test-secret");
    expect(String((error as Error).message)).not.toContain("sk-test-secret");
    await chain.close?.();
  });
});
