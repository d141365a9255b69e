import { defineConfig } from "vitest/config";

// Workspace packages resolve to their TypeScript sources through the "@flakeops/source"
// export condition, so tests never need a build step.
const conditions = ["@flakeops/source", "node", "import", "default"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts", "examples/*/test/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
