/**
 * A second, lower SSE bound for reference: undici's `dispatch()` with a handler that splits lines
 * and parses JSON inside `onResponseData` (no `Readable`, no promise per read). Our adapters use
 * `dispatch()` too, so this shows what is left of their own cost; the issue targets stay against
 * `raw-sse` (`request()`).
 */
import { Agent, type Dispatcher } from "undici";
import { type BenchClient, type ClientContext, PROMPT } from "./types.js";

const LF = 0x0a;
const D = 0x64;
const CR = 0x0d;

/** undici `dispatch()` + SSE line split + JSON.parse. */
export async function createRawDispatchSseClient(context: ClientContext): Promise<BenchClient> {
  const dispatcher = new Agent();
  const origin = context.origin;
  return {
    run(model, onText) {
      return new Promise<void>((resolve, reject) => {
        let tail: Buffer | undefined;
        let done = false;
        const line = (buffer: Buffer, start: number, end: number) => {
          const stop = end > start && buffer[end - 1] === CR ? end - 1 : end;
          if (stop - start <= 5 || buffer[start] !== D) return;
          const from = buffer[start + 5] === 0x20 ? start + 6 : start + 5;
          const data = buffer.toString("utf8", from, stop);
          if (data === "[DONE]") {
            done = true;
            return;
          }
          const frame = JSON.parse(data) as { choices?: { delta?: { content?: string } }[] };
          const content = frame.choices?.[0]?.delta?.content;
          if (content) onText(content);
        };
        const handler: Dispatcher.DispatchHandler = {
          onRequestStart() {},
          onResponseStart(_c, status) {
            if (status !== 200) reject(new Error(`HTTP ${status}`));
          },
          onResponseData(_c, chunk: Buffer) {
            let start = 0;
            let end = chunk.indexOf(LF);
            if (tail !== undefined) {
              if (end === -1) {
                tail = Buffer.concat([tail, chunk]);
                return;
              }
              const joined = Buffer.concat([tail, chunk.subarray(0, end)]);
              line(joined, 0, joined.length);
              tail = undefined;
              start = end + 1;
              end = chunk.indexOf(LF, start);
            }
            while (end !== -1) {
              line(chunk, start, end);
              start = end + 1;
              end = chunk.indexOf(LF, start);
            }
            if (start < chunk.length) tail = chunk.subarray(start);
          },
          onResponseEnd() {
            if (!done) reject(new Error("truncated"));
            else resolve();
          },
          onResponseError(_c, error) {
            reject(error);
          },
        };
        dispatcher.dispatch(
          {
            origin,
            path: "/v1/chat/completions",
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({
              model,
              messages: [{ role: "user", content: PROMPT }],
              stream: true,
            }),
          },
          handler,
        );
      });
    },
    close: () => dispatcher.close(),
  };
}
