import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 20_000,
    // Installs Debian's chromium for test/browser/ when it is missing (CI: a fresh machine, root).
    // vitest runs globalSetup without a time limit, which the apt download needs.
    globalSetup: ["test/browser/global-setup.ts"],
  },
});
