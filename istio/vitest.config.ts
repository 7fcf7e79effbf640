// The Istio stage (npm run test:istio; scripts/istio-stage.ts): the tests that need Istio's own
// programs built from source (istioctl, its xDS server, pilot-agent), kept out of npm test because
// that build costs minutes from empty caches. Same conditions and matchers as the main suite.
import { defineConfig } from "vitest/config";
import main from "../vitest.config.ts";

export default defineConfig({
  ...main,
  test: {
    ...main.test,
    include: ["istio/test/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/.cache/**"],
    globalSetup: ["./istio/global-setup.ts"],
    // one mesh at a time: each runs Istio's programs and Envoy on a 2-core machine, and their logs
    // (kept for failure messages) are easier to read alone
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
