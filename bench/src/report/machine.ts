import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, release, totalmem, type } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Where and with what a run happened. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memory: string;
  os: string;
  node: string;
  versions: { name: string; version: string }[];
}

const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

const PACKAGES = [
  "@x/core",
  "@x/ollama",
  "@x/openai",
  "@x/anthropic",
  "@x/orchestrator",
  "undici",
  "ollama",
  "openai",
  "@anthropic-ai/sdk",
  "ai",
  "@ai-sdk/openai-compatible",
  "ollama-ai-provider-v2",
  "esbuild",
];

function versionOf(name: string): string {
  try {
    const require = createRequire(join(BENCH_DIR, "package.json"));
    const path = require.resolve(`${name}/package.json`);
    return (JSON.parse(readFileSync(path, "utf8")) as { version?: string }).version ?? "?";
  } catch {
    // Some packages do not export package.json; fall back to the node_modules path.
    try {
      const path = join(BENCH_DIR, "node_modules", name, "package.json");
      return (JSON.parse(readFileSync(path, "utf8")) as { version?: string }).version ?? "?";
    } catch {
      return "not installed";
    }
  }
}

/** Collects the machine, Node and package versions for the report header. */
export function machineInfo(): MachineInfo {
  const cpuList = cpus();
  return {
    cpu: cpuList[0]?.model.trim() ?? "unknown",
    cores: cpuList.length,
    memory: `${Math.round(totalmem() / 1024 ** 3)} GB`,
    os: `${type()} ${release()}`,
    node: process.version,
    versions: PACKAGES.map((name) => ({ name, version: versionOf(name) })),
  };
}

/** The bench package directory. */
export const benchDir = BENCH_DIR;
