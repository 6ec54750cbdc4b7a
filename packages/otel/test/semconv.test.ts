import * as conventions from "@opentelemetry/semantic-conventions/incubating";
import { describe, expect, it } from "vitest";
import * as ours from "../src/semconv.js";

describe("semantic convention names", () => {
  it("match @opentelemetry/semantic-conventions for every gen_ai, server and error name we use", () => {
    const copied = Object.entries(ours).filter(
      ([name]) => name.startsWith("ATTR_") || name.startsWith("METRIC_"),
    );
    const conventional = copied.filter(([, value]) => !String(value).startsWith("x."));
    expect(conventional.length).toBeGreaterThan(25);
    const table = conventions as unknown as Record<string, unknown>;
    for (const [name, value] of conventional) {
      expect(table[name], name).toBe(value);
    }
  });

  it("keep our own names out of the conventions' namespaces", () => {
    const own = Object.entries(ours).filter(
      ([, value]) => typeof value === "string" && value.startsWith("x."),
    );
    expect(own.length).toBeGreaterThan(0); // else the loop below proves nothing
    for (const [name, value] of own) expect(name, String(value)).toMatch(/^(ATTR_X_|EVENT_)/);
  });
});
