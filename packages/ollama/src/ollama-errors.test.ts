import { ProtocolError, UnavailableError } from "@x/core";
import { describe, expect, it } from "vitest";
import { OllamaProtocolError, OllamaUnavailableError } from "./ollama-errors.js";

describe("Ollama error classes", () => {
  it("are branded subclasses of the core classes", () => {
    const unavailable = new OllamaUnavailableError("down", { provider: "ollama" });
    expect(UnavailableError.isInstance(unavailable)).toBe(true);
    expect(OllamaUnavailableError.isInstance(unavailable)).toBe(true);
    expect(unavailable.name).toBe("OllamaUnavailableError");
    expect(unavailable.retryable).toBe(true);
    const protocol = new OllamaProtocolError("bad", { provider: "ollama", reason: "truncated" });
    expect(ProtocolError.isInstance(protocol)).toBe(true);
    expect(OllamaProtocolError.isInstance(protocol)).toBe(true);
    expect(protocol.retryable).toBe(false);
  });

  it("isInstance rejects the plain core classes and other values", () => {
    expect(
      OllamaProtocolError.isInstance(
        new ProtocolError("x", { provider: "o", reason: "truncated" }),
      ),
    ).toBe(false);
    expect(OllamaUnavailableError.isInstance(new UnavailableError("x", { provider: "o" }))).toBe(
      false,
    );
    expect(OllamaUnavailableError.isInstance(new Error("x"))).toBe(false);
    expect(OllamaProtocolError.isInstance(null)).toBe(false);
  });

  it("identity survives a second copy of the package (Symbol.for brand)", () => {
    const foreign = Object.assign(new Error("x"), {
      [Symbol.for("@x/ollama/OllamaProtocolError")]: true,
    });
    expect(OllamaProtocolError.isInstance(foreign)).toBe(true);
  });
});
