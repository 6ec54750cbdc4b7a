/**
 * The fake OpenAI-compatible upstream every target streams from (its own process). Answers
 * `POST /v1/chat/completions` with OpenAI's SSE shape: a role chunk, content chunks (back to
 * back, or one every `intervalMs` like a model), a finish chunk, a usage chunk, `[DONE]`; and
 * `GET /v1/models`. The parent sets chunks and pacing between phases over IPC.
 */
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { MODEL, token, type UpstreamMode } from "./protocol.js";

let mode: UpstreamMode = { type: "mode", chunks: 50, intervalMs: 0 };

function frame(delta: Record<string, unknown>, finish: string | null = null): string {
  return `data: ${JSON.stringify({
    id: "chatcmpl-bench",
    object: "chat.completion.chunk",
    created: 1700000000,
    model: MODEL,
    system_fingerprint: "fp_bench",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  })}\n\n`;
}

// Rendered once: the answer is the same for every request of a phase.
let rendered: string[] = [];
function render(chunks: number): string[] {
  const frames = [frame({ role: "assistant", content: "" })];
  for (let i = 0; i < chunks; i++) frames.push(frame({ content: token(i) }));
  return frames;
}
const tail = `${frame({}, "stop")}data: ${JSON.stringify({
  id: "chatcmpl-bench",
  object: "chat.completion.chunk",
  created: 1700000000,
  model: MODEL,
  choices: [],
  usage: { prompt_tokens: 5, completion_tokens: 50, total_tokens: 55 },
})}\n\ndata: [DONE]\n\n`;

function answer(res: ServerResponse): void {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
  });
  const frames = rendered;
  if (mode.intervalMs === 0) {
    for (const f of frames) res.write(f);
    res.end(tail);
    return;
  }
  // Role and first content chunk at once (the time to first chunk is the gateway's), then one
  // chunk per interval.
  res.write(frames[0] + (frames[1] ?? ""));
  let next = 2;
  const timer = setInterval(() => {
    if (res.destroyed) return clearInterval(timer);
    if (next < frames.length) res.write(frames[next++] as string);
    else {
      clearInterval(timer);
      res.end(tail);
    }
  }, mode.intervalMs);
}

const server = createServer((req, res) => {
  if (req.method === "GET" && req.url?.endsWith("/models")) {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ object: "list", data: [{ id: MODEL, object: "model" }] }));
    return;
  }
  // Read the request to its end before answering, as a real server does.
  req.resume();
  req.once("end", () => answer(res));
});
server.keepAliveTimeout = 60_000;
rendered = render(mode.chunks);
server.listen(0, "127.0.0.1", () => {
  process.send?.({ type: "listening", port: (server.address() as AddressInfo).port });
});
process.on("message", (message: UpstreamMode | { type: "exit" }) => {
  if (message.type === "mode") {
    mode = message;
    rendered = render(mode.chunks);
    process.send?.({ type: "mode-set" });
  } else if (message.type === "exit") {
    process.exit(0);
  }
});
