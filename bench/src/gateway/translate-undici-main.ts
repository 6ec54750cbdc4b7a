/**
 * A reference, not a goal: undici's pass-through (floor-undici-main.ts) that also re-encodes the
 * upstream's SSE, with no adapter: it splits the body into lines, parses each `data:` event,
 * builds a fresh OpenAI `chat.completion.chunk` from it and writes it back, one write per
 * upstream read. Roughly the least any translating gateway must do.
 */
import { copyBytes, serveThroughUndici, write } from "./undici-proxy.js";

/** The fields of an upstream chunk that are carried over. */
interface UpstreamChunk {
  id: string;
  created: number;
  model: string;
  choices: Array<{
    delta?: { role?: string; content?: string | null };
    finish_reason?: string | null;
  }>;
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

/** The re-encoded event for one upstream `data:` payload. */
function translate(data: string): string {
  if (data === "[DONE]") return "data: [DONE]\n\n";
  const chunk = JSON.parse(data) as UpstreamChunk;
  const choice = chunk.choices[0];
  const delta: { role?: string; content?: string } = {};
  if (choice?.delta?.role) delta.role = choice.delta.role;
  if (typeof choice?.delta?.content === "string") delta.content = choice.delta.content;
  const out = {
    id: chunk.id,
    object: "chat.completion.chunk",
    created: chunk.created,
    model: chunk.model,
    choices: choice ? [{ index: 0, delta, finish_reason: choice.finish_reason ?? null }] : [],
    ...(chunk.usage ? { usage: chunk.usage } : {}),
  };
  return `data: ${JSON.stringify(out)}\n\n`;
}

serveThroughUndici(async (body, res, contentType) => {
  // Not a stream (an error, a model list): its bytes as they are.
  if (!contentType.startsWith("text/event-stream")) return copyBytes(body, res);
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const bytes of body) {
    buffered += decoder.decode(bytes as Uint8Array, { stream: true });
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    let output = "";
    for (const line of lines) {
      if (line.startsWith("data: ")) output += translate(line.slice(6).trim());
    }
    if (output !== "") await write(res, output);
  }
  res.end();
});
