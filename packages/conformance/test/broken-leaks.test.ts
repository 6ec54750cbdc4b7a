import { describe, expect, it } from "vitest";
import { failingIds, reasons } from "./broken-helpers.js";
import type { BrokenMode } from "./reference/ref-adapter.js";

// Each deliberately broken adapter fails exactly these case ids (run through the runner-neutral core).
const EXPECTED: Array<[BrokenMode, string[]]> = [
  ["leaks-timer", ["abort.break"]],
  ["leaks-api-key", ["http.401", "models.errors"]],
  ["splices-after-failure", ["fault.reset-mid-body"]],
];

describe("broken adapters: timers, secrets, splicing", () => {
  for (const [mode, expected] of EXPECTED) {
    it(`${mode} is caught by ${expected.join(", ")}`, async () => {
      const { failed, results } = await failingIds(mode);
      expect(failed, reasons(results)).toEqual(expected);
    });
  }
});
