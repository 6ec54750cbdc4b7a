import type { AdapterError, AIAdapter, Message, StreamChunk, StreamOptions } from "@x/core";
import {
  check,
  checkErrorClass,
  checkNoSecret,
  checkWellFormed,
  describeChunks,
  describeError,
  type ErrorClass,
} from "../assert.js";
import type { EncodedStream, Scenario } from "../codec.js";
import { activeTimeouts, type ChunkHook, consume, type StreamOutcome } from "../observe.js";
import type { Delivery } from "../server/delivery.js";
import type { RecordedRequest } from "../server/loopback-server.js";
import type { CaseContext } from "../types.js";

/** Longest any single stream may take in a case before it counts as stalled. */
export const STREAM_GUARD_MS = 5_000;
/** "Promptly": abort and socket release bounds, generous for slow CI machines. */
export const PROMPT_MS = 1_000;
/** Small timeouts so timeout cases stay fast. */
export const FIRST_CHUNK_MS = 300;
/** Idle limit used by the idle-timeout cases. */
export const IDLE_MS = 300;

/** The default conversation. */
export const HELLO: Message[] = [{ role: "user", content: "Say hello" }];

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

/** Runs one `stream()` call to its end (or the guard). */
export function run(
  adapter: AIAdapter,
  options?: StreamOptions,
  onChunk?: ChunkHook,
  messages: Message[] = HELLO,
  withinMs: number = STREAM_GUARD_MS,
): Promise<StreamOutcome> {
  let iterable: AsyncIterable<StreamChunk>;
  try {
    iterable = adapter.stream(messages, options);
  } catch (error) {
    return Promise.resolve({ chunks: [], error, ended: "threw", elapsedMs: 0 });
  }
  return consume(iterable, withinMs, onChunk);
}

/** Asserts a successful, well-formed stream and returns its `done`. */
export function expectSuccess(outcome: StreamOutcome, situation: string) {
  if (outcome.ended === "threw") {
    throw new Error(
      `${situation}: the stream threw ${describeError(outcome.error)} after ${describeChunks(outcome.chunks)}`,
      {
        cause: outcome.error,
      },
    );
  }
  check(
    outcome.ended !== "stalled",
    `${situation}: the stream did not finish within ${STREAM_GUARD_MS} ms (stalled after ${describeChunks(outcome.chunks)})`,
  );
  return checkWellFormed(outcome.chunks);
}

/**
 * Asserts that the stream threw one of `classes` (never yielding `done`), that the error leaks no
 * secret and that `retryable` matches, and returns the error.
 */
export function expectThrown(
  ctx: CaseContext,
  outcome: StreamOutcome,
  classes: readonly ErrorClass[],
  situation: string,
  retryable?: boolean,
): AdapterError {
  const names = classes.map((c) => c.name).join(" or ");
  check(
    outcome.ended !== "stalled",
    `${situation}: expected ${names}, but the stream was still running after ${STREAM_GUARD_MS} ms (chunks: ${describeChunks(outcome.chunks)})`,
  );
  check(
    outcome.ended === "threw",
    `${situation}: expected ${names}, but the stream ended normally with ${describeChunks(outcome.chunks)}`,
  );
  check(
    !outcome.chunks.some((c) => c.type === "done"),
    `${situation}: the stream yielded done and then threw: ${describeChunks(outcome.chunks)}`,
  );
  const error = checkErrorClass(outcome.error, classes, situation);
  checkNoSecret(error, [ctx.apiKey], situation);
  if (retryable !== undefined) {
    check(
      error.retryable === retryable,
      `${situation}: ${error.name}.retryable should be ${retryable}, got ${String(error.retryable)}`,
    );
  }
  return error;
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

/** Asserts that every socket that carried a chat request was closed by the client within `PROMPT_MS`. */
export async function expectChatSocketsClosed(ctx: CaseContext, situation: string): Promise<void> {
  for (const request of ctx.server.requestsTo(ctx.codec.paths.chat)) {
    const closed = await ctx.server.socketClosed(request.socketId, PROMPT_MS);
    check(
      closed,
      `${situation}: the server still sees the connection open ${PROMPT_MS} ms later; the adapter must destroy the response body / socket`,
    );
  }
}

/** Asserts that no ref'ed `Timeout` outlived the operation (compared to `baseline`). */
export function expectNoLeftoverTimers(baseline: number, situation: string): void {
  const now = activeTimeouts();
  check(
    now <= baseline,
    `${situation}: ${now - baseline} timer(s) left behind (process.getActiveResourcesInfo() has ${now} Timeout(s), ${baseline} before the stream)`,
  );
}
