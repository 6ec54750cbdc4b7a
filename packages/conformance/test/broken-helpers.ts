import type { ConformanceOptions } from "../src/codec.js";
import { runConformanceCases } from "../src/core.js";
import type { CaseResult } from "../src/types.js";
import { type BrokenMode, RefAdapter } from "./reference/ref-adapter.js";
import { refCodec } from "./reference/ref-codec.js";

/** Suite options for the reference adapter, optionally with one deliberate bug. */
export function referenceOptions(
  broken?: BrokenMode,
  overrides: Partial<ConformanceOptions> = {},
): ConformanceOptions {
  return {
    name: broken ?? "reference",
    codec: refCodec,
    create: ({ baseUrl, model, headers, apiKey }) =>
      new RefAdapter({ baseUrl, model, headers, apiKey, broken }),
    capabilities: {
      toolCalls: true,
      thinking: true,
      usage: true,
      images: true,
      jsonSchema: true,
      tokensPerSec: true,
    },
    ...overrides,
  };
}

/** Runs the whole suite (one case at a time: the timer checks count process-wide) against a broken variant. */
export async function failingIds(
  broken: BrokenMode,
): Promise<{ failed: string[]; results: CaseResult[] }> {
  const results = await runConformanceCases(referenceOptions(broken), { env: {} });
  return { failed: results.filter((r) => r.status === "failed").map((r) => r.id), results };
}

/** The failure reasons, for a readable assertion message. */
export function reasons(results: CaseResult[]): string {
  return results
    .filter((r) => r.status === "failed")
    .map((r) => `${r.id}: ${r.reason}`)
    .join("\n");
}
