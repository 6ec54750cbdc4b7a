import { join } from "node:path";
import { type BuildOptions, build } from "esbuild";

/**
 * Bundles each `name → entry` into `outdir/<name>.mjs` for Node (ESM, packages left external) and
 * returns the paths by name: the child processes a bench forks or spawns.
 */
export async function bundleChildren<Name extends string>(
  outdir: string,
  entries: Record<Name, string>,
  options: Pick<BuildOptions, "alias" | "sourcemap"> = {},
): Promise<Record<Name, string>> {
  await build({
    entryPoints: entries,
    outdir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    packages: "external",
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "warning",
    ...options,
  });
  const names = Object.keys(entries) as Name[];
  return Object.fromEntries(names.map((name) => [name, join(outdir, `${name}.mjs`)])) as Record<
    Name,
    string
  >;
}
