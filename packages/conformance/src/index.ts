import { describe, it } from "vitest";
import type { ConformanceOptions } from "./codec.js";
import { executeCase, planConformance } from "./runner.js";

export type * from "./codec.js";

const CASE_TIMEOUT_MS = 30_000;
const LIVE_TIMEOUT_MS = 300_000;

export type { CaseResult, ConformanceCase } from "./types.js";

/**
 * Registers the conformance suite for one adapter in vitest: one `describe` named after
 * `options.name`, one `it` per case titled `<case id>: <title>`. Cases the adapter cannot run are
 * registered with `it.skip` and the reason in the title, so they show as skipped, never as passed.
 *
 * @example
 * import { runConformance } from "@x/conformance";
 * runConformance({
 *   name: "ollama",
 *   create: ({ baseUrl, model, headers }) => new OllamaAdapter({ baseUrl, model, headers }),
 *   codec: ollamaCodec,
 *   capabilities: { toolCalls: true, thinking: true, usage: true, tokensPerSec: true },
 * });
 */
export function runConformance(options: ConformanceOptions): void {
  // Sequential even under `sequence.concurrent`: the leftover-timer checks count process-wide.
  describe.sequential(`conformance: ${options.name}`, () => {
    for (const planned of planConformance(options)) {
      const { id, title } = planned.case;
      if (planned.skipReason !== undefined) {
        it.skip(`${id}: ${title} [skipped: ${planned.skipReason}]`, () => {});
      } else {
        // Cases bound themselves (a stalled stream fails after 5 s); live cases wait on real models.
        const timeout = planned.case.needs.includes("live") ? LIVE_TIMEOUT_MS : CASE_TIMEOUT_MS;
        it(`${id}: ${title}`, () => executeCase(planned, options), timeout);
      }
    }
  });
}
