import { execFile } from "node:child_process";
import { copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdapterScript, packageDir, repoDir } from "./reference/generate.js";

const run = promisify(execFile);
// Inside this package, so the generated code resolves @x/core and undici from our node_modules.
// Laid out like the monorepo (<root>/tsconfig.base.json, <root>/packages/<name>).
const rootDir = join(packageDir, ".tmp", `scaffold-${process.pid}`);
const outDir = join(rootDir, "packages");
const dir = join(outDir, "acme-llm");
const bin = (name: string) => join(repoDir, "node_modules", ".bin", name);

const FILES = [
  "README.md",
  "package.json",
  "src/acme-llm-adapter.ts",
  "src/acme-llm-errors.ts",
  "src/acme-llm-stream.ts",
  "src/build-acme-llm-request.ts",
  "src/index.ts",
  "src/map-acme-llm-error.ts",
  "src/map-acme-llm-frame.ts",
  "test/acme-llm-codec.ts",
  "test/conformance.test.ts",
  "tsconfig.json",
  "tsup.config.ts",
  "vitest.config.ts",
];

let stdout = "";
beforeAll(async () => {
  await mkdir(rootDir, { recursive: true });
  await copyFile(join(repoDir, "tsconfig.base.json"), join(rootDir, "tsconfig.base.json"));
  ({ stdout } = await run(process.execPath, [createAdapterScript, "acme-llm", "--dir", outDir]));
});

afterAll(() => rm(rootDir, { recursive: true, force: true }));

describe("scripts/create-adapter.mjs", () => {
  it("needs nothing but Node: it runs in a fresh clone, before install or build", async () => {
    const source = await readFile(createAdapterScript, "utf8");
    const imports = [...source.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]);
    expect(imports.length).toBeGreaterThan(0);
    for (const specifier of imports) expect(specifier).toMatch(/^node:/);
  });

  it("writes exactly the file layout the adapters use, with every placeholder filled", async () => {
    expect(
      stdout.split("\n").filter((line) => line.startsWith("  ") && !line.includes(" ")),
    ).toEqual([]);
    for (const file of FILES) expect(stdout).toContain(`  ${file}\n`);
    expect(stdout.match(/^ {2}\S+$/gm)).toEqual(FILES.map((file) => `  ${file}`));
    for (const file of FILES)
      expect(await readFile(join(dir, file), "utf8")).not.toMatch(/__(NAME|CLASS|CAMEL|ENV)__/);
  });

  it("prints next steps with the commands the root README uses, never a bare pnpm", () => {
    expect(stdout).toContain("npx -y pnpm@10.34.8 install");
    expect(stdout).toContain("npx -y pnpm@10.34.8 exec turbo run test --filter=@x/acme-llm");
    expect(stdout).not.toMatch(/(^|[\s&;])pnpm (install|test|--filter|run)/m);
    expect(stdout).toContain("ACME_LLM_LIVE_URL");
  });

  it("keeps the package private (out of changeset publish) and wires the suite", async () => {
    const pkg = JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as {
      name: string;
      private?: boolean;
      scripts: Record<string, string>;
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    expect(pkg.name).toBe("@x/acme-llm");
    expect(pkg.private).toBe(true);
    expect(pkg.dependencies).toMatchObject({ "@x/core": "workspace:^" });
    expect(pkg.devDependencies).toMatchObject({ "@x/conformance": "workspace:*" });
    expect(pkg.scripts).toMatchObject({ test: "vitest run", build: "tsup" });
    const test = await readFile(join(dir, "test/conformance.test.ts"), "utf8");
    expect(test).toContain('import { runConformance } from "@x/conformance";');
    expect(test).toContain("codec: acmeLlmCodec");
  });

  it("names live-mode variables that turbo passes through to tests", async () => {
    const test = await readFile(join(dir, "test/conformance.test.ts"), "utf8");
    const names = [...test.matchAll(/Env: "([A-Z_]+)"/g)].map((m) => m[1]!);
    expect(names).toEqual(["ACME_LLM_LIVE_URL", "ACME_LLM_LIVE_MODEL", "ACME_LLM_LIVE_API_KEY"]);
    const turbo = JSON.parse(await readFile(join(repoDir, "turbo.json"), "utf8")) as {
      tasks: { test: { env?: string[]; passThroughEnv?: string[] } };
    };
    const patterns = [...(turbo.tasks.test.env ?? []), ...(turbo.tasks.test.passThroughEnv ?? [])];
    const matches = (name: string) =>
      patterns.some((p) => new RegExp(`^${p.replaceAll("*", ".*")}$`).test(name));
    for (const name of names) expect(matches(name), `${name} in turbo.json test env`).toBe(true);
  });

  it("generates code that type-checks and passes the repository's lint", async () => {
    // Type-check against this package's sources (its build may be older than them).
    // Written next to the package, not in it, so the lint below sees only generated files.
    const check = join(rootDir, "tsconfig.check.json");
    await writeFile(
      check,
      JSON.stringify({
        extends: "./packages/acme-llm/tsconfig.json",
        compilerOptions: {
          noEmit: true,
          rootDir: packageDir,
          paths: { "@x/conformance": [join(packageDir, "src", "index.ts")] },
        },
      }),
    );
    await run(bin("tsc"), ["-p", check], { cwd: dir }).catch((error: { stdout?: string }) => {
      throw new Error(`tsc failed on the generated package:\n${error.stdout}`);
    });
    // .tmp/ is git-ignored and Biome skips ignored files: lint with the repository's rules anyway.
    await run(bin("biome"), ["ci", "--vcs-use-ignore-file=false", dir], { cwd: repoDir }).catch(
      (error: { stdout?: string; stderr?: string }) => {
        throw new Error(
          `biome ci failed on the generated package:\n${error.stdout}${error.stderr}`,
        );
      },
    );
  }, 60_000);

  it("refuses bad names and existing directories", async () => {
    await expect(
      run(process.execPath, [createAdapterScript, "Bad_Name", "--dir", outDir]),
    ).rejects.toMatchObject({ stderr: expect.stringContaining("invalid adapter name") });
    await expect(
      run(process.execPath, [createAdapterScript, "acme-llm", "--dir", outDir]),
    ).rejects.toMatchObject({ stderr: expect.stringContaining("already exists") });
  });
});
