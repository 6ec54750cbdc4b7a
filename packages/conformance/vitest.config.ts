import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // test/create-adapter.test.ts generates packages under .tmp/; their tests are not ours to collect.
    exclude: ["**/node_modules/**", "**/dist/**", ".tmp/**"],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // The self-tests mostly wait on sockets and timers (little CPU): run files side by side.
    // Cases inside one file stay sequential, because the leftover-timer check counts process-wide.
    maxWorkers: 3,
    minWorkers: 1,
  },
});
