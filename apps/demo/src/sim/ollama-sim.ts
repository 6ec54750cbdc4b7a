import type { IncomingMessage, ServerResponse } from "node:http";
import { readJsonBody, sendJson } from "../http/json-body.js";
import { listen, type RunningServer } from "../http/listen.js";
import { type SimOptions, writeFrames } from "./sim-fault.js";
import { type SimMessage, simReply } from "./sim-reply.js";
import { startRefusing } from "./start-refusing.js";

interface OllamaChatBody {
  model?: unknown;
  messages?: unknown;
  stream?: unknown;
  think?: unknown;
  tools?: unknown;
}

function toolNames(tools: unknown): string[] {
  if (!Array.isArray(tools)) return [];
  return tools
    .map((tool) => (tool as { function?: { name?: unknown } })?.function?.name)
    .filter((name): name is string => typeof name === "string");
}

/**
 * Starts a fake Ollama server on loopback: `/api/chat` (NDJSON stream, or one JSON object with
 * `stream: false`), `/api/version`, `/api/tags`. Frames follow the real server's shape (see
 * /work/shared/protocols/ollama.md §2): content and thinking deltas, then a `done: true` frame
 * with counts and nanosecond durations. `fault` injects the failures the scenario shows.
 */
export async function startOllamaSim(options: SimOptions = {}): Promise<RunningServer> {
  const model = options.model ?? "sim-llama";
  const fault = options.fault ?? "none";
  if (fault === "refuse") return startRefusing(options.host);

  const chat = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = (await readJsonBody(req)) as OllamaChatBody;
    options.onChatRequest?.();
    if (fault === "hang") return; // Like a model load that never finishes: no status line at all.
    if (fault === "http-503") {
      sendJson(res, 503, {
        error: "server busy, please try again.  maximum pending requests exceeded",
      });
      return;
    }
    const messages = Array.isArray(body.messages) ? (body.messages as SimMessage[]) : [];
    const requested = typeof body.model === "string" ? body.model : model;
    const reply = simReply("Ollama simulator", messages, {
      think: body.think === true || typeof body.think === "string",
      toolNames: toolNames(body.tools),
    });
    const started = process.hrtime.bigint();
    const frame = (message: Record<string, unknown>) => ({
      model: requested,
      created_at: new Date().toISOString(),
      message: { role: "assistant", content: "", ...message },
      done: false,
    });
    const frames = [
      ...reply.thinking.map((thinking) => frame({ thinking })),
      ...reply.content.map((content) => frame({ content })),
    ];
    const toolCalls = reply.toolCall
      ? [{ id: "call_sim0001", function: { index: 0, ...reply.toolCall } }]
      : undefined;
    if (toolCalls) frames.push(frame({ tool_calls: toolCalls }));
    const evalCount = frames.length;
    const final = () => {
      const totalNs = Number(process.hrtime.bigint() - started);
      return {
        ...frame({}),
        done: true,
        done_reason: "stop",
        total_duration: totalNs + 1_000_000,
        load_duration: 1_000_000,
        prompt_eval_count: reply.inputTokens,
        prompt_eval_duration: 500_000,
        eval_count: evalCount,
        eval_duration: Math.max(totalNs, 1_000_000),
      };
    };
    if (body.stream === false && fault === "none") {
      const content = reply.content.join("");
      const thinking = reply.thinking.join("");
      const last = final();
      sendJson(res, 200, {
        ...last,
        message: {
          role: "assistant",
          content,
          ...(thinking ? { thinking } : {}),
          ...(toolCalls ? { tool_calls: toolCalls } : {}),
        },
      });
      return;
    }
    res.writeHead(200, { "content-type": "application/x-ndjson" });
    // die-mid-stream: the runner crashed, the connection drops with no done frame.
    const lines = frames.map((item) => `${JSON.stringify(item)}\n`);
    if (!(await writeFrames(res, lines, fault, options))) return;
    res.end(`${JSON.stringify(final())}\n`);
  };

  return listen(
    async (req, res) => {
      const path = new URL(req.url ?? "/", "http://sim").pathname;
      if (req.method === "POST" && path === "/api/chat") return chat(req, res);
      if (req.method === "GET" && path === "/api/version")
        return sendJson(res, 200, { version: "0.0.0-sim" });
      if (req.method === "GET" && path === "/api/tags") {
        return sendJson(res, 200, {
          models: [
            {
              name: model,
              model,
              modified_at: new Date(0).toISOString(),
              size: 0,
              digest: "sim",
              details: { family: "sim", parameter_size: "0B" },
            },
          ],
        });
      }
      if (req.method === "GET" && path === "/") {
        res.writeHead(200, { "content-type": "text/plain" });
        res.end("Ollama is running (simulator)");
        return;
      }
      sendJson(res, 404, { error: `${req.method} ${path} not found` });
    },
    {
      ...(options.host ? { host: options.host } : {}),
      ...(options.port ? { port: options.port } : {}),
    },
  );
}
