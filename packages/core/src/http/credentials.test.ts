import { describe, expect, it } from "vitest";
import { ServerError } from "../errors/errors.js";
import { redact } from "../errors/redact.js";
import { buildHeaders, collectSecrets, resolveBaseUrl } from "./credentials.js";

describe("resolveBaseUrl", () => {
  it("moves userinfo into a Basic authorization and lists it as secret", () => {
    const resolved = resolveBaseUrl("http://alice:s3cr%40t@127.0.0.1:8080/v1/", "TestAdapter");
    expect(resolved.url).toBe("http://127.0.0.1:8080/v1");
    expect(resolved.authorization).toBe(`Basic ${Buffer.from("alice:s3cr@t").toString("base64")}`);
    expect(resolved.secrets).toContain("s3cr@t");
    expect(resolved.secrets).toContain("alice");
  });

  it("keeps the query string but lists key-like values as secrets", () => {
    const resolved = resolveBaseUrl("https://h.example/v1?api-version=2024&api_key=abc123xyz", "A");
    expect(resolved.url).toBe("https://h.example/v1?api-version=2024&api_key=abc123xyz");
    expect(resolved.secrets).toEqual(["abc123xyz"]);
  });

  it("throws a TypeError naming the option, never the URL", () => {
    expect(() => resolveBaseUrl("not a url hunter2", "A")).toThrow(
      /^A: baseUrl is not a valid URL$/,
    );
    expect(() => resolveBaseUrl("ftp://u:hunter2@h", "A")).toThrow(/http:\/\/ or https:\/\//);
    try {
      resolveBaseUrl("ftp://u:hunter2@h", "A");
    } catch (error) {
      expect(String((error as Error).stack)).not.toContain("hunter2");
    }
  });
});

describe("collectSecrets", () => {
  it("holds the key, every configured header value and the URL's secrets", () => {
    const secrets = collectSecrets({
      apiKey: "key-123456",
      headers: { "X-Portal-Token": "tok-abcdefgh", Authorization: "Bearer zzzzzzzzzz" },
      baseUrl: resolveBaseUrl("http://u:passw0rd@h/", "A"),
    });
    const error = new ServerError(
      "boom key-123456 tok-abcdefgh zzzzzzzzzz passw0rd http://u:passw0rd@h/?token=abc",
      { provider: "p", status: 500, secrets },
    );
    for (const secret of ["key-123456", "tok-abcdefgh", "zzzzzzzzzz", "passw0rd", "abc"]) {
      expect(error.message).not.toContain(secret);
      expect(JSON.stringify(error)).not.toContain(secret);
      expect(String(error.stack)).not.toContain(secret);
    }
  });
});

describe("redact", () => {
  it("removes URL userinfo and key-like query values of any shape", () => {
    expect(redact("connect http://bob:pw@10.0.0.1:80/x failed")).toBe(
      "connect http://[REDACTED]@10.0.0.1:80/x failed",
    );
    expect(redact("GET /v1/models?key=AAA&x=1&access_token=BBB")).toBe(
      "GET /v1/models?key=[REDACTED]&x=1&access_token=[REDACTED]",
    );
    expect(redact("user@example.com wrote a=b")).toBe("user@example.com wrote a=b");
  });
});

describe("buildHeaders", () => {
  it("lower-cases names, lets later layers win and drops undefined", () => {
    expect(
      buildHeaders(
        { "Content-Type": "application/json", accept: "x" },
        { ACCEPT: "y", z: undefined },
      ),
    ).toEqual({ "content-type": "application/json", accept: "y" });
  });
});
