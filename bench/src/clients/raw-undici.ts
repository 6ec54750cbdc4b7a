/**
 * The lower bounds: undici `request()` with a keep-alive Agent, a byte-level line split and
 * `JSON.parse` per frame. Nothing else: no typed errors, no timeouts, no chunk objects.
 */
import { Agent, request } from "undici";
import { type BenchClient, type ClientContext, PROMPT } from "./types.js";

interface OllamaFrame {
  done?: boolean;
  message?: { content?: string };
}

interface OpenAIFrame {
  choices?: { delta?: { content?: string | null } }[];
}

const D = 0x64; // "d" of "data:"
const CR = 0x0d;
const LF = 0x0a;

/** A line handler: `buffer[start..end)` is one line without its LF. */
type LineHandler = (buffer: Buffer, start: number, end: number) => void;

/**
 * Splits bytes into LF-terminated lines, calling `line` for each complete one; only a line split
 * across two reads is copied (the rest is parsed in place).
 */
class ByteLines {
  #tail: Buffer | undefined;

  constructor(private readonly line: LineHandler) {}

  /** Whether an incomplete line is pending (the body ended mid-line if so). */
  get pending(): boolean {
    return this.#tail !== undefined;
  }

  push(chunk: Buffer): void {
    const line = this.line;
    let start = 0;
    let end = chunk.indexOf(LF);
    const tail = this.#tail;
    if (tail !== undefined) {
      if (end === -1) {
        this.#tail = Buffer.concat([tail, chunk]);
        return;
      }
      const joined = Buffer.concat([tail, chunk.subarray(0, end)]);
      line(joined, 0, joined.length);
      this.#tail = undefined;
      start = end + 1;
      end = chunk.indexOf(LF, start);
    }
    while (end !== -1) {
      line(chunk, start, end);
      start = end + 1;
      end = chunk.indexOf(LF, start);
    }
    if (start < chunk.length) this.#tail = chunk.subarray(start);
  }
}

/**
 * An SSE line handler for single-line `data:` events: passes each delta's content to `onText`
 * and calls `onDone` at `[DONE]`.
 */
function sseDataLine(onText: (text: string) => void, onDone: () => void): LineHandler {
  return (buffer, start, end) => {
    const stop = end > start && buffer[end - 1] === CR ? end - 1 : end;
    if (stop - start <= 5 || buffer[start] !== D) return;
    // "data:" with an optional space.
    const from = buffer[start + 5] === 0x20 ? start + 6 : start + 5;
    const data = buffer.toString("utf8", from, stop);
    if (data === "[DONE]") {
      onDone();
      return;
    }
    const frame = JSON.parse(data) as OpenAIFrame;
    const content = frame.choices?.[0]?.delta?.content;
    if (content) onText(content);
  };
}

