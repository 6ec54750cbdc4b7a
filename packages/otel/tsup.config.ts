import { readFileSync } from "node:fs";
import { defineConfig } from "tsup";

const { version } = JSON.parse(readFileSync("./package.json", "utf8")) as { version: string };

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
  treeshake: true,
  removeNodeProtocol: false,
  // The instrumentation scope version (src/version.ts).
  define: { __X_OTEL_VERSION__: JSON.stringify(version) },
});
