import { defineConfig } from "vitest/config";

// Integration tests run the bundled actions in child processes against local services.
// globalSetup checks the tools and bundles once and starts the one test registry the files share; it builds
// nothing: dist/ must be current (check-dist runs first).
export default defineConfig({
  test: {
    include: ["tests/integration/**/*.test.ts"],
    globalSetup: ["tests/integration/global-setup.ts"],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
