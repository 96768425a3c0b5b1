import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Stand-in until tests/integration/global-setup.ts exists: runs the artifact/cache services test alone.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL("../../..", import.meta.url)),
    include: ["tests/integration/artifact-cache-services.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
