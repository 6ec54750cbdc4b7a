// The README's examples run against the built package, as a user would run them.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((match) => match[1]!);

/** Runs `code` as an ES module from the package directory (so `@x/core` resolves to itself). */
async function run(code: string): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--input-type=module", "--eval", code],
    { cwd: root },
  );
  return stdout;
}

describe("README", () => {
  it("starts with a runnable example of at most ten lines that prints what it says", async () => {
    expect(readme.startsWith("# @x/core\n\n```js\n")).toBe(true);
    const first = blocks[0]!;
    expect(first.trim().split("\n").length).toBeLessThanOrEqual(10);
    expect(await run(first)).toBe("content\ncontent\ndone\nHello, world! stop 3\n");
  });

  it("has a runnable mock-adapter example", async () => {
    const example = blocks.find((block) => block.includes("const flaky"));
    expect(example).toBeDefined();
    const checked = `${example!
      .replace(/^(await collect\(flaky[^\n]*?);( \/\/[^\n]*)?$/m, "console.log(await $1);")
      .replace(/^(\(await collect\(flaky[^\n]*?);( \/\/[^\n]*)?$/m, "console.log($1);")}`;
    const code = `const messages = [{ role: "user", content: "Hi" }];\n${checked}`;
    expect(await run(code)).toBe("Hel\nHello\n");
  });
});
