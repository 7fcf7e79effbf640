import { defaultServerConditions } from "vite";
import { defineConfig } from "vitest/config";

// The kit's own packages (@filterkit/host-mock, @filterkit/envoy) are imported by their package
// names everywhere in the repository, as a user's project imports them; the "filterkit-source" export
// condition resolves those names to the TypeScript sources here instead of the built dist/ (no
// build step between an edit and its test, one module graph for the sources).
const conditions = ["filterkit-source", ...defaultServerConditions];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ["filterkit-source"] } },
  test: {
    include: ["**/*.test.ts"],
    // istio/test: the Istio stage's, run by npm run test:istio (istio/vitest.config.ts)
    exclude: ["**/node_modules/**", "**/build/**", "**/.cache/**", "**/dist/**", "cli/template/**", "istio/test/**"],
    pool: "threads",
    // Test files share their worker's module state: host-mock keeps nothing between hosts but the
    // compile cache, so isolation buys nothing here and costs a fresh module graph (and a fresh
    // compile of every .wasm) per file: ~25% of a run of small tests (npm run bench).
    isolate: false,
    // the kit's vitest matchers (toHaveHeader, toHaveLocalReply, toHaveLogged, ...) in every test file
    setupFiles: ["./scripts/vitest-setup.ts"],
    // the default output, then one line naming every test that did not run and why
    reporters: ["default", "./scripts/not-run-reporter.ts"],
  },
});
