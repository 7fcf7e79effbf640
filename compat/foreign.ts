// Where a foreign-SDK fixture's module is, or why its tests do not run.
//
// compat/<sdk>/build.sh builds each fixture with its own toolchain (cargo, go); scripts/build.ts
// records the outcome in .cache/foreign-builds.json. A filter author with Node and npm only has no
// such toolchain: there the fixture is not built and its tests are skipped with the reason, which
// the end of the run prints (scripts/not-run-reporter.ts). Under CI nothing is skipped: CI has both
// toolchains, a build that could not run already failed, and a missing module fails every test.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const STATUS = join(repo, ".cache", "foreign-builds.json");

export interface ForeignFixture {
  /** the module, to pass to createHost (throws when it was not built) */
  wasm(): string;
  /** null when the tests run; otherwise why they cannot on this machine */
  notRun: string | null;
}

const inCi = (): boolean => process.env.CI !== undefined && process.env.CI !== "" && process.env.CI !== "false";

/** `dir` is the fixture's folder under compat/ ("rust-sdk", "go-sdk"). */
export function foreignFixture(dir: string, hint: string): ForeignFixture {
  return foreignBuild(`compat/${dir}`, join("compat", dir, "build", "filter.wasm"), `bash compat/${dir}/build.sh`, hint);
}

/**
 * Any build scripts/build.ts records under `name` (a compat fixture, or istio/tools: Istio's
 * fetcher and istioctl), its output at `output` (relative to the repository), rebuilt by `command`.
 */
export function foreignBuild(name: string, output: string, command: string, hint: string): ForeignFixture {
  const module = join(repo, output);
  const status = existsSync(STATUS) ? (JSON.parse(readFileSync(STATUS, "utf8")) as Record<string, { built: boolean; reason?: string }>)[name] : undefined;
  const unavailable = status !== undefined && !status.built && status.reason !== undefined && !status.reason.endsWith(" failed");
  return {
    notRun: unavailable && !inCi() ? `${name} was not built: ${status.reason}` : null,
    wasm(): string {
      if (!existsSync(module)) throw new Error(`${module} is missing: run \`${command}\` (${hint})`);
      return module;
    },
  };
}
