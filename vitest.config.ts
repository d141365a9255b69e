import { configDefaults, defineConfig } from "vitest/config";

// Workspace packages resolve to their TypeScript sources through the "@flakeops/source"
// export condition, so tests never need a build step.
const conditions = ["@flakeops/source", "node", "import", "default"];

const TESTS = ["packages/*/test/**/*.test.ts", "test/**/*.test.ts", "examples/*/test/**/*.test.ts"];
/** Tests that spawn processes, build the deployable bundle, drive a browser or read ../shared. */
const E2E = TESTS.map((glob) => glob.replace(/\.test\.ts$/, ".e2e.test.ts"));

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // `pnpm test` runs both; `pnpm test:unit` only the fast in-process set.
    projects: [
      {
        extends: true,
        test: { name: "unit", include: TESTS, exclude: [...configDefaults.exclude, ...E2E] },
      },
      { extends: true, test: { name: "e2e", include: E2E } },
    ],
  },
});
