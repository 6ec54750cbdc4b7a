import { describe, expect, it } from "vitest";
import { createHttpError, parseErrorBody } from "./create-http-error.js";
import {
  AuthenticationError,
  ContextLengthError,
  HttpError,
  InvalidRequestError,
  ModelNotFoundError,
  RateLimitError,
  ServerError,
} from "./errors.js";
import { getHeader, parseRetryAfter } from "./retry-after.js";

const openAiBody = (message: string, code: string | null, type = "invalid_request_error") =>
  JSON.stringify({ error: { message, type, param: null, code } });

describe("createHttpError", () => {
  it.each([
    [400, InvalidRequestError, "invalid_request", false],
    [401, AuthenticationError, "authentication", false],
    [403, AuthenticationError, "authentication", false],
    [404, ModelNotFoundError, "model_not_found", false],
    [408, HttpError, "http_error", true],
    [409, HttpError, "http_error", true],
    [413, InvalidRequestError, "invalid_request", false],
    [422, InvalidRequestError, "invalid_request", false],
    [429, RateLimitError, "rate_limit", true],
    [500, ServerError, "server_error", true],
    [502, ServerError, "server_error", true],
    [503, ServerError, "server_error", true],
  ] as const)("maps %i to %o (%s, retryable %s)", (status, cls, code, retryable) => {
    const error = createHttpError({ provider: "openai", model: "m", status, body: "nope" });
    expect(error).toBeInstanceOf(cls);
    expect(cls.isInstance(error)).toBe(true);
    expect(error.code).toBe(code);
    expect(error.retryable).toBe(retryable);
    expect(error.status).toBe(status);
    expect(error.provider).toBe("openai");
    expect(error.model).toBe("m");
    expect(error.body).toBe("nope");
    expect(error.message).toBe(`openai ${status}: nope`);
  });

  it("only the exact 408 is a plain HttpError; a 3xx stays a plain, non-retryable HttpError", () => {
    const redirect = createHttpError({ provider: "p", status: 302 });
    expect(redirect.constructor).toBe(HttpError);
    expect(redirect.retryable).toBe(false);
    expect(redirect.message).toBe("p 302: HTTP 302");
  });

  it("reads OpenAI's nested error and its code", () => {
    const error = createHttpError({
      provider: "openai",
      status: 404,
      body: openAiBody("The model `gpt-9` does not exist", "model_not_found"),
    });
    expect(error).toBeInstanceOf(ModelNotFoundError);
    expect(error.message).toBe("openai 404: The model `gpt-9` does not exist");
    expect(error.providerCode).toBe("model_not_found");
  });

  it("maps OpenAI's context_length_exceeded to ContextLengthError", () => {
    const error = createHttpError({
      provider: "openai",
      status: 400,
      body: openAiBody(
        "This model's maximum context length is 8192 tokens. However, your messages resulted in 8227 tokens.",
        "context_length_exceeded",
      ),
    });
    expect(error).toBeInstanceOf(ContextLengthError);
    expect(error.retryable).toBe(false);
    expect(error.providerCode).toBe("context_length_exceeded");
  });

  it("maps llama.cpp's integer code with exceed_context_size_error type (recorded body)", () => {
    const body =
      '{"error":{"code":400,"message":"request (2029 tokens) exceeds the available context size (512 tokens), try increasing it","type":"exceed_context_size_error","n_prompt_tokens":2029,"n_ctx":512}}';
    const error = createHttpError({ provider: "llamacpp", status: 400, body });
    expect(error).toBeInstanceOf(ContextLengthError);
    expect(error.providerCode).toBe("exceed_context_size_error");
    expect(error.message).toContain("exceeds the available context size");
  });

  it("maps Anthropic's 'input length and max_tokens exceed context limit' to ContextLengthError", () => {
    const body = JSON.stringify({
      type: "error",
      error: {
        type: "invalid_request_error",
        message:
          "input length and `max_tokens` exceed context limit: 198000 + 8192 > 200000, decrease input length or `max_tokens` and try again",
      },
    });
    const error = createHttpError({ provider: "anthropic", status: 400, body });
    expect(error).toBeInstanceOf(ContextLengthError);
    expect(error.retryable).toBe(false);
  });

  it.each([413, 422])("recognises a context overflow by its message on %i", (status) => {
    const error = createHttpError({
      provider: "p",
      status,
      body: JSON.stringify({ detail: "Input is too long for the context window" }),
    });
    expect(error).toBeInstanceOf(ContextLengthError);
  });

  it("does not treat a context-sounding 500 as ContextLengthError", () => {
    const error = createHttpError({ provider: "p", status: 500, body: "context length exceeded" });
    expect(error).toBeInstanceOf(ServerError);
  });

  it("maps Ollama's {error: string} bodies", () => {
    const notFound = createHttpError({
      provider: "ollama",
      status: 404,
      body: `{"error":"model 'llama9' not found"}`,
    });
    expect(notFound).toBeInstanceOf(ModelNotFoundError);
    expect(notFound.message).toBe("ollama 404: model 'llama9' not found");
    const busy = createHttpError({
      provider: "ollama",
      status: 503,
      body: `{"error":"server busy, please try again.  maximum pending requests exceeded"}`,
    });
    expect(busy).toBeInstanceOf(ServerError);
    expect(busy.retryable).toBe(true);
  });

  it("maps vLLM's flat object:error body", () => {
    const error = createHttpError({
      provider: "vllm",
      status: 400,
      body: '{"object":"error","message":"temperature must be non-negative","type":"BadRequestError","param":null,"code":400}',
    });
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error.message).toBe("vllm 400: temperature must be non-negative");
    expect(error.providerCode).toBe("BadRequestError");
  });

  it("uses a caller's message over the body's", () => {
    const error = createHttpError({ provider: "p", status: 500, body: "x", message: "custom" });
    expect(error.message).toBe("p 500: custom");
  });

  it("keeps the cause", () => {
    const cause = new Error("socket");
    expect(createHttpError({ provider: "p", status: 500, cause }).cause).toBe(cause);
  });

  describe("429", () => {
    const now = Date.now();

    it("reads retry-after in seconds", () => {
      const error = createHttpError({
        provider: "p",
        status: 429,
        headers: { "Retry-After": "7" },
      }) as RateLimitError;
      expect(error.retryAfterMs).toBe(7000);
      expect(error.retryable).toBe(true);
    });

    it("reads retry-after as an HTTP-date", () => {
      const date = new Date(Math.ceil((now + 60_000) / 1000) * 1000).toUTCString();
      const error = createHttpError({
        provider: "p",
        status: 429,
        headers: new Headers({ "retry-after": date }),
      }) as RateLimitError;
      expect(error.retryAfterMs).toBeGreaterThan(50_000);
      expect(error.retryAfterMs).toBeLessThanOrEqual(61_000);
    });

    it("prefers retry-after-ms", () => {
      const error = createHttpError({
        provider: "p",
        status: 429,
        headers: [
          ["retry-after", "2"],
          ["retry-after-ms", "1146.5"],
        ],
      }) as RateLimitError;
      expect(error.retryAfterMs).toBe(1147);
    });

    it("leaves retryAfterMs undefined when the server did not say", () => {
      const error = createHttpError({ provider: "p", status: 429 }) as RateLimitError;
      expect(error.retryAfterMs).toBeUndefined();
      expect(error.toJSON()).toHaveProperty("retryAfterMs", undefined);
    });

    it.each([
      "insufficient_quota",
      "credit_balance_exhausted",
    ])("is not retryable for %s", (code) => {
      const error = createHttpError({
        provider: "openai",
        status: 429,
        headers: { "retry-after": "1" },
        body: openAiBody("You exceeded your current quota", code, code),
      }) as RateLimitError;
      expect(error).toBeInstanceOf(RateLimitError);
      expect(error.retryable).toBe(false);
      expect(error.providerCode).toBe(code);
    });

    it("is retryable for rate_limit_exceeded", () => {
      const error = createHttpError({
        provider: "openai",
        status: 429,
        body: openAiBody("Rate limit reached", "rate_limit_exceeded", "tokens"),
      });
      expect(error.retryable).toBe(true);
      expect(error.providerCode).toBe("rate_limit_exceeded");
    });
  });
});

