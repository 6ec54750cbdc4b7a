import { describe, expect, it } from "vitest";
import { failingIds, reasons } from "./broken-helpers.js";
import type { BrokenMode } from "./reference/ref-adapter.js";

const AFTER_DONE = [
  "stream.text-order",
  "stream.thinking-order",
  "stream.finish-reason",
  "stream.usage",
  "stream.tokens-per-sec",
  "stream.recut-bytes",
  "stream.recut-random",
  "stream.slow-drip",
  "stream.sequential",
  "tools.single",
  "tools.several",
  "tools.final-frame",
  "tools.recut-bytes",
  "tools.stable-ids",
  "request.messages",
  "request.headers",
  "request.options",
  "request.think",
  "request.response-format-json",
  "request.response-format-schema",
  "request.provider-options",
  "request.tools",
  "request.tool-history",
  "request.images",
];

// Each deliberately broken adapter fails exactly these case ids (run through the runner-neutral core).
const EXPECTED: Array<[BrokenMode, string[]]> = [
  [
    "drops-last-chunk",
    [
      "stream.text-order",
      "stream.thinking-order",
      "stream.recut-bytes",
      "stream.recut-random",
      "stream.slow-drip",
      "stream.sequential",
      "tools.several",
      "fault.in-stream-error",
    ],
  ],
  ["accepts-truncation", ["fault.truncated"]],
  ["yields-after-done", AFTER_DONE],
  ["swallows-in-stream-error", ["fault.in-stream-error"]],
  [
    "string-tool-arguments",
    [
      "tools.single",
      "tools.several",
      "tools.final-frame",
      "tools.recut-bytes",
      "tools.stable-ids",
      "tools.invalid-arguments",
    ],
  ],
  [
    "decodes-per-chunk",
    ["stream.recut-bytes", "stream.recut-random", "tools.recut-bytes", "tools.stable-ids"],
  ],
];

describe("broken adapters: stream contract", () => {
  for (const [mode, expected] of EXPECTED) {
    it(`${mode} is caught by ${expected.length > 3 ? `${expected.slice(0, 3).join(", ")}, …` : expected.join(", ")}`, async () => {
      const { failed, results } = await failingIds(mode);
      expect(failed, reasons(results)).toEqual(expected);
    });
  }
});
