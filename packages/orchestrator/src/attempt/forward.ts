import type { StreamChunk } from "@x/core";
import type { Attempt } from "./attempt.js";

/**
 * Yields `first` and every later chunk of `attempt` up to its `done`, as the single-adapter
 * policies pass a stream on: at `done` the breaker verdict is `success` and the attempt is closed
 * before `done` is yielded (a consumer may stop there). Throws what the member threw (a fired
 * limit as its timeout error), or a truncation when it ends without `done`; the caller closes
 * the attempt then.
 */
export async function* forward(attempt: Attempt, first: StreamChunk): AsyncGenerator<StreamChunk> {
  let chunk = first;
  for (;;) {
    if (chunk.type === "done") {
      attempt.succeeded();
      await attempt.close();
      yield chunk;
      return;
    }
    yield chunk;
    let result: IteratorResult<StreamChunk>;
    try {
      result = await attempt.next();
    } catch (error) {
      throw attempt.explain(error);
    }
    if (result.done) throw attempt.truncated();
    chunk = result.value;
  }
}
