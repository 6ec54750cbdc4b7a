import type { Message } from "@x/core";
import type { FallbackChainOptions } from "./chain-options.js";
import type { AdapterRef } from "./errors.js";
import { defaultShouldFallback } from "./fallback-policy.js";
import { continuationMessages, DEFAULT_CONTINUE_INSTRUCTION } from "./partial.js";
import type { VisibleOutput } from "./visible-output.js";

/** How a request goes on after its committed attempt failed. */
export type Recovery =
  /** Answer from scratch; the consumer is told with a `reset` chunk carrying `reason`. */
  | { mode: "restart"; reason: string; messages: Message[] }
  /** Ask the next member to continue the visible text (an assistant prefix). */
  | { mode: "continue"; messages: Message[] };

/**
 * The `midStream` policy for a failure after commit (`error`, by the member `ref` in attempt
 * number `attempt`): how to go on, or undefined when the failure must be thrown with the visible
 * partial. `"error"` never recovers; a yielded tool call (the caller may have run it) degrades
 * `"restart"` and `"continue"` to `"error"`; `"continue"` with no visible text restarts instead
 * (an empty prefix would replay the answer); `shouldFallback` has the last word.
 */
export function recoverAfterCommit(
  error: unknown,
  ref: AdapterRef,
  attempt: number,
  shown: VisibleOutput,
  original: Message[],
  options: FallbackChainOptions,
): Recovery | undefined {
  let mode = options.midStream ?? "error";
  if (shown.toolCalls.length > 0) mode = "error";
  if (mode === "continue" && shown.content.isEmpty) mode = "restart";
  if (mode === "error") return undefined;
  const fallback = (options.shouldFallback ?? defaultShouldFallback)(error, {
    adapter: ref,
    stage: "mid-stream",
    committed: true,
    attempt,
  });
  if (!fallback) return undefined;
  if (mode === "restart") {
    const reason = error instanceof Error ? error.message : String(error);
    return { mode, reason, messages: original };
  }
  const instruction = options.continueInstruction ?? DEFAULT_CONTINUE_INSTRUCTION;
  return { mode, messages: continuationMessages(original, shown.content.toString(), instruction) };
}
