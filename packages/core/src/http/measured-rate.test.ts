import { describe, expect, it } from "vitest";
import { measuredTokensPerSec } from "./measured-rate.js";

const output = (generated: number, startedAt: number, firstAt: number, lastAt: number) => ({
  generated,
  startedAt,
  firstAt,
  lastAt,
});

describe("measuredTokensPerSec", () => {
  it("counts the tokens after the first over the first-to-last interval", () => {
    // 11 tokens, the last 10 over 500 ms.
    expect(measuredTokensPerSec(output(4, 0, 100, 600), 11)).toBe(20);
  });

  it("without a token count, each generated chunk is one token", () => {
    expect(measuredTokensPerSec(output(6, 0, 100, 600), undefined)).toBe(10);
  });

  it("everything in one read: over the whole request", () => {
    expect(measuredTokensPerSec(output(3, 0, 250, 250), 5)).toBe(20);
  });

  it("nothing generated, no tokens, or no time passed: undefined", () => {
    expect(measuredTokensPerSec(output(0, 0, 0, 0), 5)).toBeUndefined();
    expect(measuredTokensPerSec(output(2, 0, 100, 600), 0)).toBeUndefined();
    expect(measuredTokensPerSec(output(1, 50, 50, 50), 1)).toBeUndefined();
  });
});
