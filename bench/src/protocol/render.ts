import { TOKENS } from "./tokens.js";

/** Wire formats the loopback server speaks. */
export type WireFormat = "ndjson" | "sse";

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

/** Renders the reusable pieces of a response in `format` for `model`. */
export function renderResponse(format: WireFormat, model: string): RenderedResponse {
  const frames = TOKENS.map((token) =>
    Buffer.from(
      format === "ndjson" ? ollamaFrame(model, token) : sseChunk(model, { content: token }, null),
    ),
  );
  const cycleBytes = frames.reduce((sum, frame) => sum + frame.length, 0);
  const cycles = Math.max(1, Math.round(BLOCK_TARGET_BYTES / cycleBytes));
  const block = Buffer.concat(Array.from({ length: cycles }, () => frames).flat());
  const tails = new Map<number, Buffer>();
  const head = Buffer.from(
    format === "ndjson" ? "" : sseChunk(model, { role: "assistant", content: "" }, null),
  );
  return {
    head,
    frames,
    block,
    blockFrames: cycles * frames.length,
    tail: (n) => {
      let tail = tails.get(n);
      if (!tail) {
        tail = Buffer.from(format === "ndjson" ? ollamaDone(model, n) : sseTail(model, n));
        tails.set(n, tail);
      }
      return tail;
    },
  };
}
