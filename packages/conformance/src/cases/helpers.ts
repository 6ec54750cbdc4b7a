import type { AIAdapter, Message, StreamChunk, StreamOptions, ToolCall } from "@x/core";
import { check, checkNoSecret, checkNoSecretInChunks, describeError } from "../assert.js";
import type { EncodedStream, Scenario } from "../codec.js";
import { type ChunkHook, consume, type StreamOutcome, type TimerScope } from "../observe.js";
import type { Delivery } from "../server/delivery.js";
import type { RecordedRequest } from "../server/loopback-server.js";
import type { CaseContext } from "../types.js";

/** Longest any single stream may take in a case before it counts as stalled. */
export const STREAM_GUARD_MS = 5_000;
/** "Promptly": how soon a stream must end after an abort or its terminal frame. */
export const PROMPT_MS = 1_000;
/**
 * How long the server waits to see a released connection closed. A leaked socket never closes,
 * so a wider bound catches the same leaks; 1 s flagged sound adapters on a loaded machine.
 */
export const SOCKET_CLOSE_MS = 3_000;
/**
 * The limit in the first-chunk cases: short so the suite stays fast, long enough that a busy
 * machine does not make a slow server look silent.
 */
export const FIRST_CHUNK_MS = 400;
/** Idle limit used by the idle-timeout cases. */
export const IDLE_MS = 400;
/** How often a server sends keep-alive frames while a chunk is late (well under the limits). */
export const KEEP_ALIVE_EVERY_MS = 25;

/** The default conversation. */
export const HELLO: Message[] = [{ role: "user", content: "Say hello" }];

/** What one `stream()` call did, and what the server saw of it. */
export interface CaseOutcome extends StreamOutcome {
  /** The adapter that streamed. */
  adapter: AIAdapter;
  /** Requests that reached the chat path during the call (see {@link expectThrown}). */
  chatRequests: number;
  /** Requests to the chat path before the call. */
  requestsBefore: number;
  /** Whether requests were counted (not in live mode: the loopback server sees none). */
  counted: boolean;
}

/** How {@link run} calls `stream()`. */
export interface RunOptions {
  /** The options passed to `stream()`. */
  options?: StreamOptions;
  /** Called for every chunk (return `"break"` to leave the loop). */
  onChunk?: ChunkHook;
  /** The messages passed to `stream()`. Default {@link HELLO}. */
  messages?: Message[];
  /** Guard on the whole call. Default {@link STREAM_GUARD_MS}. */
  withinMs?: number;
  /** Tracks the timers the call creates (see {@link expectNoLeftoverTimers}). */
  timers?: TimerScope;
}

/** Serves `scenario` on the chat path. */
export function serveScenario(
  ctx: CaseContext,
  scenario: Scenario,
  delivery?: Delivery,
): EncodedStream {
  const stream = ctx.codec.encodeStream(scenario);
  ctx.server.route(ctx.codec.paths.chat, { kind: "stream", stream, delivery });
  return stream;
}

/** Serves a stream's non-terminal frames, then keeps the socket open and silent. */
export function serveThenHang(ctx: CaseContext, scenario: Scenario): void {
  const stream = ctx.codec.encodeStream(scenario);
  ctx.server.route(ctx.codec.paths.chat, {
    kind: "stream",
    stream: { ...stream, frames: withoutTerminal(stream) },
    after: "hang",
  });
}

/** The frames of `stream` without its terminal part. */
export function withoutTerminal(stream: EncodedStream): string[] {
  return stream.frames.slice(0, stream.frames.length - stream.terminalFrames);
}

/**
 * Runs one `stream()` call to its end (or the guard) and checks what every call must satisfy:
 * `stream()` itself does not throw, and no credential appears in any chunk or in the error.
 */
export async function run(
  ctx: CaseContext,
  adapter: AIAdapter,
  how: RunOptions = {},
): Promise<CaseOutcome> {
  const before = ctx.server.requestsTo(ctx.codec.paths.chat).length;
  const call = async (): Promise<StreamOutcome> => {
    let iterable: AsyncIterable<StreamChunk>;
    try {
      iterable = adapter.stream(how.messages ?? HELLO, how.options);
    } catch (error) {
      return { chunks: [], error, ended: "threw", elapsedMs: 0, threwSynchronously: true };
    }
    return consume(iterable, how.withinMs ?? STREAM_GUARD_MS, how.onChunk);
  };
  const outcome = await (how.timers ? how.timers.run(call) : call());
  check(
    outcome.threwSynchronously !== true,
    `stream() threw synchronously (${describeError(outcome.error)}); it must return an iterable and fail from the first next()`,
  );
  checkNoSecretInChunks(outcome.chunks, ctx.secrets, "stream chunks");
  if (outcome.error !== undefined) checkNoSecret(outcome.error, ctx.secrets, "stream error");
  const chatRequests = ctx.server.requestsTo(ctx.codec.paths.chat).length - before;
  return { ...outcome, adapter, chatRequests, requestsBefore: before, counted: !ctx.live };
}

/** Whether the suite holds the adapter to `capability` (claimed, or advertised by the adapter). */
export function holds(
  ctx: CaseContext,
  adapter: AIAdapter,
  capability: "usage" | "tokensPerSec",
): boolean {
  const claimed = ctx.options.capabilities ?? {};
  if (capability === "usage") return claimed.usage === true || adapter.capabilities.usage;
  return claimed.tokensPerSec === true;
}

/** The tool calls yielded, in order. */
export function callsOf(chunks: readonly StreamChunk[]): ToolCall[] {
  const out: ToolCall[] = [];
  for (const c of chunks) if (c.type === "tool_calls") out.push(...c.toolCalls);
  return out;
}

/** The one chat request the adapter sent (fails when there is none). */
export function chatRequest(ctx: CaseContext): RecordedRequest {
  const requests = ctx.server.requestsTo(ctx.codec.paths.chat);
  check(
    requests.length > 0,
    `no request reached ${ctx.codec.paths.chat}; requests seen: ${ctx.server.requests.map((r) => `${r.method} ${r.path}`).join(", ") || "none"}`,
  );
  return requests[requests.length - 1]!;
}

/**
 * Asserts that every socket that carried a request to `path` (a chat, a health probe) was closed
 * by the client within `SOCKET_CLOSE_MS`.
 */
export async function expectSocketsClosed(
  ctx: CaseContext,
  path: string,
  situation: string,
): Promise<void> {
  for (const request of ctx.server.requestsTo(path)) {
    const closed = await ctx.server.socketClosed(request.socketId, SOCKET_CLOSE_MS);
    check(
      closed,
      `${situation}: the server still sees the connection of ${path} open ${SOCKET_CLOSE_MS} ms later; the adapter must destroy the response body / socket`,
    );
  }
}

/** Asserts that no ref'ed timer made during the stream outlived it. */
export async function expectNoLeftoverTimers(timers: TimerScope, situation: string): Promise<void> {
  const left = await timers.leftover();
  timers.dispose();
  check(
    left === 0,
    `${situation}: ${left} timer(s) the stream started are still pending after it ended (clear them in finally)`,
  );
}
