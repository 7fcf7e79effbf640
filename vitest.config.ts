import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/build/**"],
    pool: "threads",
    // the kit's vitest matchers (toHaveHeader, toHaveLocalReply, toHaveLogged, ...) in every test file
    setupFiles: ["host-mock/src/matchers.ts"],
  },
});
