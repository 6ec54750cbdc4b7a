import { describe, expect, it } from "vitest";
import {
  AbortedError,
  AdapterError,
  type AdapterErrorCode,
  AuthenticationError,
  ContextLengthError,
  HttpError,
  InvalidRequestError,
  ModelLoadingTimeoutError,
  ModelNotFoundError,
  ProtocolError,
  ProviderError,
  RateLimitError,
  ServerError,
  StreamTimeoutError,
  UnavailableError,
} from "./errors.js";

const base = { provider: "p", model: "m" };
const http = { ...base, status: 500, body: "oops" };

/** What the tests need of an error class. */
interface ErrorClass {
  readonly name: string;
  isInstance(error: unknown): boolean;
}

interface Case {
  make: () => AdapterError;
  name: string;
  code: AdapterErrorCode;
  retryable: boolean;
  /** Every class the error is an instance of, by its static `isInstance`. */
  is: ErrorClass[];
  extra?: Record<string, unknown>;
}

const cases: Case[] = [
  {
    make: () => new UnavailableError("down", base),
    name: "UnavailableError",
    code: "unavailable",
    retryable: true,
    is: [AdapterError, UnavailableError],
  },
  {
    make: () => new ModelLoadingTimeoutError("slow", { ...base, timeoutMs: 5 }),
    name: "ModelLoadingTimeoutError",
    code: "model_loading_timeout",
    retryable: true,
    is: [AdapterError, ModelLoadingTimeoutError],
    extra: { timeoutMs: 5 },
  },
  {
    make: () => new StreamTimeoutError("idle", { ...base, timeoutMs: 7, phase: "idle" }),
    name: "StreamTimeoutError",
    code: "stream_timeout",
    retryable: true,
    is: [AdapterError, StreamTimeoutError],
    extra: { timeoutMs: 7, phase: "idle" },
  },
  {
    make: () =>
      new ProtocolError("bad", { ...base, reason: "malformed_frame", excerpt: "{x", position: 3 }),
    name: "ProtocolError",
    code: "protocol_error",
    retryable: false,
    is: [AdapterError, ProtocolError],
    extra: { reason: "malformed_frame", excerpt: "{x", position: 3 },
  },
  {
    make: () => new HttpError("teapot", { ...base, status: 418, body: "short and stout" }),
    name: "HttpError",
    code: "http_error",
    retryable: false,
    is: [AdapterError, HttpError],
    extra: { status: 418, body: "short and stout" },
  },
  {
    make: () => new AuthenticationError("no", { ...http, status: 401 }),
    name: "AuthenticationError",
    code: "authentication",
    retryable: false,
    is: [AdapterError, HttpError, AuthenticationError],
    extra: { status: 401 },
  },
  {
    make: () => new ModelNotFoundError("gone", { ...http, status: 404 }),
    name: "ModelNotFoundError",
    code: "model_not_found",
    retryable: false,
    is: [AdapterError, HttpError, ModelNotFoundError],
    extra: { status: 404 },
  },
  {
    make: () => new RateLimitError("slow down", { ...http, status: 429, retryAfterMs: 1500 }),
    name: "RateLimitError",
    code: "rate_limit",
    retryable: true,
    is: [AdapterError, HttpError, RateLimitError],
    extra: { status: 429, retryAfterMs: 1500 },
  },
  {
    make: () => new ContextLengthError("too long", { ...http, status: 400 }),
    name: "ContextLengthError",
    code: "context_length_exceeded",
    retryable: false,
    is: [AdapterError, HttpError, ContextLengthError],
    extra: { status: 400 },
  },
  {
    make: () => new InvalidRequestError("wrong", { ...http, status: 400 }),
    name: "InvalidRequestError",
    code: "invalid_request",
    retryable: false,
    is: [AdapterError, HttpError, InvalidRequestError],
    extra: { status: 400 },
  },
  {
    make: () => new ServerError("boom", { ...http, status: 503 }),
    name: "ServerError",
    code: "server_error",
    retryable: true,
    is: [AdapterError, HttpError, ServerError],
    extra: { status: 503 },
  },
  {
    make: () => new ProviderError("in-stream", { ...base, providerCode: "overloaded" }),
    name: "ProviderError",
    code: "provider_error",
    retryable: true,
    is: [AdapterError, ProviderError],
    extra: { providerCode: "overloaded" },
  },
  {
    make: () => new AbortedError("stop", base),
    name: "AbortedError",
    code: "aborted",
    retryable: false,
    is: [AdapterError, AbortedError],
  },
];

const allClasses: ErrorClass[] = [
  AdapterError,
  UnavailableError,
  ModelLoadingTimeoutError,
  StreamTimeoutError,
  ProtocolError,
  HttpError,
  AuthenticationError,
  ModelNotFoundError,
  RateLimitError,
  ContextLengthError,
  InvalidRequestError,
  ServerError,
  ProviderError,
  AbortedError,
];

