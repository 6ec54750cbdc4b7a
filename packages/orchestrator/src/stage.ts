import { ModelLoadingTimeoutError } from "@x/core";
import type { AttemptStage } from "./errors.js";

/** The stage of a failure, given whether the attempt had produced a chunk. */
export function stageOf(error: unknown, producedChunk: boolean): AttemptStage {
  if (producedChunk) return "mid-stream";
  return ModelLoadingTimeoutError.isInstance(error) ? "first-chunk" : "connect";
}
