import type { StreamChunk } from "@x/core";
import type { Attempt } from "./attempt.js";

/**
 * Yields `first` and every later chunk of `attempt` up to its `done`, as the single-adapter
 * policies pass a stream on: at `done` the breaker verdict is `success` and the attempt is closed
 * before `done` is yielded (a consumer may stop there). Throws what `attempt.next()` throws; the
 * caller closes the attempt then.
 */
export async function* forward(attempt: Attempt, first: StreamChunk): AsyncGenerator<StreamChunk> {
  let chunk = first;
  while (chunk.type !== "done") {
    yield chunk;
    chunk = await attempt.next();
  }
  attempt.succeeded();
  await attempt.close();
  yield chunk;
}
