/**
 * A second, lower SSE bound for reference: undici's `dispatch()` with a handler that splits lines
 * and parses JSON inside `onResponseData` (no `Readable`, no promise per read). Our adapters use
 * `dispatch()` too, so this shows what is left of their own cost; the issue targets stay against
 * `raw-sse` (`request()`).
 */
import { Agent, type Dispatcher } from "undici";
import { ByteLines, sseDataLine } from "./raw-undici.js";
import { type BenchClient, type ClientContext, PROMPT } from "./types.js";

/** undici `dispatch()` + SSE line split + JSON.parse. */
export async function createRawDispatchSseClient(context: ClientContext): Promise<BenchClient> {
  const dispatcher = new Agent();
  const origin = context.origin;
  return {
    run(model, onText) {
      return new Promise<void>((resolve, reject) => {
        let done = false;
        const lines = new ByteLines(
          sseDataLine(onText, () => {
            done = true;
          }),
        );
        const handler: Dispatcher.DispatchHandler = {
          onRequestStart() {},
          onResponseStart(_c, status) {
            if (status !== 200) reject(new Error(`HTTP ${status}`));
          },
          onResponseData(_c, chunk: Buffer) {
            lines.push(chunk);
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
