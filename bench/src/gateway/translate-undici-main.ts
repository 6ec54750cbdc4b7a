/**
 * A reference, not a goal: undici's pass-through (floor-undici-main.ts) that also re-encodes the
 * upstream's SSE, with no adapter: it splits the body into lines, parses each `data:` event,
 * builds a fresh OpenAI `chat.completion.chunk` from it and writes it back, one write per
 * upstream read. Roughly the least any translating gateway must do.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage } from "node:http";
import { Agent, type Dispatcher, request } from "undici";

const upstream = process.env.UPSTREAM ?? "";
const dispatcher = new Agent();

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

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts);
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

createServer(async (req, res) => {
  try {
    const body = await readBody(req);
    const answer = await request(`${upstream}${req.url ?? "/"}`, {
      method: (req.method ?? "GET") as Dispatcher.HttpMethod,
      headers: { "content-type": req.headers["content-type"] ?? "application/json" },
      body: body.length > 0 ? body : undefined,
      dispatcher,
    });
    res.on("close", () => answer.body.destroy());
    res.writeHead(answer.statusCode, {
      "content-type": String(answer.headers["content-type"] ?? "application/octet-stream"),
    });
    if (!String(answer.headers["content-type"]).startsWith("text/event-stream")) {
      // Not a stream (an error, a model list): its bytes as they are.
      for await (const bytes of answer.body) if (!res.write(bytes)) await once(res, "drain");
      return void res.end();
    }
    const decoder = new TextDecoder();
    let buffered = "";
    for await (const bytes of answer.body) {
      buffered += decoder.decode(bytes as Uint8Array, { stream: true });
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      let output = "";
      for (const line of lines) {
        if (line.startsWith("data: ")) output += translate(line.slice(6).trim());
      }
      if (output !== "" && !res.write(output)) await once(res, "drain");
    }
    res.end();
  } catch {
    res.destroy();
  }
}).listen(0, "127.0.0.1");
