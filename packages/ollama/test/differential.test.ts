import { ProviderError, type StreamChunk, type ToolCall } from "@x/core";
import { Ollama } from "ollama";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { OllamaAdapter, OllamaProtocolError } from "../src/index.js";
import { type Loopback, serveNdjson, startServer } from "./loopback-server.js";

/**
 * Differential test: the same recorded transcripts through the official `ollama` client
 * (ollama-js 0.6.4) and through OllamaAdapter must give the same text, thinking and tool calls.
 *
 * Where ollama-js is wrong we assert the difference instead (see README "Differences from
 * ollama-js"):
 * - a line that is not JSON: ollama-js logs `invalid json` and DROPS it, the answer looks fine;
 *   we throw OllamaProtocolError.
 * - a truncated stream: ollama-js throws a plain Error with a fixed message and no partial
 *   output; we throw OllamaProtocolError (`truncated`) carrying what was received.
 * - an in-stream `{"error"}` line: both throw; ollama-js a plain Error, we a ProviderError.
 */

interface Observed {
  content: string;
  thinking: string;
  toolCalls: { id?: string; name: string; arguments: unknown }[];
}

let server: Loopback;
let fixtureName = "t1-plain.ndjson";

beforeAll(async () => {
  server = await startServer((_req, res) => {
    if (fixtureName.startsWith("inline:")) {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.end(fixtureName.slice("inline:".length));
    } else {
      serveNdjson(res, fixtureName);
    }
  });
});
afterAll(async () => {
  await server.close();
});

async function viaOllamaJs(): Promise<Observed> {
  const client = new Ollama({ host: server.url });
  const out: Observed = { content: "", thinking: "", toolCalls: [] };
  const stream = await client.chat({
    model: "m",
    messages: [{ role: "user", content: "hi" }],
    stream: true,
  });
  for await (const part of stream) {
    out.content += part.message.content ?? "";
    out.thinking += part.message.thinking ?? "";
    for (const call of part.message.tool_calls ?? []) {
      const id = (call as { id?: string }).id;
      out.toolCalls.push({
        ...(id ? { id } : {}),
        name: call.function.name,
        arguments: call.function.arguments,
      });
    }
  }
  return out;
}

async function viaAdapter(): Promise<Observed> {
  const adapter = new OllamaAdapter({ baseUrl: server.url, model: "m" });
  const out: Observed = { content: "", thinking: "", toolCalls: [] };
  try {
    for await (const chunk of adapter.stream([
      { role: "user", content: "hi" },
    ]) as AsyncIterable<StreamChunk>) {
      if (chunk.type === "content") out.content += chunk.content;
      else if (chunk.type === "thinking") out.thinking += chunk.thinking;
      else if (chunk.type === "tool_calls") {
        out.toolCalls.push(
          ...chunk.toolCalls.map((c: ToolCall) => ({
            id: c.id,
            name: c.name,
            arguments: c.arguments,
          })),
        );
      }
    }
  } finally {
    await adapter.close();
  }
  return out;
}

describe("differential against ollama-js 0.6.4", () => {
  for (const name of [
    "t1-plain.ndjson",
    "t2-thinking.ndjson",
    "t3-tool-call-intermediate.ndjson",
    "t4-tool-call-done-frame.ndjson",
    "t7-length.ndjson",
    "done-frame-content.ndjson",
  ]) {
    it(`${name}: same text, thinking and tool calls`, async () => {
      fixtureName = name;
      const theirs = await viaOllamaJs();
      const ours = await viaAdapter();
      expect(ours).toEqual(theirs);
      expect(ours.content.length + ours.thinking.length + ours.toolCalls.length).toBeGreaterThan(0);
    });
  }

  it("T6 mid-stream error: both throw with Ollama's message; ours is a ProviderError", async () => {
    fixtureName = "t6-mid-stream-error.ndjson";
    const theirs = await viaOllamaJs().catch((e: Error) => e);
    const ours = await viaAdapter().catch((e: Error) => e);
    expect(theirs).toBeInstanceOf(Error);
    expect((theirs as Error).message).toBe(
      "an error was encountered while running the model: unexpected EOF",
    );
    expect(ProviderError.isInstance(ours)).toBe(true);
    expect((ours as Error).message).toContain((theirs as Error).message);
  });

  it("T10 truncated: ollama-js throws a generic Error without the partial text; ours keeps it", async () => {
    fixtureName = "t10-truncated.ndjson";
    const theirs = await viaOllamaJs().catch((e: Error) => e);
    const ours = await viaAdapter().catch((e: Error) => e);
    expect((theirs as Error).message).toBe("Did not receive done or success response in stream.");
    expect(OllamaProtocolError.isInstance(ours)).toBe(true);
    expect((ours as OllamaProtocolError).partial?.content).toBe("<unused50>".repeat(30));
  });

  it("a malformed line: ollama-js drops it with a console warning (wrong), we throw", async () => {
    fixtureName =
      'inline:{"model":"m","message":{"role":"assistant","content":"a"},"done":false}\nnot json\n{"model":"m","message":{"role":"assistant","content":"b"},"done":true,"done_reason":"stop"}\n';
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const theirs = await viaOllamaJs();
      expect(theirs.content).toBe("ab");
      expect(warn).toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
    const ours = await viaAdapter().catch((e: Error) => e);
    expect(OllamaProtocolError.isInstance(ours)).toBe(true);
    expect((ours as OllamaProtocolError).reason).toBe("malformed_frame");
  });
});
