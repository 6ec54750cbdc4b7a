import type { AdapterRef } from "../errors.js";
import { defaultShouldFallback } from "../policies/fallback-policy.js";
import type { FallbackChainOptions } from "./chain-options.js";
import { CHAIN_DEFAULTS } from "./member.js";
import type { VisibleOutput } from "./visible-output.js";

/** How a request goes on after its committed attempt failed. */
export type Recovery = "restart" | "continue";

/**
 * The `midStream` policy for `error`, a failure after commit of the member `ref` (attempt number
 * `attempt`): how to go on, or undefined when the failure must be thrown with what was shown.
 * `"error"` never goes on; once a tool call was shown (the caller may have run it) nothing
 * goes on, since it would be re-emitted or re-requested; `"continue"` with no text shown yet
 * restarts (an empty prefix would replay the answer, LiteLLM PR #32835); `shouldFallback` has the
 * last word. Whether a continuation really continues is decided per member (its
 * `capabilities.assistantPrefill`).
 */
export function recoverAfterCommit(
  error: unknown,
  ref: AdapterRef,
  attempt: number,
  shown: VisibleOutput,
  options: FallbackChainOptions,
): Recovery | undefined {
  let mode = options.midStream ?? CHAIN_DEFAULTS.midStream;
  if (shown.toolCalls.length > 0) return undefined;
  if (mode === "continue" && shown.content.isEmpty) mode = "restart";
  if (mode === "error") return undefined;
  const context = { adapter: ref, stage: "mid-stream" as const, committed: true, attempt };
  return (options.shouldFallback ?? defaultShouldFallback)(error, context) ? mode : undefined;
}
