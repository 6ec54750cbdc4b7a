import { describe, expect, it } from "vitest";
import { ProtocolError } from "../errors/errors.js";
import { createToolCallId, parseToolArguments } from "./tool-arguments.js";

const options = { provider: "openai", model: "gpt" };

function failure(value: unknown): ProtocolError {
  try {
    parseToolArguments(value, "get_weather", options);
  } catch (error) {
    if (ProtocolError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("expected a ProtocolError");
}

describe("parseToolArguments", () => {
  it("parses a JSON object string", () => {
    expect(parseToolArguments('{"city":"Paris","days":[1,2]}', "f", options)).toEqual({
      city: "Paris",
      days: [1, 2],
    });
    expect(parseToolArguments(' \n{"a":{"b":null}} ', "f", options)).toEqual({ a: { b: null } });
  });

  it("passes an object through (servers that send parsed arguments)", () => {
    const args = { city: "Paris" };
    expect(parseToolArguments(args, "f", options)).toBe(args);
  });

  it.each([
    ["undefined", undefined],
    ["null", null],
    ["an empty string", ""],
    ["whitespace", "  \n"],
  ])("reads %s as no arguments", (_name, value) => {
    expect(parseToolArguments(value, "f", options)).toEqual({});
  });

  it("throws ProtocolError naming the tool and carrying the text for invalid JSON", () => {
    const error = failure('{"city": "Par');
    expect(error.reason).toBe("invalid_tool_arguments");
    expect(error.message).toContain('Tool "get_weather"');
    expect(error.message).toContain('{"city": "Par');
    expect(error.excerpt).toBe('{"city": "Par');
    expect(error.provider).toBe("openai");
    expect(error.model).toBe("gpt");
    expect(error.cause).toBeInstanceOf(SyntaxError);
    expect(error.retryable).toBe(false);
  });

  it.each([
    ["a JSON array", "[1,2]", "[1,2]"],
    ["a JSON number", "42", "42"],
    ["a JSON string", '"{}"', '"{}"'],
    ["JSON null", "null", "null"],
    ["an array value", [1, 2], "[1,2]"],
    ["a number value", 5, "5"],
    ["a boolean value", true, "true"],
    ["a bigint value", 10n, "10"],
    ["a function value", () => 1, "() => 1"],
  ])("throws ProtocolError for %s", (_name, value, excerpt) => {
    const error = failure(value);
    expect(error.reason).toBe("invalid_tool_arguments");
    expect(error.message).toContain("not a JSON object");
    expect(error.excerpt).toBe(excerpt);
  });

  it("keeps only the first 200 characters of long text in the message", () => {
    const error = failure(`{"x": "${"a".repeat(1000)}`);
    expect(error.message.length).toBeLessThan(300);
    expect(error.excerpt).toHaveLength(200);
  });
});

describe("createToolCallId", () => {
  it("returns call_ plus 24 hex characters", () => {
    expect(createToolCallId()).toMatch(/^call_[0-9a-f]{24}$/);
  });

  it("never repeats within a process", () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => createToolCallId()));
    expect(ids.size).toBe(10_000);
  });
});
