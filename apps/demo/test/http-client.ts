import { request } from "node:http";
import { SseDecoder, type SseEvent } from "@x/core/http";

/** A whole HTTP answer. */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** Sends one request over a fresh connection (no pooling) and reads the whole answer. */
export function send(
  url: string,
  method: string,
  body?: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const payload =
      body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    const req = request(
      url,
      {
        method,
        agent: false,
        headers: {
          ...(payload === undefined
            ? {}
            : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }),
          ...extraHeaders,
        },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on("data", (part: Buffer) => parts.push(part));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(parts).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/** Decodes an SSE body with @x/core's decoder. */
export function sseEvents(text: string): SseEvent[] {
  const decoder = new SseDecoder();
  return [...decoder.push(new TextEncoder().encode(text)), ...decoder.end()];
}

/** A streamed `default` gateway answer: whether it ended with `[DONE]`, who served it, the resets it announced. */
export async function gatewayAnswer(url: string) {
  const res = await send(`${url}/v1/chat/completions`, "POST", {
    model: "default",
    stream: true,
    messages: [{ role: "user", content: "ping" }],
  });
  const chunks = sseEvents(res.text)
    .filter((e) => e.data !== "[DONE]")
    .map((e) => JSON.parse(e.data));
  return {
    done: sseEvents(res.text).at(-1)?.data === "[DONE]",
    provider: chunks.find((c) => c.x_provider)?.x_provider as string | undefined,
    resets: chunks.filter((c) => c.x_reset).length,
  };
}