describe.each(cases)("$name", ({ make, name, code, retryable, is, extra }) => {
  it("has its name, code, retryable flag, provider and model", () => {
    const error = make();
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
    expect(error.retryable).toBe(retryable);
    expect(error.provider).toBe("p");
    expect(error.model).toBe("m");
    expect(error.stack).toContain(name);
    for (const [key, value] of Object.entries(extra ?? {})) {
      expect(error[key as keyof AdapterError]).toEqual(value);
    }
  });

  it("is recognised by exactly its own classes' isInstance()", () => {
    const error = make();
    for (const cls of allClasses) expect(cls.isInstance(error), cls.name).toBe(is.includes(cls));
  });

  it("keeps its brands out of enumeration and serialisation", () => {
    const error = make();
    expect(Object.getOwnPropertySymbols(error).length).toBeGreaterThan(0);
    for (const symbol of Object.getOwnPropertySymbols(error)) {
      expect(Object.getOwnPropertyDescriptor(error, symbol)?.enumerable).toBe(false);
    }
    expect(Object.getOwnPropertySymbols({ ...error })).toEqual([]);
  });

  it("serialises to a JSON-safe summary with its own fields", () => {
    const error = make();
    const json = JSON.parse(JSON.stringify(error)) as Record<string, unknown>;
    expect(json).toMatchObject({ name, code, retryable, provider: "p", model: "m" });
    expect(json.message).toBe(error.message);
    for (const [key, value] of Object.entries(extra ?? {})) expect(json[key]).toEqual(value);
    expect(json).not.toHaveProperty("cause");
    expect(json).not.toHaveProperty("stack");
  });
});

describe("brands across copies of @x/core", () => {
  it("recognises an object carrying the Symbol.for brands (as a second copy would build it)", () => {
    const foreign = Object.assign(new Error("from another copy"), {
      [Symbol.for("@x/core/AdapterError")]: true,
      [Symbol.for("@x/core/HttpError")]: true,
      [Symbol.for("@x/core/RateLimitError")]: true,
    });
    expect(AdapterError.isInstance(foreign)).toBe(true);
    expect(HttpError.isInstance(foreign)).toBe(true);
    expect(RateLimitError.isInstance(foreign)).toBe(true);
    expect(ServerError.isInstance(foreign)).toBe(false);
    expect(foreign instanceof RateLimitError).toBe(false);
  });

  it("rejects non-errors and look-alikes without the brand", () => {
    for (const value of [undefined, null, 0, "ProtocolError", {}, new Error("x")]) {
      expect(AdapterError.isInstance(value)).toBe(false);
      expect(ProtocolError.isInstance(value)).toBe(false);
    }
    expect(ProtocolError.isInstance({ name: "ProtocolError", code: "protocol_error" })).toBe(false);
    expect(AdapterError.isInstance({ [Symbol.for("@x/core/AdapterError")]: "yes" })).toBe(false);
  });

  it("lets adapters subclass for identity and keeps every brand", () => {
    class OllamaProtocolError extends ProtocolError {
      constructor(message: string) {
        super(message, { provider: "ollama", reason: "truncated" });
        this.name = "OllamaProtocolError";
      }
    }
    const error = new OllamaProtocolError("cut");
    expect(ProtocolError.isInstance(error)).toBe(true);
    expect(AdapterError.isInstance(error)).toBe(true);
    expect(error.code).toBe("protocol_error");
    expect(error.toJSON().name).toBe("OllamaProtocolError");
  });
});

describe("options", () => {
  it("keeps the cause and the partial output", () => {
    const cause = new Error("ECONNRESET");
    const partial = { content: "Hel", thinking: "", toolCalls: [] };
    const error = new ProtocolError("cut", { provider: "p", reason: "truncated", cause, partial });
    expect(error.cause).toBe(cause);
    expect(error.partial).toEqual(partial);
    expect(error.model).toBeUndefined();
    expect(error.toJSON()).not.toHaveProperty("model");
  });

  it("has no cause property when none is given", () => {
    expect(Object.hasOwn(new UnavailableError("x", base), "cause")).toBe(false);
  });

  it("defaults HttpError's retryable flag from the status and lets callers override it", () => {
    expect(new HttpError("x", { ...base, status: 500 }).retryable).toBe(true);
    expect(new HttpError("x", { ...base, status: 408 }).retryable).toBe(true);
    expect(new HttpError("x", { ...base, status: 409 }).retryable).toBe(true);
    expect(new HttpError("x", { ...base, status: 410 }).retryable).toBe(false);
    expect(new HttpError("x", { ...base, status: 410, retryable: true }).retryable).toBe(true);
    expect(new RateLimitError("x", { ...base, status: 429, retryable: false }).retryable).toBe(
      false,
    );
    expect(new ProviderError("x", { ...base, retryable: false }).retryable).toBe(false);
  });

  it("keeps at most 4096 characters of an HTTP body and 200 of a protocol excerpt", () => {
    const error = new HttpError("x", { ...base, status: 500, body: "a".repeat(10_000) });
    expect(error.body).toHaveLength(4096);
    expect(new HttpError("x", { ...base, status: 500 }).body).toBe("");
    const protocol = new ProtocolError("x", {
      ...base,
      reason: "oversize_frame",
      excerpt: "b".repeat(10_000),
    });
    expect(protocol.excerpt).toHaveLength(200);
  });
});
