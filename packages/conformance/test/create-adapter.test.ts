import { execFile } from "node:child_process";
import { copyFile, mkdir, readFile, rm, rmdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { AIAdapter } from "@x/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AdapterFactoryContext, ConformanceCodec } from "../src/codec.js";
import { runConformanceCases } from "../src/core.js";

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL("..", import.meta.url));
const script = join(packageDir, "..", "..", "scripts", "create-adapter.mjs");
// Inside this package, so the generated code resolves @x/core and undici from our node_modules.
// Laid out like the monorepo (<root>/tsconfig.base.json, <root>/packages/<name>) so its tsconfig resolves.
const rootDir = join(packageDir, ".tmp", `gen-${process.pid}`);
const outDir = join(rootDir, "packages");

beforeAll(async () => {
  await mkdir(rootDir, { recursive: true });
  await copyFile(
    join(packageDir, "..", "..", "tsconfig.base.json"),
    join(rootDir, "tsconfig.base.json"),
  );
});

afterAll(async () => {
  await rm(rootDir, { recursive: true, force: true });
  await rmdir(join(packageDir, ".tmp")).catch(() => undefined);
});

describe("scripts/create-adapter.mjs", () => {
  it("scaffolds a package with its conformance test wired up", async () => {
    const { stdout } = await run(process.execPath, [script, "acme-llm", "--dir", outDir]);
    const files = [
      "README.md",
      "package.json",
      "src/acme-llm-codec.ts",
      "src/index.ts",
      "test/conformance.test.ts",
      "tsconfig.json",
      "tsup.config.ts",
      "vitest.config.ts",
    ];
    for (const file of files) expect(stdout).toContain(file);
    const dir = join(outDir, "acme-llm");
    const pkg = JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as Record<
      string,
      Record<string, string>
    >;
    expect(pkg.name).toBe("@x/acme-llm");
    expect(pkg.devDependencies).toMatchObject({ "@x/conformance": "workspace:*" });
    expect(pkg.scripts).toMatchObject({
      test: "vitest run",
      "check:package": "publint --strict && attw --pack --profile esm-only",
    });
    const test = await readFile(join(dir, "test/conformance.test.ts"), "utf8");
    expect(test).toContain('import { runConformance } from "@x/conformance";');
    expect(test).toContain("new AcmeLlmAdapter({ baseUrl, model, apiKey })");
    expect(test).toContain("codec: acmeLlmCodec");
    expect(test).toContain('urlEnv: "ACME_LLM_URL"');
    for (const file of files)
      expect(await readFile(join(dir, file), "utf8")).not.toMatch(/__(NAME|CLASS|CAMEL|ENV)__/);
  });

  it("refuses bad names and existing directories", async () => {
    await expect(
      run(process.execPath, [script, "Bad_Name", "--dir", outDir]),
    ).rejects.toMatchObject({ stderr: expect.stringContaining("invalid adapter name") });
    await expect(
      run(process.execPath, [script, "acme-llm", "--dir", outDir]),
    ).rejects.toMatchObject({ stderr: expect.stringContaining("already exists") });
  });

  it("generates an adapter that passes a sample of the suite", async () => {
    const dir = join(outDir, "acme-llm");
    const { AcmeLlmAdapter } = (await import(join(dir, "src/index.ts"))) as {
      AcmeLlmAdapter: new (o: AdapterFactoryContext) => AIAdapter;
    };
    const { acmeLlmCodec } = (await import(join(dir, "src/acme-llm-codec.ts"))) as {
      acmeLlmCodec: ConformanceCodec;
    };
    const only = [
      "capabilities.consistent",
      "stream.text-order",
      "stream.recut-bytes",
      "tools.several",
      "fault.truncated",
      "http.429",
      "abort.mid-stream",
      "request.options",
    ];
    const results = await runConformanceCases(
      {
        name: "acme-llm",
        create: (ctx) => new AcmeLlmAdapter(ctx),
        codec: acmeLlmCodec,
        capabilities: { toolCalls: true },
      },
      { only, env: {} },
    );
    expect(results.map((r) => [r.id, r.status, r.reason])).toEqual(
      only.map((id) => [id, "passed", undefined]),
    );
  });
});
