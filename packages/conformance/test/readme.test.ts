import { mkdir, readFile, rm, rmdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AIAdapter } from "@x/core";
import { afterAll, expect, it } from "vitest";
import type { AdapterFactoryContext, ConformanceCodec } from "../src/codec.js";
import { runConformanceCases } from "../src/core.js";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
// Inside this package, so the README code resolves @x/core and undici from our node_modules.
const dir = join(packageDir, ".tmp", `readme-${process.pid}`);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await rmdir(join(packageDir, ".tmp")).catch(() => undefined);
});

/** The ```ts block of README.md whose first line is `// <path>`. */
function block(readme: string, path: string): string {
  const start = readme.indexOf(`\`\`\`ts\n// ${path}\n`);
  if (start === -1) throw new Error(`README.md has no ts block for ${path}`);
  const body = readme.indexOf("\n", start) + 1;
  return readme.slice(body, readme.indexOf("\n```", body));
}

it("the README's minimal adapter and codec pass every case they can run", async () => {
  const readme = await readFile(join(packageDir, "README.md"), "utf8");
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "echo-adapter.ts"), block(readme, "src/echo-adapter.ts"));
  await writeFile(join(dir, "echo-codec.ts"), block(readme, "test/echo-codec.ts"));
  const { EchoAdapter } = (await import(join(dir, "echo-adapter.ts"))) as {
    EchoAdapter: new (o: AdapterFactoryContext) => AIAdapter;
  };
  const { echoCodec } = (await import(join(dir, "echo-codec.ts"))) as {
    echoCodec: ConformanceCodec;
  };
  const results = await runConformanceCases(
    {
      name: "echo",
      create: (ctx) => new EchoAdapter(ctx),
      codec: echoCodec,
      capabilities: { thinking: true, usage: true },
    },
    { env: {} },
  );
  const failed = results.filter((r) => r.status === "failed").map((r) => `${r.id}: ${r.reason}`);
  expect(failed).toEqual([]);
  expect(results.filter((r) => r.status === "passed").length).toBe(43);
  expect(block(readme, "test/conformance.test.ts")).toContain("runConformance({");
});
