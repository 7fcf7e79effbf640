// `filterkit test [vitest arguments]`: builds the project's filters, then runs its tests with
// vitest and the kit's matchers. The project's vitest.config.* is used when it has one (the one
// `filterkit create` writes loads the matchers); otherwise the kit's default (vitest.default.mjs).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Command } from "../command.ts";
import { CliError, EXIT } from "../errors.ts";
import { packageDir } from "../kit.ts";
import { findFilters, projectRoot } from "../project.ts";
import { buildCommand } from "./build.ts";

const HELP = `usage: filterkit test [--no-build] [vitest arguments...]

Builds the filters of the project (the nearest folder with a package.json; only what changed),
then runs \`vitest run\` there: the project's vitest.config.{ts,mts,js,mjs} if it has one, else the
kit's default configuration (every *.test.ts, the kit's matchers loaded). Arguments it does not
know go to vitest unchanged (a file filter, -t <pattern>, --reporter=...).

options:
  --no-build   run the tests on the builds there are

exit codes: vitest's (0 every test passed, 1 a test failed), 1 a build failed, 2 usage`;

const CONFIG_NAMES = ["vitest.config.ts", "vitest.config.mts", "vitest.config.js", "vitest.config.mjs"];

/** vitest's command-line entry: the project's own vitest, else the one installed beside the kit. */
function vitestBin(root: string): string {
  for (const from of [join(root, "package.json"), join(packageDir(), "package.json")]) {
    try {
      return join(dirname(createRequire(from).resolve("vitest/package.json")), "vitest.mjs");
    } catch {
      // not installed there: try the next place
    }
  }
  throw new CliError("vitest is not installed", "npm install --save-dev vitest@^4.1", EXIT.failed);
}

export const test: Command = {
  name: "test",
  summary: "build the filters and run their tests with vitest and the kit's matchers",
  help: HELP,
  async run(argv) {
    const noBuild = argv.includes("--no-build");
    const passThrough = argv.filter((a) => a !== "--no-build");
    const root = projectRoot(process.cwd());
    if (!noBuild && findFilters(root).length > 0) {
      const report = await buildCommand([root], { quiet: true });
      if (report.failed > 0) throw new CliError(`${report.failed} build(s) failed, so the tests would run old builds`, "fix the errors asc printed above, or run with --no-build", EXIT.failed);
    }
    const own = CONFIG_NAMES.map((n) => join(root, n)).find((p) => existsSync(p));
    const config = own ?? join(packageDir(), "vitest.default.mjs");
    const child = spawn(process.execPath, [vitestBin(root), "run", "--config", config, ...passThrough], { cwd: root, stdio: "inherit" });
    return new Promise((resolveCode) => {
      child.on("error", (e) => {
        process.stderr.write(`filterkit test: error: vitest did not start: ${e.message}\n`);
        resolveCode(EXIT.failed);
      });
      child.on("close", (code, signal) => resolveCode(code ?? (signal !== null ? EXIT.failed : EXIT.ok)));
    });
  },
};
