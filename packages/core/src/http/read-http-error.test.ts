import { describe, expect, it } from "vitest";
import { RateLimitError, ServerError } from "../errors/errors.js";
import { readHttpError } from "./read-http-error.js";

async function* bytes(...parts: string[]) {
  for (const part of parts) yield new TextEncoder().encode(part);
}

describe("readHttpError", () => {
  it("builds the status's HttpError with the body text, headers and redaction", async () => {
    const error = await readHttpError(
      {
        statusCode: 429,
        headers: { "retry-after": "2" },
        body: bytes('{"error":{"message":"slow down, key ', 'k-123456789"}}'),
      },
      { provider: "p", model: "m", secrets: ["k-123456789"] },
    );
    expect(RateLimitError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ status: 429, provider: "p", model: "m", retryAfterMs: 2000 });
    expect(error.message).toContain("slow down");
    expect(error.message).not.toContain("k-123456789");
  });

  it("reads at most 64 KiB of a body that never ends", async () => {
    async function* endless() {
      for (;;) yield new Uint8Array(16 * 1024).fill(120);
    }
    const error = await readHttpError({ statusCode: 500, body: endless() }, { provider: "p" });
    expect(ServerError.isInstance(error)).toBe(true);
  });
});

describe("readHttpError when the body read fails", () => {
  async function* cut() {
    yield new TextEncoder().encode('{"error":"over');
    throw new Error("socket hang up");
  }

  it("still builds the status's HttpError (the status is known)", async () => {
    const error = await readHttpError({ statusCode: 503, body: cut() }, { provider: "p" });
    expect(ServerError.isInstance(error)).toBe(true);
  });

  it("throws the deadline's error when the caller aborted meanwhile", async () => {
    const { StreamDeadline } = await import("./stream-deadline.js");
    const caller = new AbortController();
    const deadline = new StreamDeadline({}, caller.signal);
    caller.abort();
    const read = readHttpError({ statusCode: 503, body: cut() }, { provider: "p" }, deadline);
    await expect(read).rejects.toMatchObject({ code: "aborted" });
    deadline.dispose();
  });
});
