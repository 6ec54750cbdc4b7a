import { existsSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

/** Bundle size of one of our packages. */
export interface BundleRow {
  name: string;
  /** Minified bytes / gzip bytes with `@x/core` bundled in (what an app pays). */
  withCore?: { min: number; gzip: number };
  /** Minified bytes / gzip bytes of the package's own code (`@x/*` external). */
  own?: { min: number; gzip: number };
  error?: string;
}

const PACKAGES = ["core", "ollama", "openai", "anthropic", "orchestrator"];

async function bundle(entry: string, external: string[]): Promise<{ min: number; gzip: number }> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    write: false,
    format: "esm",
    platform: "node",
    target: "node20",
    external,
    logLevel: "silent",
  });
  const code = result.outputFiles[0]!.contents;
  return { min: code.length, gzip: gzipSync(code, { level: 9 }).length };
}

/** esbuild bundle (minified, ESM, undici external) + gzip -9 of each package's built entry. */
export async function measureBundles(repoRoot: string): Promise<BundleRow[]> {
  const rows: BundleRow[] = [];
  for (const name of PACKAGES) {
    const entry = join(repoRoot, "packages", name, "dist", "index.js");
    if (!existsSync(entry)) {
      rows.push({ name: `@x/${name}`, error: "not built" });
      continue;
    }
    try {
      rows.push({
        name: `@x/${name}`,
        withCore: await bundle(entry, ["undici"]),
        own: await bundle(entry, ["undici", "@x/*"]),
      });
    } catch (error) {
      rows.push({
        name: `@x/${name}`,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return rows;
}
