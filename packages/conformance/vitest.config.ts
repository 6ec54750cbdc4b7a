import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (file: string) => fileURLToPath(new URL(`./src/${file}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Code this package's tests generate under .tmp/ (the scaffold, the README walkthrough)
    // imports "@x/conformance" as an adapter package would: point it at the source.
    alias: [
      { find: /^@x\/conformance$/, replacement: src("index.ts") },
      { find: /^@x\/conformance\/core$/, replacement: src("core.ts") },
    ],
  },
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Generated packages under .tmp/ are run by our tests, not collected on their own.
    exclude: ["**/node_modules/**", "**/dist/**", ".tmp/**"],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // The self-tests mostly wait on sockets and timers (little CPU): run files side by side.
    maxWorkers: 3,
    minWorkers: 1,
    // test/broken-*.test.ts run this many broken adapters side by side in each file.
    maxConcurrency: 4,
  },
});
