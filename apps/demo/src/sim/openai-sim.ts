import type { IncomingMessage, ServerResponse } from "node:http";
import { readJsonBody, sendJson } from "../http/json-body.js";
import { listen, type RunningServer } from "../http/listen.js";
import { type SimOptions, writeFrames } from "./sim-fault.js";
import { type SimMessage, simReply } from "./sim-reply.js";
import { startRefusing } from "./start-refusing.js";

/** Options of the OpenAI simulator. */
export interface OpenAISimOptions extends SimOptions {
  /** When set, requests must carry `Authorization: Bearer <apiKey>` (else 401). */
  apiKey?: string;
}

interface ChatBody {
  model?: unknown;
  messages?: unknown;
  stream?: unknown;
  stream_options?: { include_usage?: unknown };
  tools?: unknown;
  reasoning_effort?: unknown;
}

function toolNames(tools: unknown): string[] {
  if (!Array.isArray(tools)) return [];
  return tools
    .map((tool) => (tool as { function?: { name?: unknown } })?.function?.name)
    .filter((name): name is string => typeof name === "string");
}

function openAIError(res: ServerResponse, status: number, message: string, type: string): void {
  sendJson(res, status, { error: { message, type, param: null, code: null } });
}

/**
 * Starts a fake OpenAI-compatible server on loopback: `POST /v1/chat/completions` (SSE with
 * `data: [DONE]`, or one JSON body without `stream`) and `GET /v1/models`. Chunks follow the
 * shapes in /work/shared/protocols/openai-chat-completions.md §3 (role delta first, content
 * deltas, a finish chunk, an optional usage chunk with `choices: []`). Reasoning is sent as
 * `delta.reasoning_content`; a tool call is streamed in argument fragments.
 */
export async function startOpenAISim(options: OpenAISimOptions = {}): Promise<RunningServer> {
  const model = options.model ?? "sim-gpt";
  const fault = options.fault ?? "none";
  if (fault === "refuse") return startRefusing(options.host);

  const chat = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = (await readJsonBody(req)) as ChatBody;
    options.onChatRequest?.();
    if (fault === "hang") return;
    if (fault === "http-503")
      return openAIError(res, 503, "The server is overloaded.", "server_error");
    const messages = Array.isArray(body.messages) ? (body.messages as SimMessage[]) : [];
    const reply = simReply("OpenAI simulator", messages, {
      think: typeof body.reasoning_effort === "string",
      toolNames: toolNames(body.tools),
    });
    const id = `chatcmpl-sim${Date.now().toString(36)}`;
    const created = Math.floor(Date.now() / 1000);
    const answered = typeof body.model === "string" ? body.model : model;
    const outputTokens = reply.thinking.length + reply.content.length + (reply.toolCall ? 1 : 0);
    const usage = {
      prompt_tokens: reply.inputTokens,
      completion_tokens: outputTokens,
      total_tokens: reply.inputTokens + outputTokens,
      completion_tokens_details: { reasoning_tokens: reply.thinking.length },
    };
    const finishReason = reply.toolCall ? "tool_calls" : "stop";
    const toolCallId = "call_sim0002";

    if (body.stream !== true) {
      const message: Record<string, unknown> = {
        role: "assistant",
        content: reply.content.join("") || null,
      };
      if (reply.thinking.length > 0) message.reasoning_content = reply.thinking.join("");
      if (reply.toolCall) {
        message.tool_calls = [
          {
            id: toolCallId,
            type: "function",
            function: {
              name: reply.toolCall.name,
              arguments: JSON.stringify(reply.toolCall.arguments),
            },
          },
        ];
      }
      sendJson(res, 200, {
        id,
        object: "chat.completion",
        created,
        model: answered,
        choices: [{ index: 0, message, finish_reason: finishReason, logprobs: null }],
        usage,
      });
      return;
    }

    const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
      id,
      object: "chat.completion.chunk",
      created,
      model: answered,
      system_fingerprint: "fp_sim",
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    });
    const events: unknown[] = [chunk({ role: "assistant", content: "" })];
    for (const part of reply.thinking) events.push(chunk({ reasoning_content: part }));
    for (const part of reply.content) events.push(chunk({ content: part }));
    if (reply.toolCall) {
      const args = JSON.stringify(reply.toolCall.arguments);
      const cut = Math.ceil(args.length / 2);
      events.push(
        chunk({
          tool_calls: [
            {
              index: 0,
              id: toolCallId,
              type: "function",
              function: { name: reply.toolCall.name, arguments: "" },
            },
          ],
        }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(0, cut) } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(cut) } }] }),
      );
    }
    events.push(chunk({}, finishReason));
    if (body.stream_options?.include_usage === true) {
      events.push({
        id,
        object: "chat.completion.chunk",
        created,
        model: answered,
        choices: [],
        usage,
      });
    }

    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
    });
    const frames = events.map((event) => `data: ${JSON.stringify(event)}\n\n`);
    if (!(await writeFrames(res, frames, fault, options))) return;
    res.end("data: [DONE]\n\n");
  };

  return listen(
    async (req, res) => {
      const path = new URL(req.url ?? "/", "http://sim").pathname.replace(/\/+$/, "");
      if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`) {
        return openAIError(res, 401, "Incorrect API key provided.", "invalid_request_error");
      }
      if (req.method === "POST" && path === "/v1/chat/completions") return chat(req, res);
      if (req.method === "GET" && path === "/v1/models") {
        return sendJson(res, 200, {
          object: "list",
          data: [{ id: model, object: "model", created: 0, owned_by: "x-demo-sim" }],
        });
      }
      openAIError(res, 404, `${req.method} ${path} not found`, "invalid_request_error");
    },
    {
      ...(options.host ? { host: options.host } : {}),
      ...(options.port ? { port: options.port } : {}),
    },
  );
}
