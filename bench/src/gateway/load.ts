/**
 * The load generator (the parent process): streams chat completions from one target with
 * undici, measures each stream's time to first content chunk, and checks that the text is
 * exactly what the upstream sent.
 */
import { Agent, request } from "undici";
import { MODEL } from "./protocol.js";

/** One way to reach the upstream: straight, or through a gateway. */
export interface Target {
  id: string;
  label: string;
  url: string;
  headers: Record<string, string>;
}

/** One stream's outcome. */
export interface StreamResult {
  /** ms from sending the request to the first non-empty content delta. */
  ttfcMs: number;
  /** Content deltas received. */
  chunks: number;
  /** The text matched and `[DONE]` arrived. */
  ok: boolean;
  error?: string;
}

const BODY = JSON.stringify({
  model: MODEL,
  stream: true,
  stream_options: { include_usage: true },
  messages: [{ role: "user", content: "Say hello." }],
});

/** Keep-alive connections per target, as a real client pool would hold them. */
export function createDispatcher(): Agent {
  return new Agent({ keepAliveTimeout: 30_000, connections: null });
}

/** Streams one answer from `target` and measures it. Never rejects. */
export async function streamOnce(
  target: Target,
  dispatcher: Agent,
  expected: string,
): Promise<StreamResult> {
  const started = performance.now();
  let ttfcMs = Number.NaN;
  let chunks = 0;
  let text = "";
  let done = false;
  try {
    const { statusCode, body } = await request(`${target.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", ...target.headers },
      body: BODY,
      dispatcher,
    });
    if (statusCode !== 200) {
      const detail = (await body.text()).slice(0, 200);
      return { ttfcMs, chunks, ok: false, error: `HTTP ${statusCode}: ${detail}` };
    }
    let buffered = "";
    body.setEncoding("utf8");
    for await (const part of body as AsyncIterable<string>) {
      buffered += part;
      let end = buffered.indexOf("\n");
      while (end !== -1) {
        const line = buffered.slice(0, end).trim();
        buffered = buffered.slice(end + 1);
        end = buffered.indexOf("\n");
        if (!line.startsWith("data:")) continue;
        const data = line.slice(5).trim();
        if (data === "[DONE]") {
          done = true;
          continue;
        }
        const parsed = JSON.parse(data) as {
          choices?: Array<{ delta?: { content?: string | null } }>;
        };
        const content = parsed.choices?.[0]?.delta?.content;
        if (typeof content === "string" && content !== "") {
          if (chunks === 0) ttfcMs = performance.now() - started;
          chunks++;
          text += content;
        }
      }
    }
  } catch (error) {
    return { ttfcMs, chunks, ok: false, error: String(error) };
  }
  const ok = done && text === expected;
  return ok
    ? { ttfcMs, chunks, ok }
    : { ttfcMs, chunks, ok, error: done ? "text differs" : "no [DONE]" };
}
