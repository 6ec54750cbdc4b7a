import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { parseToolArguments } from "../helpers/tool-arguments.js";
import { createHttpError } from "./create-http-error.js";
import { type AdapterError, ProtocolError, ProviderError, UnavailableError } from "./errors.js";
import { redact, redactCause, secretsFromHeaders } from "./redact.js";

const KEY = "sk-proj-Abc123XyZ789SecretKeyValue";
const CUSTOM = "azure-key-5f4dcc3b5aa765d61d8327deb882cf99";
const BEARER = "eyJhbGciOiJIUzI1NiJ9.tokenPayload.signature";

/** Every place an error's text can reach a log: its fields, its cause chain, its serialisations. */
function surfaces(error: AdapterError): string[] {
  const out = [
    error.message,
    error.stack ?? "",
    JSON.stringify(error),
    inspect(error, { depth: 20 }),
    String((error as { body?: unknown }).body ?? ""),
    String((error as { excerpt?: unknown }).excerpt ?? ""),
  ];
  let cause: unknown = error.cause;
  for (let depth = 0; cause !== undefined && depth < 20; depth++) {
    if (cause instanceof Error) {
      out.push(cause.message, cause.stack ?? "", inspect(cause, { depth: 20 }));
      for (const value of Object.values(cause)) if (typeof value === "string") out.push(value);
      cause = cause.cause;
    } else {
      out.push(String(cause));
      cause = undefined;
    }
  }
  return out;
}

/** Fails if `secret`, or any 6-character piece of it, appears on any surface of `error`. */
function expectNoSecret(error: AdapterError, secret: string): void {
  const pieces = new Set<string>();
  for (let i = 0; i + 6 <= secret.length; i++) pieces.add(secret.slice(i, i + 6));
  for (const text of surfaces(error)) {
    for (const piece of pieces) {
      if (text.includes(piece)) throw new Error(`found ${JSON.stringify(piece)} in: ${text}`);
    }
  }
}

describe("redact", () => {
  it("removes every occurrence of a literal secret", () => {
    expect(redact(`a ${CUSTOM} b ${CUSTOM}`, [CUSTOM])).toBe("a [REDACTED] b [REDACTED]");
  });

  it("removes sk- keys, gsk_ keys and Bearer/Basic credentials without being told", () => {
    expect(redact(`key ${KEY}.`)).toBe("key [REDACTED].");
    expect(redact("sk-or-v1-0123456789abcdef")).toBe("[REDACTED]");
    expect(redact("gsk_0123456789abcdef")).toBe("[REDACTED]");
    expect(redact(`Authorization: Bearer ${BEARER}`)).toBe("Authorization: [REDACTED]");
    expect(redact("authorization: basic dXNlcjpwYXNz")).toBe("authorization: [REDACTED]");
  });

  it("catches a long key glued to the text before it (an escaped JSON newline)", () => {
    expect(redact(`"line\\n${KEY}"`)).toBe('"line\\n[REDACTED]"');
  });

  it("leaves ordinary text alone and ignores secrets too short to be keys", () => {
    const text = "the task-runner failed; risk-assessment ok; Bearer token required";
    expect(redact(text, ["", "ab"])).toBe(text);
  });
});

describe("secretsFromHeaders", () => {
  it("returns credential header values and bare tokens, case-insensitively", () => {
    expect(
      secretsFromHeaders({
        Authorization: `Bearer ${BEARER}`,
        "api-key": CUSTOM,
        "X-Api-Key": "k1",
        "content-type": "application/json",
        cookie: undefined,
      }),
    ).toEqual([`Bearer ${BEARER}`, BEARER, CUSTOM, "k1"]);
    expect(secretsFromHeaders(undefined)).toEqual([]);
  });
});

