// Checks on the built package (run `pnpm build` first; turbo's `test` task depends on `build`).
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as core from "@x/core";
import * as http from "@x/core/http";
import * as testing from "@x/core/testing";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = join(root, "dist");

beforeAll(() => {
  if (!existsSync(join(dist, "index.js"))) {
    throw new Error("packages/core/dist is missing: run `pnpm --filter @x/core build` first");
  }
});

describe("public runtime API", () => {
  it("exports exactly these values from @x/core", () => {
    expect(Object.keys(core).sort()).toEqual([
      "AbortedError",
      "AdapterError",
      "AuthenticationError",
      "ContextLengthError",
      "HttpError",
      "InvalidRequestError",
      "ModelLoadingTimeoutError",
      "ModelNotFoundError",
      "ProtocolError",
      "ProviderError",
      "RESTART_MARK",
      "RateLimitError",
      "ServerError",
      "StreamTimeoutError",
      "UnavailableError",
      "collect",
      "sseErrorEvent",
      "textStream",
      "toReadableStream",
      "toSSE",
    ]);
  });

  it("exports exactly these values from @x/core/testing", () => {
    expect(Object.keys(testing).sort()).toEqual(["createMockAdapter", "textSteps"]);
  });

  it("exports exactly these values from @x/core/http", () => {
    expect(Object.keys(http).sort()).toEqual([
      "DEFAULT_MAX_FRAME_SIZE",
      "MAX_ERROR_BODY_BYTES",
      "MAX_SUCCESS_BODY_BYTES",
      "MAX_TIMER_MS",
      "NdjsonDecoder",
      "SseDecoder",
      "StreamDeadline",
      "StreamOutput",
      "TextAccumulator",
      "brand",
      "buildHeaders",
      "checkStreamInput",
      "collectSecrets",
      "createHttpError",
      "createToolCallId",
      "decodeNdjson",
      "decodeSse",
      "getHeader",
      "hasBrand",
      "invalidRequest",
      "isNoLimit",
      "measuredTokensPerSec",
      "mergeTimeouts",
      "parseErrorBody",
      "parseRetryAfter",
      "parseToolArguments",
      "postStream",
      "readBody",
      "readFrames",
      "readHttpError",
      "redact",
      "resolveBaseUrl",
      "secretsFromHeaders",
      "timeLimitProblem",
      "timeoutsProblem",
    ]);
  });
});

describe("a second copy of the built package", () => {
  let copyDir: string;
  let copy: typeof core;
  let copyHttp: typeof http;

  beforeAll(async () => {
    // A real second install: the same files at another path, so Node loads new class objects.
    copyDir = mkdtempSync(join(tmpdir(), "x-core-copy-"));
    const target = join(copyDir, "node_modules", "@x", "core");
    cpSync(dist, join(target, "dist"), { recursive: true });
    writeFileSync(join(target, "package.json"), readFileSync(join(root, "package.json")));
    copy = (await import(
      /* @vite-ignore */ pathToFileURL(join(target, "dist", "index.js")).href
    )) as typeof core;
    copyHttp = (await import(
      /* @vite-ignore */ pathToFileURL(join(target, "dist", "http.js")).href
    )) as typeof http;
  });

  afterAll(() => {
    rmSync(copyDir, { recursive: true, force: true });
  });

  it("is really a different copy", () => {
    expect(copy.AdapterError).not.toBe(core.AdapterError);
    expect(new copy.ServerError("x", { provider: "p", status: 500 })).not.toBeInstanceOf(
      core.ServerError,
    );
  });

  it("recognises each other's errors through isInstance()", () => {
    const foreign = copyHttp.createHttpError({
      provider: "p",
      status: 429,
      headers: { "retry-after": "1" },
    });
    expect(core.RateLimitError.isInstance(foreign)).toBe(true);
    expect(core.HttpError.isInstance(foreign)).toBe(true);
    expect(core.AdapterError.isInstance(foreign)).toBe(true);
    expect(core.ServerError.isInstance(foreign)).toBe(false);
    const local = new core.ProtocolError("x", { provider: "p", reason: "truncated" });
    expect(copy.ProtocolError.isInstance(local)).toBe(true);
    expect(copy.UnavailableError.isInstance(local)).toBe(false);
    const options = { provider: "p", timeoutMs: 1, phase: "idle" as const };
    expect(core.UnavailableError.isInstance(new copy.UnavailableError("x", options))).toBe(true);
    expect(core.AbortedError.isInstance(new copy.AbortedError("x", options))).toBe(true);
    expect(
      core.ModelLoadingTimeoutError.isInstance(new copy.ModelLoadingTimeoutError("x", options)),
    ).toBe(true);
    expect(core.StreamTimeoutError.isInstance(new copy.StreamTimeoutError("x", options))).toBe(
      true,
    );
    expect(core.AbortedError.isInstance(new copy.UnavailableError("x", options))).toBe(false);
  });

  it("collects a stream whose chunks and errors come from the other copy", async () => {
    async function* stream() {
      yield { type: "content" as const, content: "a" };
      throw new copy.ProviderError("in-stream", { provider: "p" });
    }
    const error = await core.collect(stream()).catch((e: unknown) => e);
    expect(core.ProviderError.isInstance(error)).toBe(true);
  });
});

describe("published type declarations", () => {
  it("contain no `any`", () => {
    const files = readdirSync(dist).filter((file) => file.endsWith(".d.ts"));
    expect(files.length).toBeGreaterThanOrEqual(2);
    const found: string[] = [];
    for (const file of files) {
      const text = readFileSync(join(dist, file), "utf8");
      const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
      const visit = (node: ts.Node): void => {
        if (node.kind === ts.SyntaxKind.AnyKeyword) {
          const { line } = source.getLineAndCharacterOfPosition(node.getStart());
          found.push(`${file}:${line + 1}: ${text.split("\n")[line]?.trim()}`);
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
    expect(found).toEqual([]);
  });
});
