import { EventEmitter } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A message as the server received it. */
export interface ReceivedMessage {
  role: string;
  content: string;
}

/** A running test server. */
export interface ChatCompletionsServer {
  /** `http://127.0.0.1:<port>/v1`, what `--openai` takes. */
  readonly baseUrl: string;
  /** The `messages` of every chat request, in order. */
  readonly requests: ReceivedMessage[][];
  /**
   * `held` when a "long" answer stopped sending and waits; `cancelled` when the client closed
   * that answer's connection.
   */
  readonly events: EventEmitter;
  close(): Promise<void>;
}

/** The Markdown answer to a question about code: a code block, and HTML that must stay text. */
export const CODE_ANSWER = [
  "Here is **Markdown** from a local server:",
  "",
  "```ts",
  "const total = [1, 2, 3].reduce((sum, n) => sum + n, 0);",
  "```",
  "",
  'Raw HTML stays text: <img src="x" onerror="document.title=\'pwned\'"> and <b>no bold</b>.',
].join("\n");

/** The words a "long" answer sends before it stops and waits for the client to go away. */
export const HELD_WORDS = "Once upon a time, in a land far away, ";

function words(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

/**
 * A small OpenAI-compatible server (Chat Completions SSE, `/v1/models`), separate from the
 * demo's simulators, standing in for llama.cpp's `llama-server`, vLLM or LM Studio. Answers:
 * a Markdown answer with a code block when asked about "code"; for a "long story", a few words
 * and then nothing until the client disconnects (so Stop always lands mid-answer); otherwise an
 * echo. Words are sent `delayMs` apart, so the page visibly streams.
 */
export async function startChatCompletionsServer(
  options: { model?: string; delayMs?: number } = {},
): Promise<ChatCompletionsServer> {
  const model = options.model ?? "local-llm";
  const delayMs = options.delayMs ?? 15;
  const requests: ReceivedMessage[][] = [];
  const events = new EventEmitter();
  const timers = new Set<NodeJS.Timeout>();
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const chat = async (req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    for await (const part of req) body += part;
    const request = JSON.parse(body) as { messages: ReceivedMessage[]; stream?: boolean };
    requests.push(request.messages);
    const question = request.messages.at(-1)?.content ?? "";
    const long = /long story/i.test(question);
    const text = /code/i.test(question) ? CODE_ANSWER : long ? HELD_WORDS : `Echo: ${question}`;
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
      `data: ${JSON.stringify({
        id: "chatcmpl-test",
        object: "chat.completion.chunk",
        created: 0,
        model,
        choices: [{ index: 0, delta, finish_reason: finish }],
      })}\n\n`;
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.write(chunk({ role: "assistant", content: "" }));
    for (const word of words(text)) {
      if (res.destroyed) return;
      res.write(chunk({ content: word }));
      await wait(delayMs);
    }
    if (long) {
      res.once("close", () => events.emit("cancelled"));
      events.emit("held");
      return; // the rest of the story never comes; Stop ends it
    }
    res.write(chunk({}, "stop"));
    res.end("data: [DONE]\n\n");
  };

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://test").pathname;
    if (req.method === "POST" && path === "/v1/chat/completions") {
      chat(req, res).catch(() => res.destroy());
      return;
    }
    if (req.method === "GET" && path === "/v1/models") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ object: "list", data: [{ id: model, object: "model" }] }));
      return;
    }
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { message: "not found", type: "invalid_request_error" } }));
  });
  server.listen(0, "127.0.0.1");
  await new Promise<void>((resolve) => server.once("listening", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    events,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
