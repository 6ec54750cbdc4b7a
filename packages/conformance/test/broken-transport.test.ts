import { describe, expect, it } from "vitest";
import { failingIds, reasons } from "./broken-helpers.js";
import type { BrokenMode } from "./reference/ref-adapter.js";

// Each deliberately broken adapter fails exactly these case ids (run through the runner-neutral core).
const EXPECTED: Array<[BrokenMode, string[]]> = [
  ["ignores-first-chunk-timeout", ["timeout.first-chunk"]],
  ["hangs-in-health", ["health.never-answers"]],
  [
    "leaks-socket-on-abort",
    [
      "timeout.first-chunk",
      "timeout.idle-after-headers",
      "timeout.idle-mid-stream",
      "abort.first-byte-wait",
      "abort.mid-stream",
      "abort.break",
    ],
  ],
];

describe("broken adapters: timeouts and sockets", () => {
  for (const [mode, expected] of EXPECTED) {
    it(`${mode} is caught by ${expected.join(", ")}`, async () => {
      const { failed, results } = await failingIds(mode);
      expect(failed, reasons(results)).toEqual(expected);
    });
  }
});
