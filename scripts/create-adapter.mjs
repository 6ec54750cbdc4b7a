#!/usr/bin/env node
// Scaffolds a new adapter package with its conformance test wired up.
//
//   node scripts/create-adapter.mjs <name> [--dir <packages dir>] [--force]
//   npx -y pnpm@10.34.8 create-adapter <name>
//
// Writes <packages dir>/<name>/ (default: packages/ next to this script's parent) from
// scripts/templates/adapter/: the file layout every adapter here uses (src/<name>-adapter.ts,
// build-<name>-request.ts, map-<name>-frame.ts, map-<name>-error.ts, <name>-stream.ts,
// <name>-errors.ts, index.ts), its conformance codec and test, package.json ("private" until its
// author decides to publish), tsup/tsconfig/vitest configs and a README. The adapter speaks an
// example protocol and passes the whole suite against it.
//
// Plain Node and node: built-ins only: it runs in a fresh clone, before install or build.
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const templates = join(here, "templates", "adapter");

/** @param {string[]} argv */
function parseArgs(argv) {
  const args = { name: undefined, dir: join(here, "..", "packages"), force: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--dir") args.dir = argv[++i];
    else if (arg === "--force") args.force = true;
    else if (arg === "--help" || arg === "-h") args.help = true;
    else if (!args.name) args.name = arg;
    else throw new Error(`unexpected argument: ${arg}`);
  }
  return args;
}

/** @param {string} name kebab-case */
export function names(name) {
  const words = name.split("-");
  const pascal = words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join("");
  return {
    __NAME__: name,
    __CLASS__: pascal,
    __CAMEL__: pascal.charAt(0).toLowerCase() + pascal.slice(1),
    __ENV__: name.toUpperCase().replaceAll("-", "_"),
  };
}

/** @param {string} dir */
async function listFiles(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else out.push(path);
  }
  return out;
}

/**
 * Writes the package and returns the paths written (relative to the package directory).
 * @param {{ name: string, dir: string, force?: boolean }} options
 */
export async function createAdapter({ name, dir, force = false }) {
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name)) {
    throw new Error(
      `invalid adapter name "${name}": use kebab-case letters and digits, e.g. "acme" or "my-llm"`,
    );
  }
  const target = join(dir, name);
  if (existsSync(target) && !force)
    throw new Error(`${target} already exists (use --force to overwrite)`);
  const vars = names(name);
  const fill = (text) => text.replace(/__(NAME|CLASS|CAMEL|ENV)__/g, (key) => vars[key]);
  const written = [];
  for (const file of await listFiles(templates)) {
    const path = fill(relative(templates, file)).replace(/\.tmpl$/, "");
    const out = join(target, path);
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, fill(await readFile(file, "utf8")));
    written.push(path);
  }
  return written.sort();
}

const invokedDirectly = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (invokedDirectly) {
  try {
    const args = parseArgs(process.argv.slice(2));
    if (args.help || !args.name) {
      console.log("usage: node scripts/create-adapter.mjs <name> [--dir <packages dir>] [--force]");
      process.exit(args.help ? 0 : 1);
    }
    const written = await createAdapter(args);
    const target = join(args.dir, args.name);
    console.log(`created ${target}:`);
    for (const path of written) console.log(`  ${path}`);
    const pnpm = "npx -y pnpm@10.34.8";
    console.log(`
next steps, from the repository root:
  ${pnpm} install                                   # links @x/${args.name} into the workspace
  ${pnpm} exec turbo run test --filter=@x/${args.name}     # builds what it needs, runs the conformance suite
then make it speak your provider's protocol, file by file (see ${join(target, "README.md")}).
Live mode: ${names(args.name).__ENV__}_LIVE_URL and ${names(args.name).__ENV__}_LIVE_MODEL name a real server.`);
  } catch (error) {
    console.error(`create-adapter: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
