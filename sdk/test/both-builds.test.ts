// Guard: every SDK and filter test file that runs guest code runs it on both builds (BUILDS in
// helpers.ts, or an explicit ["debug", "release"] list, or a `for (const b of BUILDS)` loop). The release build is what Envoy runs; a
// test on the debug build alone says nothing about it. Foreign-SDK fixtures (compat/go-sdk,
// compat/rust-sdk) have one build, made by their own toolchains, and are not covered.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { expect, it } from "vitest";
import { repoRoot } from "./helpers.ts";

function testFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === "node_modules" || e.name === "build") continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...testFiles(p));
    else if (e.name.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

const RUNS_GUEST = /\bcreateHost\(|\bcreateWorkers\(|\bfilterHost\(/;
const BOTH = /describe\.each\((BUILDS|\[\s*"(debug|release)",\s*"(debug|release)"\s*\](\s*as const)?)\)|for \(const \w+ of BUILDS\)/;

it("every SDK and filter test that runs guest code covers the debug and the release build", () => {
  const files = [...testFiles(join(repoRoot, "sdk/test")), ...testFiles(join(repoRoot, "filters")), ...testFiles(join(repoRoot, "compat/proxy-runtime"))];
  expect(files.length).toBeGreaterThan(10);
  const single = files.filter((f) => {
    const text = readFileSync(f, "utf8");
    return RUNS_GUEST.test(text) && !BOTH.test(text);
  }).map((f) => relative(repoRoot, f));
  expect(single, "these files test one build only: wrap their tests in describe.each(BUILDS)").toEqual([]);
});
