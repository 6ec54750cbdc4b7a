import { copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AIAdapter, Capabilities } from "@x/core";
import type { ConformanceCodec, ConformanceOptions } from "../../src/codec.js";

/** This package's directory. */
export const packageDir = fileURLToPath(new URL("../..", import.meta.url));
/** The repository root. */
export const repoDir = join(packageDir, "..", "..");
/** The scaffold script. */
export const createAdapterScript = join(repoDir, "scripts", "create-adapter.mjs");

/**
 * One deliberate bug: a text replacement in one file of the generated reference adapter. `find`
 * must occur exactly once in that file, so a template change that moves the code makes the
 * self-test fail loudly instead of testing an unchanged adapter.
 */
export interface Mutation {
  /** Path inside the generated package, e.g. `src/ref-stream.ts`. */
  file: string;
  /** The exact text to replace. */
  find: string;
  /** What to put instead. */
  replace: string;
}

/** What the reference adapter's constructor accepts. */
export interface RefAdapterOptions {
  baseUrl: string;
  model: string;
  apiKey?: string;
  headers?: Record<string, string>;
  capabilities?: Partial<Capabilities>;
}

/** A generated reference package, loaded. */
export interface Reference {
  /** `new RefAdapter(options)`. */
  RefAdapter: new (
    options: RefAdapterOptions,
  ) => AIAdapter;
  /** The reference codec. */
  refCodec: ConformanceCodec;
  /** The package directory. */
  dir: string;
}

interface CreateAdapterModule {
  createAdapter(options: { name: string; dir: string; force?: boolean }): Promise<string[]>;
}

/** The scaffold script's `createAdapter()`. */
export async function loadCreateAdapter(): Promise<CreateAdapterModule["createAdapter"]> {
  const module = (await import(createAdapterScript)) as CreateAdapterModule;
  return module.createAdapter;
}

/**
 * Generates the scaffold as package `ref` under `.tmp/<label>/packages/ref` (inside this
 * package, so it resolves `@x/core` and `undici` from our node_modules, laid out like the
 * monorepo so its tsconfig resolves), applies `mutations`, and imports it.
 */
export async function generateReference(
  label: string,
  mutations: readonly Mutation[] = [],
): Promise<Reference> {
  const root = join(packageDir, ".tmp", `${label}-${process.pid}`);
  await rm(root, { recursive: true, force: true });
  await mkdir(join(root, "packages"), { recursive: true });
  await copyFile(join(repoDir, "tsconfig.base.json"), join(root, "tsconfig.base.json"));
  const createAdapter = await loadCreateAdapter();
  await createAdapter({ name: "ref", dir: join(root, "packages") });
  const dir = join(root, "packages", "ref");
  for (const mutation of mutations) {
    const path = join(dir, mutation.file);
    const text = await readFile(path, "utf8");
    const count = text.split(mutation.find).length - 1;
    if (count !== 1) {
      throw new Error(
        `mutation of ${mutation.file} no longer applies: ${JSON.stringify(mutation.find)} occurs ${count} times`,
      );
    }
    await writeFile(path, text.replace(mutation.find, mutation.replace));
  }
  const adapter = (await import(join(dir, "src", "index.ts"))) as Pick<Reference, "RefAdapter">;
  const codec = (await import(join(dir, "test", "ref-codec.ts"))) as Pick<Reference, "refCodec">;
  return { RefAdapter: adapter.RefAdapter, refCodec: codec.refCodec, dir };
}

/** Removes everything `generateReference` wrote for `label`. */
export async function removeReference(label: string): Promise<void> {
  await rm(join(packageDir, ".tmp", `${label}-${process.pid}`), { recursive: true, force: true });
}

/** The capabilities the reference adapter is held to. */
export const REFERENCE_CAPABILITIES = {
  toolCalls: true,
  thinking: true,
  usage: true,
  images: true,
  jsonSchema: true,
  tokensPerSec: true,
} as const;

/** Suite options for a loaded reference, as its generated `conformance.test.ts` sets them. */
export function referenceOptions(
  reference: Reference,
  overrides: Partial<ConformanceOptions> = {},
): ConformanceOptions {
  return {
    name: "reference",
    codec: reference.refCodec,
    create: ({ baseUrl, model, headers, apiKey }) =>
      new reference.RefAdapter({ baseUrl, model, headers, apiKey }),
    capabilities: { ...REFERENCE_CAPABILITIES },
    ...overrides,
  };
}
