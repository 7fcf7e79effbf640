import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/build/**", "**/.cache/**"],
    pool: "threads",
    // Test files share their worker's module state: host-mock keeps nothing between hosts but the
    // compile cache, so isolation buys nothing here and costs a fresh module graph (and a fresh
    // compile of every .wasm) per file: ~25% of a run of small tests (npm run bench).
    isolate: false,
    // the kit's vitest matchers (toHaveHeader, toHaveLocalReply, toHaveLogged, ...) in every test file
    setupFiles: ["host-mock/src/matchers.ts"],
    // the default output, then one line naming every test that did not run and why
    reporters: ["default", "./scripts/not-run-reporter.ts"],
  },
});
