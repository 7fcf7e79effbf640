// `filterkit create`: the new filter has the name, the root id and the class names set in every
// file, builds with the kit's build, and runs on the mock host under its new root id. (That its own
// `npm install && npm test` passes in a project outside the repository is what
// scripts/package-proof.sh shows in CI, from the packed tarballs.)
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createHost, FilterHeadersStatus } from "@filterkit/host-mock";
import { buildCommand } from "../src/commands/build.ts";
import { createFilter, namesOf, rename, templateDir } from "../src/commands/create.ts";
import { CliError, EXIT } from "../src/errors.ts";

const repo = join(import.meta.dirname, "../..");
// inside the repository, so that @filterkit/sdk resolves from its node_modules as in a project
const scratch = mkdtempSync(join(repo, ".cache", "create-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? filesUnder(join(dir, n)).map((f) => join(n, f)) : [n]));
}

describe("filterkit create", () => {
  it("derives the root id and the class names from the name, and refuses names that are not one", () => {
    expect(namesOf("my-filter")).toEqual({ name: "my-filter", rootId: "my_filter", className: "MyFilter" });
    expect(namesOf("a1")).toEqual({ name: "a1", rootId: "a1", className: "A1" });
    for (const bad of ["", "My-Filter", "-x", "x-", "a--b", "1abc", "a_b", "a b", "a/b", "x".repeat(61)]) {
      expect(() => namesOf(bad), bad).toThrow(CliError);
    }
    expect(rename('registerRootContext((id) => new AddHeaderRoot(id), "add_header"); // add-header', namesOf("rate-guard")))
      .toBe('registerRootContext((id) => new RateGuardRoot(id), "rate_guard"); // rate-guard');
  });

  const made = createFilter("rate-guard", join(scratch, "rate-guard"));

  it("writes the template's files renamed, and a project around them", () => {
    expect(made.files).toEqual([
      ".gitignore", "README.md", "asconfig.json", "assembly/index.ts", "config.json", "envoy.yaml", "package.json",
      "rate-guard.test.ts", "scenarios/rate-guard.json", "vitest.config.ts",
    ]);
    // the template's own files all arrive (none forgotten when the template grows), build outputs excepted
    const template = filesUnder(templateDir()).filter((f) => !f.startsWith("build/") && f !== "README.md").map((f) => rename(f, namesOf("rate-guard")));
    for (const f of template) expect(made.files, f).toContain(f);
    for (const f of made.files) {
      const text = readFileSync(join(made.dir, f), "utf8");
      expect(text, `${f} still names the template`).not.toMatch(/add[-_]header|AddHeader/);
    }
    const pkg = JSON.parse(readFileSync(join(made.dir, "package.json"), "utf8")) as { filterkit: { rootId: string }; scripts: Record<string, string>; devDependencies: Record<string, string> };
    expect(pkg.filterkit.rootId).toBe("rate_guard");
    expect(Object.keys(pkg.scripts)).toEqual(["build", "test", "scenario", "bench", "start"]);
    expect(Object.keys(pkg.devDependencies).sort()).toEqual(["@filterkit/cli", "@filterkit/host-mock", "@filterkit/sdk", "vitest"]);
    expect(readFileSync(join(made.dir, "assembly/index.ts"), "utf8")).toContain('new RateGuardRoot(context_id), "rate_guard")');
    expect(readFileSync(join(made.dir, "envoy.yaml"), "utf8")).toContain("root_id: rate_guard");
    const scenario = JSON.parse(readFileSync(join(made.dir, "scenarios/rate-guard.json"), "utf8")) as { $schema: string; plugins: Array<{ rootId: string }> };
    expect(scenario.plugins[0].rootId).toBe("rate_guard");
    // the schema of the installed host-mock, as seen from the scenario (found above it, or where `npm install` puts it)
    expect(scenario.$schema).toMatch(/^(\.\.\/)+node_modules\/@filterkit\/host-mock\/dist\/host-mock\/src\/scenario\/scenario\.schema\.json$/);
  });

  it("builds with the kit's build and runs on the mock host under its own root id", { timeout: 60_000 }, async () => {
    const report = await buildCommand([made.dir], { quiet: true, cwd: made.dir });
    expect(report.failed).toBe(0);
    expect(existsSync(join(made.dir, "build/release.wasm"))).toBe(true);
    const host = createHost({ wasm: join(made.dir, "build/release.wasm"), rootId: "rate_guard", vmId: "t", pluginConfig: JSON.parse(readFileSync(join(made.dir, "config.json"), "utf8")) });
    expect(host.configured).toBe(true);
    const s = host.newHttpStream();
    s.sendRequestHeaders([[":method", "GET"], [":path", "/"], [":authority", "x"], [":scheme", "http"]], true);
    expect(s.sendResponseHeaders([[":status", "200"]], true)).toBe(FilterHeadersStatus.Continue);
    s.complete();
    expect(s.response.headers).toEqual([[":status", "200"], ["x-powered-by", "filterkit"]]);
  });

  it("refuses a folder that exists and is not empty", () => {
    let caught: unknown;
    try {
      createFilter("rate-guard", made.dir);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(CliError);
    expect((caught as CliError).exitCode).toBe(EXIT.usage);
    expect((caught as CliError).message).toMatch(/already exists and is not an empty folder/);
  });
});