describe("errors never carry credentials", () => {
  it("createHttpError: a key passed as a secret, in body, message and cause chain", () => {
    const headers = { authorization: `Bearer ${CUSTOM}` };
    const inner = new Error(`proxy said: api-key ${CUSTOM}`);
    const cause = Object.assign(
      new Error(`request with ${headers.authorization} failed`, { cause: inner }),
      {
        code: "UND_ERR_SOCKET",
        header: `authorization=${CUSTOM}`,
      },
    );
    const error = createHttpError({
      provider: "azure",
      status: 401,
      body: JSON.stringify({ error: { message: `Access denied for key ${CUSTOM}`, code: "401" } }),
      secrets: secretsFromHeaders(headers),
      cause,
    });
    expect(error.message).toContain("[REDACTED]");
    expect(error.body).toContain("[REDACTED]");
    expectNoSecret(error, CUSTOM);
    // The copy keeps what callers inspect, and the caller's own error object is not modified.
    expect((error.cause as { code?: string }).code).toBe("UND_ERR_SOCKET");
    expect(error.cause).not.toBe(cause);
    expect(error.cause).toBeInstanceOf(Error);
    expect(cause.message).toContain(CUSTOM);
  });

  it("createHttpError: an sk- key echoed by the server, not passed as a secret", () => {
    const error = createHttpError({
      provider: "openai",
      status: 401,
      body: JSON.stringify({
        error: {
          message: `Incorrect API key provided: ${KEY}. You can find your API key at https://platform.openai.com/account/api-keys.`,
          type: "invalid_request_error",
          code: "invalid_api_key",
        },
      }),
      cause: new Error(`401 for ${KEY}`),
    });
    expect(error.message).toContain("Incorrect API key provided: [REDACTED]");
    expectNoSecret(error, KEY);
  });

  it("a Bearer token anywhere in the text", () => {
    const error = new UnavailableError(`connect failed (Authorization: Bearer ${BEARER})`, {
      provider: "p",
      cause: new Error(`headers: {"authorization":"Bearer ${BEARER}"}`),
    });
    expectNoSecret(error, BEARER);
  });

  it("a key straddling the excerpt's 200-character cut", () => {
    const frame = `${"x".repeat(195)} ${KEY} and more`;
    const error = new ProtocolError("bad frame", {
      provider: "p",
      reason: "malformed_frame",
      excerpt: frame,
    });
    expect(error.excerpt).toHaveLength(200);
    expectNoSecret(error, KEY);
  });

  it("a body longer than the kept 4096 characters with a key at the cut", () => {
    const body = `${"y".repeat(4090)}${KEY}`;
    const error = createHttpError({ provider: "p", status: 500, body });
    expectNoSecret(error, KEY);
  });

  it("tool arguments that hold a key and are not valid JSON (V8 quotes the input)", () => {
    let caught: unknown;
    try {
      parseToolArguments(`{"k": ${KEY}}`, "lookup", { provider: "p" });
    } catch (error) {
      caught = error;
    }
    expect(ProtocolError.isInstance(caught)).toBe(true);
    const error = caught as ProtocolError;
    expect(error.cause).toBeInstanceOf(SyntaxError);
    expectNoSecret(error, KEY);
  });

  it("a custom key passed to parseToolArguments as a secret", () => {
    let caught: unknown;
    try {
      parseToolArguments(`["${CUSTOM}"]`, "lookup", { provider: "p", secrets: [CUSTOM] });
    } catch (error) {
      caught = error;
    }
    expectNoSecret(caught as ProtocolError, CUSTOM);
  });

  it("a string cause", () => {
    const error = new ProviderError("x", { provider: "p", cause: `token ${KEY}` });
    expect(error.cause).toBe("token [REDACTED]");
  });
});

describe("redactCause", () => {
  it("returns the same object when nothing needs redacting", () => {
    const inner = new TypeError("fetch failed");
    const cause = new Error("outer", { cause: inner });
    expect(redactCause(cause, [CUSTOM])).toBe(cause);
    expect(redactCause(42, [CUSTOM])).toBe(42);
    const plain = { message: CUSTOM };
    expect(redactCause(plain, [CUSTOM])).toBe(plain);
  });

  it("copies with the same prototype and redacts deep in the chain", () => {
    const deep = new RangeError(`deep ${CUSTOM}`);
    const cause = new TypeError("outer", { cause: new Error("middle", { cause: deep }) });
    const copy = redactCause(cause, [CUSTOM]) as TypeError;
    expect(copy).not.toBe(cause);
    expect(copy).toBeInstanceOf(TypeError);
    expect(copy.message).toBe("outer");
    const copiedDeep = (copy.cause as Error).cause as Error;
    expect(copiedDeep).toBeInstanceOf(RangeError);
    expect(copiedDeep.message).toBe("deep [REDACTED]");
    expect(deep.message).toBe(`deep ${CUSTOM}`);
  });
});