async function post(
  dispatcher: Agent,
  url: string,
  body: string,
  headers: Record<string, string> = {},
) {
  const response = await request(url, {
    method: "POST",
    dispatcher,
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  if (response.statusCode !== 200) {
    await response.body.dump();
    throw new Error(`HTTP ${response.statusCode}`);
  }
  return response.body;
}

/** An NDJSON line handler: passes each frame's content to `onText`, calls `onDone` at `done`. */
function ndjsonLine(onText: (text: string) => void, onDone: () => void): LineHandler {
  return (buffer, start, end) => {
    if (end === start) return;
    const frame = JSON.parse(buffer.toString("utf8", start, end)) as OllamaFrame;
    const content = frame.message?.content;
    if (content) onText(content);
    if (frame.done) onDone();
  };
}

/** Makes the line handler of one wire format from its `onText` and `onDone`. */
type LineFormat = (onText: (text: string) => void, onDone: () => void) => LineHandler;

/** What a provider's request needs beyond model, messages and `stream: true`. */
interface RequestExtras {
  /** Extra body fields, sent after `model`. */
  fields?: Record<string, unknown>;
  headers?: Record<string, string>;
}

/**
 * A raw client: posts the bench prompt to `path` and reads the body with `read`, which must
 * throw when the stream ends without its end marker.
 */
function rawClient(
  context: ClientContext,
  path: string,
  read: (body: AsyncIterable<Buffer>, onText: (text: string) => void) => Promise<void>,
  extras: RequestExtras = {},
): BenchClient {
  const dispatcher = new Agent();
  const url = `${context.origin}${path}`;
  return {
    async run(model, onText) {
      const body = await post(
        dispatcher,
        url,
        JSON.stringify({
          model,
          ...extras.fields,
          messages: [{ role: "user", content: PROMPT }],
          stream: true,
        }),
        extras.headers,
      );
      await read(body as AsyncIterable<Buffer>, onText);
    },
    close: () => dispatcher.close(),
  };
}

/** Calls `onText` for every content of the body, in place; throws if it ends before `onDone`. */
async function readContents(
  body: AsyncIterable<Buffer>,
  format: LineFormat,
  onText: (text: string) => void,
  name: string,
): Promise<void> {
  let done = false;
  const lines = new ByteLines(
    format(onText, () => {
      done = true;
    }),
  );
  for await (const chunk of body) lines.push(chunk);
  if (!done || lines.pending) throw new Error(`truncated ${name} stream`);
}

/**
 * The same lower bound, with each frame's content handed out through an async generator, as
 * any `AsyncIterable<StreamChunk>` client must (one `yield` and one `for await` step per
 * frame). A reference row: it shows what the per-chunk iterator contract itself costs.
 */
async function* yieldContents(
  body: AsyncIterable<Buffer>,
  format: LineFormat,
  name: string,
): AsyncGenerator<string, void> {
  let pending: string[] = [];
  let done = false;
  const lines = new ByteLines(
    format(
      (text) => pending.push(text),
      () => {
        done = true;
      },
    ),
  );
  for await (const chunk of body) {
    lines.push(chunk);
    const ready = pending;
    pending = [];
    for (const content of ready) yield content;
  }
  if (!done || lines.pending) throw new Error(`truncated ${name} stream`);
}

/** undici + NDJSON split + JSON.parse, each content yielded by an async generator. */
export async function createRawNdjsonGeneratorClient(context: ClientContext): Promise<BenchClient> {
  return rawClient(context, "/api/chat", async (body, onText) => {
    for await (const content of yieldContents(body, ndjsonLine, "NDJSON")) onText(content);
  });
}

/** undici + SSE split + JSON.parse, each content yielded by an async generator. */
export async function createRawSseGeneratorClient(context: ClientContext): Promise<BenchClient> {
  return rawClient(context, "/v1/chat/completions", async (body, onText) => {
    for await (const content of yieldContents(body, sseDataLine, "SSE")) onText(content);
  });
}

/** undici + NDJSON line split + JSON.parse. */
export async function createRawNdjsonClient(context: ClientContext): Promise<BenchClient> {
  return rawClient(context, "/api/chat", (body, onText) =>
    readContents(body, ndjsonLine, onText, "NDJSON"),
  );
}

/** undici + SSE line split (single-line `data:` events) + JSON.parse. */
export async function createRawSseClient(context: ClientContext): Promise<BenchClient> {
  return rawClient(context, "/v1/chat/completions", (body, onText) =>
    readContents(body, sseDataLine, onText, "SSE"),
  );
}

interface AnthropicEvent {
  type?: string;
  delta?: { type?: string; text?: string };
  error?: { type?: string; message?: string };
}

/**
 * An SSE line handler for Anthropic's Messages stream: `event:` lines are skipped (every `data:`
 * JSON repeats its `type`), each `text_delta`'s text goes to `onText`, `message_stop` calls
 * `onDone`, and an `error` event throws.
 */
function anthropicDataLine(onText: (text: string) => void, onDone: () => void): LineHandler {
  return (buffer, start, end) => {
    const stop = end > start && buffer[end - 1] === CR ? end - 1 : end;
    if (stop - start <= 5 || buffer[start] !== D) return;
    const from = buffer[start + 5] === 0x20 ? start + 6 : start + 5;
    const event = JSON.parse(buffer.toString("utf8", from, stop)) as AnthropicEvent;
    if (event.type === "content_block_delta") {
      if (event.delta?.type === "text_delta" && event.delta.text) onText(event.delta.text);
    } else if (event.type === "message_stop") {
      onDone();
    } else if (event.type === "error") {
      throw new Error(`Anthropic stream error ${event.error?.type}: ${event.error?.message}`);
    }
  };
}

/** undici + SSE line split + JSON.parse of Anthropic's Messages stream (`POST /v1/messages`). */
export async function createRawAnthropicClient(context: ClientContext): Promise<BenchClient> {
  return rawClient(
    context,
    "/v1/messages",
    (body, onText) => readContents(body, anthropicDataLine, onText, "Anthropic"),
    {
      fields: { max_tokens: 4096 },
      headers: { "x-api-key": "sk-ant-bench", "anthropic-version": "2023-06-01" },
    },
  );
}
