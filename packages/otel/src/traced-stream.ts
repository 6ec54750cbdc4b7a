import type { Message, StreamChunk, StreamOptions } from "@x/core";
import { RequestRecorder, type StreamTarget } from "./request-recorder.js";

/**
 * The adapter's stream, chunk for chunk, with one span per call. The span starts at the first
 * `next()` (a stream never iterated records nothing) and ends when the `done` chunk arrives, the
 * stream throws, or the consumer stops early.
 */
export async function* tracedStream(
  target: StreamTarget,
  messages: Message[],
  options: StreamOptions | undefined,
): AsyncGenerator<StreamChunk, void, undefined> {
  const recorder = new RequestRecorder(target, messages, options);
  let iterator: AsyncIterator<StreamChunk> | undefined;
  let open = false;
  try {
    iterator = target.adapter.stream(messages, options)[Symbol.asyncIterator]();
    open = true;
    for (;;) {
      let result: IteratorResult<StreamChunk>;
      try {
        result = await recorder.pull(iterator);
      } catch (error) {
        open = false;
        recorder.fail(error);
        throw error;
      }
      if (result.done) {
        open = false;
        recorder.endWithoutDone();
        return;
      }
      recorder.observe(result.value);
      yield result.value;
    }
  } catch (error) {
    // A third-party stream() that throws instead of returning a stream; an error the consumer
    // throws in with `throw()` leaves the stream open and is a cancel (see below).
    if (!open) recorder.fail(error);
    throw error;
  } finally {
    // The inner stream is still open only when the consumer stopped early (after `done` too):
    // close it in the request's context, then count the request as cancelled unless its `done`
    // had arrived.
    if (open && iterator !== undefined) {
      try {
        await recorder.close(iterator);
      } finally {
        recorder.cancel();
      }
    }
  }
}
