import { execFile } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { conformanceCases } from "../src/core.js";
import { MUTANTS } from "./mutants/index.js";
import { caseTable, catchTable } from "./readme-tables.js";
import { packageDir, repoDir } from "./reference/generate.js";

// The README's walkthrough, run exactly as printed: its three files are written in the layout the
// README names (src/, test/), and its test/conformance.test.ts is imported here, which registers
// the whole suite for the README's adapter in this file.
const readme = await readFile(join(packageDir, "README.md"), "utf8");
const dir = join(packageDir, ".tmp", `readme-${process.pid}`);
const FILES = ["src/echo-adapter.ts", "test/echo-codec.ts", "test/conformance.test.ts"];

/** The ```ts block of README.md whose first line is `// <path>`, as printed. */
function block(path: string): string {
  const start = readme.indexOf(`\`\`\`ts\n// ${path}\n`);
  if (start === -1) throw new Error(`README.md has no ts block for ${path}`);
  const body = readme.indexOf("\n", start) + 1;
  return readme.slice(body, readme.indexOf("\n```", body) + 1);
}

for (const file of FILES) {
  await mkdir(dirname(join(dir, file)), { recursive: true });
  await writeFile(join(dir, file), block(file));
}
await import(join(dir, "test", "conformance.test.ts"));

afterAll(() => rm(dir, { recursive: true, force: true }));

describe("README.md", () => {
  it("the walkthrough's code type-checks as printed", async () => {
    await writeFile(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        extends: join(repoDir, "tsconfig.base.json"),
        compilerOptions: {
          noEmit: true,
          rootDir: packageDir,
          paths: { "@x/conformance": [join(packageDir, "src", "index.ts")] },
        },
        include: ["src", "test"],
      }),
    );
    await promisify(execFile)(join(repoDir, "node_modules", ".bin", "tsc"), ["-p", dir]).catch(
      (error: { stdout?: string }) => {
        throw new Error(`tsc failed on the README's code:\n${error.stdout}`);
      },
    );
  }, 60_000);

  it("lists every case, as the suite titles it", () => {
    expect(readme).toContain(caseTable());
  });

  it("reports the catch table of test/mutants.ts", () => {
    expect(readme).toContain(catchTable(MUTANTS));
  });

  it("has a broken adapter that only it catches for every case but the live ones", () => {
    const sole = new Set(MUTANTS.filter((m) => m.caughtBy.length === 1).map((m) => m.caughtBy[0]));
    const uncovered = conformanceCases
      .map((c) => c.id)
      .filter((id) => !id.startsWith("live.") && !sole.has(id));
    expect(uncovered).toEqual([]);
    const known = new Set(conformanceCases.map((c) => c.id));
    for (const mutant of MUTANTS) for (const id of mutant.caughtBy) expect(known).toContain(id);
  });
});
