// The vitest configuration `filterkit test` uses for a project without one of its own: every
// *.test.ts outside node_modules and build outputs, with the kit's matchers loaded.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/build/**", "**/dist/**", "**/.cache/**"],
    setupFiles: [fileURLToPath(import.meta.resolve("@filterkit/host-mock/matchers"))],
  },
});
