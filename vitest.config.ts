import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "test/**/*.test.tsx"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Browser tests share one Chromium per file; two cores do not gain from more workers.
    maxWorkers: 2,
  },
});