describe("parseErrorBody", () => {
  it.each([
    [undefined, {}],
    ["", {}],
    ["   ", {}],
    ["Bad Gateway", { message: "Bad Gateway" }],
    ["  <html>502</html>\n", { message: "<html>502</html>" }],
    [
      openAiBody("Incorrect API key provided", "invalid_api_key"),
      { message: "Incorrect API key provided", providerCode: "invalid_api_key" },
    ],
    [
      JSON.stringify({ error: { message: "m", type: "server_error", code: null } }),
      { message: "m", providerCode: "server_error" },
    ],
    [
      JSON.stringify({ error: { code: 400, message: "m", type: "invalid_request_error" } }),
      { message: "m", providerCode: "invalid_request_error" },
    ],
    [
      JSON.stringify({ error: { code: 429, message: "Rate limit exceeded" } }),
      { message: "Rate limit exceeded" },
    ],
    [
      JSON.stringify({ error: { message: "Compute error." }, message: "Compute error." }),
      { message: "Compute error." },
    ],
    [JSON.stringify({ error: {}, message: "outer" }), { message: "outer" }],
    [JSON.stringify({ error: "unauthorized", signin_url: "x" }), { message: "unauthorized" }],
    [JSON.stringify({ error: "", message: "fallback" }), { message: "fallback" }],
    [
      JSON.stringify({ object: "error", message: "m", type: "NotFoundError", code: 404 }),
      { message: "m", providerCode: "NotFoundError" },
    ],
    [JSON.stringify({ detail: "Not authenticated" }), { message: "Not authenticated" }],
    [
      JSON.stringify({ detail: [{ loc: ["body", "model"], msg: "field required" }] }),
      { message: '[{"loc":["body","model"],"msg":"field required"}]' },
    ],
    ['"just a string"', { message: '"just a string"' }],
    ["42", { message: "42" }],
    ["null", { message: "null" }],
    [JSON.stringify({ unexpected: true }), { message: '{"unexpected":true}' }],
  ])("parses %j", (body, expected) => {
    expect(parseErrorBody(body)).toEqual(expected);
  });

  it("keeps at most 500 characters of a text body", () => {
    expect(parseErrorBody("x".repeat(2000)).message).toHaveLength(500);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2025-01-01T00:00:00Z");

  it.each([
    [{ "retry-after": "0" }, 0],
    [{ "retry-after": "3" }, 3000],
    [{ "retry-after": " 1.5 " }, 1500],
    [{ "retry-after": "Wed, 01 Jan 2025 00:00:30 GMT" }, 30_000],
    [{ "retry-after": "Tue, 31 Dec 2024 23:59:00 GMT" }, 0],
    [{ "retry-after-ms": "250" }, 250],
    [{ "retry-after-ms": "0.2" }, 1],
    [{ "retry-after-ms": "", "retry-after": "2" }, 2000],
    [{ "retry-after-ms": "soon", "retry-after": "2" }, 2000],
    [{ "retry-after-ms": "-1", "retry-after": "2" }, 2000],
    [{ "Retry-After": ["4", "5"] }, 4000],
    [{ "retry-after": "-5" }, undefined],
    [{ "retry-after": "abc 1" }, undefined],
    [{ "retry-after": "soon" }, undefined],
    [{ "retry-after": "" }, undefined],
    [{}, undefined],
  ] as const)("reads %j as %s", (headers, expected) => {
    expect(parseRetryAfter(headers as Record<string, string | string[]>, now)).toBe(expected);
  });

  it("accepts undefined headers", () => {
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});

describe("getHeader", () => {
  it("reads case-insensitively from Headers, plain objects, Maps and entry lists", () => {
    expect(getHeader(new Headers({ "X-A": "1" }), "x-a")).toBe("1");
    expect(getHeader({ "X-A": "1" }, "x-a")).toBe("1");
    expect(getHeader(new Map([["X-A", "1"]]), "x-a")).toBe("1");
    expect(getHeader([["X-A", "1"]], "X-a")).toBe("1");
    expect(getHeader({ "x-b": undefined }, "x-a")).toBeUndefined();
    expect(getHeader(new Headers(), "x-a")).toBeUndefined();
    expect(getHeader([["x-b", "2"]], "x-a")).toBeUndefined();
  });
});
