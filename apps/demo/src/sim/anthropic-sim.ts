import type { IncomingMessage, ServerResponse } from "node:http";
import { readJsonBody, sendJson } from "../http/json-body.js";
import { listen, type RunningServer } from "../http/listen.js";
import { type SimOptions, writeFrames } from "./sim-fault.js";
import { type SimMessage, simReply } from "./sim-reply.js";
import { startRefusing } from "./start-refusing.js";

/** Options of the Anthropic simulator. */
export interface AnthropicSimOptions extends SimOptions {
  /** When set, requests must carry `x-api-key: <apiKey>` (else 401 `authentication_error`). */
  apiKey?: string;
}

interface MessagesBody {
  model?: unknown;
  messages?: unknown;
  stream?: unknown;
  tools?: unknown;
  thinking?: unknown;
}

function toolNames(tools: unknown): string[] {
  if (!Array.isArray(tools)) return [];
  return tools
    .map((tool) => (tool as { name?: unknown })?.name)
    .filter((name): name is string => typeof name === "string");
}

/**
 * Anthropic's messages as the shared reply builder reads them: a user turn made of
 * `tool_result` blocks is the tool's answer (role `tool`, its text as content).
 */
function asSimMessages(messages: unknown): SimMessage[] {
  if (!Array.isArray(messages)) return [];
  return messages.map((message: { role?: unknown; content?: unknown }) => {
    const blocks = Array.isArray(message?.content) ? (message.content as unknown[]) : [];
    const results = blocks.filter(
      (block) => (block as { type?: unknown })?.type === "tool_result",
    ) as { content?: unknown }[];
    if (message?.role === "user" && results.length > 0) {
      const text = results
        .map((result) =>
          typeof result.content === "string"
            ? result.content
            : Array.isArray(result.content)
              ? result.content.map((part: { text?: unknown }) => String(part?.text ?? "")).join("")
              : "",
        )
        .join("\n");
      return { role: "tool", content: text };
    }
    return { role: message?.role, content: message?.content };
  });
}

function anthropicError(res: ServerResponse, status: number, type: string, message: string): void {
  sendJson(res, status, { type: "error", error: { type, message } });
}

/**
 * Starts a fake Anthropic Messages API on loopback: `POST /v1/messages` (server-sent events
 * `message_start`, `content_block_start` / `content_block_delta` / `content_block_stop` per
 * block, `message_delta` with the stop reason and output tokens, `message_stop`; or one JSON
 * message without `stream`) and `GET /v1/models`. With `apiKey`, a request without that
 * `x-api-key` gets 401 `authentication_error`, as the real API answers. Same replies
 * (`simReply`) and faults (`SimFault`) as the other simulators; thinking comes as a `thinking`
 * block, a tool call as a `tool_use` block with `input_json_delta` fragments.
 */
export async function startAnthropicSim(options: AnthropicSimOptions = {}): Promise<RunningServer> {
  const model = options.model ?? "sim-claude";
  const fault = options.fault ?? "none";
  if (fault === "refuse") return startRefusing(options.host);

  const messagesRoute = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = (await readJsonBody(req)) as MessagesBody;
    options.onChatRequest?.();
    if (fault === "hang") return;
    if (fault === "http-503") return anthropicError(res, 503, "api_error", "server busy");
    const thinkingAsked =
      typeof body.thinking === "object" &&
      body.thinking !== null &&
      (body.thinking as { type?: unknown }).type !== "disabled";
    const reply = simReply("Anthropic simulator", asSimMessages(body.messages), {
      think: thinkingAsked,
      toolNames: toolNames(body.tools),
    });
    const id = `msg_sim${Date.now().toString(36)}`;
    const answered = typeof body.model === "string" ? body.model : model;
    const outputTokens = reply.thinking.length + reply.content.length + (reply.toolCall ? 1 : 0);
    const stopReason = reply.toolCall ? "tool_use" : "end_turn";
    const toolUseId = "toolu_sim0003";

    if (body.stream !== true) {
      const content: Record<string, unknown>[] = [];
      if (reply.thinking.length > 0)
        content.push({ type: "thinking", thinking: reply.thinking.join(""), signature: "sim" });
      if (reply.content.length > 0) content.push({ type: "text", text: reply.content.join("") });
      if (reply.toolCall)
        content.push({
          type: "tool_use",
          id: toolUseId,
          name: reply.toolCall.name,
          input: reply.toolCall.arguments,
        });
      sendJson(res, 200, {
        id,
        type: "message",
        role: "assistant",
        model: answered,
        content,
        stop_reason: stopReason,
        stop_sequence: null,
        usage: { input_tokens: reply.inputTokens, output_tokens: outputTokens },
      });
      return;
    }

    const events: Record<string, unknown>[] = [
      {
        type: "message_start",
        message: {
          id,
          type: "message",
          role: "assistant",
          model: answered,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: reply.inputTokens, output_tokens: 1 },
        },
      },
    ];
    let index = 0;
    /** One content block: its start, its deltas, its stop. */
    const pushBlock = (start: Record<string, unknown>, deltas: Record<string, unknown>[]) => {
      events.push({ type: "content_block_start", index, content_block: start });
      for (const delta of deltas) events.push({ type: "content_block_delta", index, delta });
      events.push({ type: "content_block_stop", index });
      index += 1;
    };
    if (reply.thinking.length > 0)
      pushBlock({ type: "thinking", thinking: "" }, [
        ...reply.thinking.map((part) => ({ type: "thinking_delta", thinking: part })),
        { type: "signature_delta", signature: "sim" },
      ]);
    if (reply.content.length > 0)
      pushBlock(
        { type: "text", text: "" },
        reply.content.map((part) => ({ type: "text_delta", text: part })),
      );
    if (reply.toolCall) {
      const args = JSON.stringify(reply.toolCall.arguments);
      const cut = Math.ceil(args.length / 2);
      pushBlock({ type: "tool_use", id: toolUseId, name: reply.toolCall.name, input: {} }, [
        { type: "input_json_delta", partial_json: args.slice(0, cut) },
        { type: "input_json_delta", partial_json: args.slice(cut) },
      ]);
    }
    events.push(
      {
        type: "message_delta",
        delta: { stop_reason: stopReason, stop_sequence: null },
        usage: { output_tokens: outputTokens },
      },
      { type: "message_stop" },
    );

    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
    });
    // die-mid-stream: the connection drops with no message_stop.
    const frames = events.map(
      (event) => `event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`,
    );
    if (await writeFrames(res, frames, fault, options)) res.end();
  };

  return listen(
    async (req, res) => {
      const path = new URL(req.url ?? "/", "http://sim").pathname.replace(/\/+$/, "");
      if (options.apiKey && req.headers["x-api-key"] !== options.apiKey) {
        return anthropicError(res, 401, "authentication_error", "invalid x-api-key");
      }
      if (req.method === "POST" && path === "/v1/messages") return messagesRoute(req, res);
      if (req.method === "GET" && path === "/v1/models") {
        return sendJson(res, 200, {
          data: [
            {
              type: "model",
              id: model,
              display_name: "Anthropic simulator",
              created_at: new Date(0).toISOString(),
            },
          ],
          has_more: false,
          first_id: model,
          last_id: model,
        });
      }
      anthropicError(res, 404, "not_found_error", `${req.method} ${path} not found`);
    },
    {
      ...(options.host ? { host: options.host } : {}),
      ...(options.port ? { port: options.port } : {}),
    },
  );
}
