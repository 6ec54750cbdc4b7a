import { TOKENS } from "./tokens.js";

/**
 * Wire formats the loopback server speaks: Ollama NDJSON, OpenAI chat-completion SSE, Anthropic
 * Messages SSE (named events).
 */
export type WireFormat = "ndjson" | "sse" | "anthropic";

/**
 * A pre-rendered response: `frames[k]` is the frame carrying `TOKENS[k]`; `block` is the frames for
 * tokens `0 .. blockFrames - 1` concatenated (a whole number of token cycles, about 64 KiB), so a
 * response of `n` chunks is `head`, `floor(n / blockFrames)` blocks, the first `n % blockFrames`
 * frames, then `tail`.
 */
export interface RenderedResponse {
  head: Buffer;
  frames: Buffer[];
  block: Buffer;
  blockFrames: number;
  tail(n: number): Buffer;
}

const CREATED_AT = "2026-11-25T00:00:00.000000000Z";
const BLOCK_TARGET_BYTES = 64 * 1024;

function ollamaFrame(model: string, content: string): string {
  return `${JSON.stringify({
    model,
    created_at: CREATED_AT,
    message: { role: "assistant", content },
    done: false,
  })}\n`;
}

function ollamaDone(model: string, n: number): string {
  return `${JSON.stringify({
    model,
    created_at: CREATED_AT,
    message: { role: "assistant", content: "" },
    done: true,
    done_reason: "stop",
    total_duration: 1_000_000_000,
    load_duration: 1_000_000,
    prompt_eval_count: 10,
    prompt_eval_duration: 2_000_000,
    eval_count: n,
    eval_duration: 900_000_000,
  })}\n`;
}

function sseChunk(model: string, delta: object, finishReason: string | null): string {
  return `data: ${JSON.stringify({
    id: "chatcmpl-bench",
    object: "chat.completion.chunk",
    created: 1_764_028_800,
    model,
    system_fingerprint: "fp_bench",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  })}\n\n`;
}

function sseTail(model: string, n: number): string {
  const usage = `data: ${JSON.stringify({
    id: "chatcmpl-bench",
    object: "chat.completion.chunk",
    created: 1_764_028_800,
    model,
    system_fingerprint: "fp_bench",
    choices: [],
    usage: { prompt_tokens: 10, completion_tokens: n, total_tokens: n + 10 },
  })}\n\n`;
  return `${sseChunk(model, {}, "stop")}${usage}data: [DONE]\n\n`;
}

/** One Anthropic Messages API event: `event: <type>` then `data: <json>`. */
function anthropicEvent(event: { type: string; [field: string]: unknown }): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/** message_start and the text block's content_block_start. */
function anthropicHead(model: string): string {
  return (
    anthropicEvent({
      type: "message_start",
      message: {
        id: "msg_bench",
        type: "message",
        role: "assistant",
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: 10,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
          output_tokens: 1,
        },
      },
    }) +
    anthropicEvent({
      type: "content_block_start",
      index: 0,
      content_block: { type: "text", text: "" },
    })
  );
}

/** One content_block_delta carrying one token. */
function anthropicDelta(token: string): string {
  return anthropicEvent({
    type: "content_block_delta",
    index: 0,
    delta: { type: "text_delta", text: token },
  });
}

/** content_block_stop, message_delta (stop reason, output usage), message_stop. */
function anthropicTail(n: number): string {
  return (
    anthropicEvent({ type: "content_block_stop", index: 0 }) +
    anthropicEvent({
      type: "message_delta",
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: { output_tokens: n },
    }) +
    anthropicEvent({ type: "message_stop" })
  );
}

function frameOf(format: WireFormat, model: string, token: string): string {
  if (format === "ndjson") return ollamaFrame(model, token);
  if (format === "anthropic") return anthropicDelta(token);
  return sseChunk(model, { content: token }, null);
}

function headOf(format: WireFormat, model: string): string {
  if (format === "ndjson") return "";
  if (format === "anthropic") return anthropicHead(model);
  return sseChunk(model, { role: "assistant", content: "" }, null);
}

function tailOf(format: WireFormat, model: string, n: number): string {
  if (format === "ndjson") return ollamaDone(model, n);
  if (format === "anthropic") return anthropicTail(n);
  return sseTail(model, n);
}

/** Renders the reusable pieces of a response in `format` for `model`. */
export function renderResponse(format: WireFormat, model: string): RenderedResponse {
  const frames = TOKENS.map((token) => Buffer.from(frameOf(format, model, token)));
  const cycleBytes = frames.reduce((sum, frame) => sum + frame.length, 0);
  const cycles = Math.max(1, Math.round(BLOCK_TARGET_BYTES / cycleBytes));
  const block = Buffer.concat(Array.from({ length: cycles }, () => frames).flat());
  const tails = new Map<number, Buffer>();
  const head = Buffer.from(headOf(format, model));
  return {
    head,
    frames,
    block,
    blockFrames: cycles * frames.length,
    tail: (n) => {
      let tail = tails.get(n);
      if (!tail) {
        tail = Buffer.from(tailOf(format, model, n));
        tails.set(n, tail);
      }
      return tail;
    },
  };
}
