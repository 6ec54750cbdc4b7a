import { describe, expect, it } from "vitest";
import { runConformanceCases } from "../src/core.js";
import type { CaseResult } from "../src/types.js";
import type { Mutant } from "./mutants/index.js";
import { generateReference, referenceOptions, removeReference } from "./reference/generate.js";

/** The failure reasons, for a readable assertion message. */
export function reasons(results: CaseResult[]): string {
  return results
    .filter((r) => r.status === "failed")
    .map((r) => `${r.id}: ${r.reason}`)
    .join("\n");
}

/** Generates `mutant`, runs the whole suite on it, and returns the ids that failed. */
export async function runMutant(
  mutant: Mutant,
): Promise<{ failed: string[]; results: CaseResult[] }> {
  const label = `mutant-${mutant.id}`;
  try {
    const reference = await generateReference(label, mutant.patches);
    const results = await runConformanceCases(referenceOptions(reference), { env: {} });
    return { failed: results.filter((r) => r.status === "failed").map((r) => r.id), results };
  } finally {
    await removeReference(label);
  }
}

/**
 * Registers one test per mutant, run side by side (each mutant's cases stay sequential; timer
 * checks are scoped per stream, so suites running at once do not disturb each other).
 */
export function describeMutants(title: string, mutants: readonly Mutant[]): void {
  describe.concurrent(title, () => {
    for (const mutant of mutants) {
      it(`${mutant.id} (${mutant.bug}) is caught by exactly ${mutant.caughtBy.join(", ")}`, async () => {
        const { failed, results } = await runMutant(mutant);
        expect(failed, reasons(results)).toEqual(mutant.caughtBy);
      });
    }
  });
}
