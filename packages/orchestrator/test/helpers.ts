import type { Message, StreamChunk } from "@x/core";
import type { OrchestratorEvent } from "../src/index.js";

export const USER: Message[] = [{ role: "user", content: "hi" }];

/** Drains a stream, returning the chunks seen and the error thrown, if any. */
export async function drain(
  stream: AsyncIterable<StreamChunk>,
): Promise<{ chunks: StreamChunk[]; error: unknown }> {
  const chunks: StreamChunk[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk);
    return { chunks, error: undefined };
  } catch (error) {
    return { chunks, error };
  }
}

/** The text a consumer shows: content, with `reset` clearing it. */
export function visibleText(chunks: readonly StreamChunk[]): string {
  let text = "";
  for (const c of chunks) {
    if (c.type === "content") text += c.content;
    if (c.type === "reset") text = "";
  }
  return text;
}

/** All content concatenated, ignoring resets (what a naive consumer would show). */
export function rawText(chunks: readonly StreamChunk[]): string {
  return chunks
    .map((c) => (c.type === "content" ? c.content : c.type === "reset" ? "|RESET|" : ""))
    .join("");
}

/** Records events; `types()` lists their types in order. */
export function recorder(): {
  events: OrchestratorEvent[];
  onEvent: (e: OrchestratorEvent) => void;
  types: () => string[];
} {
  const events: OrchestratorEvent[] = [];
  return { events, onEvent: (e) => events.push(e), types: () => events.map((e) => e.type) };
}

/** Resolves once `predicate()` holds, polling every 5 ms for at most `ms`. */
export async function pollUntil(
  predicate: () => boolean | Promise<boolean>,
  ms = 5_000,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > end) throw new Error("condition never became true");
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** One OpenAI chat-completion SSE frame (model `gpt-4o-mini`) carrying `delta`. */
export function openaiSseChunk(
  delta: Record<string, unknown>,
  finish: string | null = null,
): string {
  return `data: ${JSON.stringify({
    id: "c1",
    object: "chat.completion.chunk",
    created: 1,
    model: "gpt-4o-mini",
    choices: [{ index: 0, delta, finish_reason: finish }],
  })}\n\n`;
}
