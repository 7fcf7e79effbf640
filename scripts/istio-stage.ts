// `npm run test:istio`: the Istio stage — istio/test/*.test.ts with istio/vitest.config.ts, which
// first builds Istio's programs from istio/tools (istioctl, the xDS server, pilot-agent). It is
// apart from npm test because that build costs minutes from empty Go caches (see istio/README.md).
//
//   npm run test:istio                    run it (on demand: always runs)
//   npm run test:istio -- --if-changed    CI's mode: run it only when its inputs differ from those of
//                                         its last pass on this machine (.cache/istio/stage-pass.json)
//   ... -- --report FILE                  vitest's JSON report there (CI counts it)
//
// Its inputs are the files that decide what it proves: Istio's version and programs (istio/),
// how they are built (scripts/build-istio-tools.sh), the image format and the WasmPlugin
// (cli/src/oci, cli/src/istio, the package and istio commands), the registry the tests push to,
// the Envoy version, and the filters' documented WasmPlugins (their sha256 changes with each
// build of a filter). Their digest is over the files' paths and git blob ids, so a clean clone
// computes the same digest as the working tree it came from.
//
// With --if-changed and unchanged inputs it prints why it did not run and exits 0 writing no
// report: the summary then counts nothing for it (it neither passed nor failed in this run).
// After a run in which every test passed (none skipped), it records the inputs' digest, the
// counts and the durations in .cache/istio/stage-pass.json.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const STAMP = join(repo, ".cache/istio/stage-pass.json");

/** What the stage's result depends on (paths or folders, relative to the repository). */
export const STAGE_INPUTS = [
  "istio",
  "scripts/build-istio-tools.sh",
  "scripts/istio-stage.ts",
  "cli/src/oci",
  "cli/src/istio",
  "cli/src/commands/package.ts",
  "cli/src/commands/istio.ts",
  "cli/test/registry-fixture.ts",
  "cli/test/run-filterkit.ts",
  "envoy/runtime/setup-envoy-runtime.sh",
  "envoy/runtime/envoy-image.sh",
  "filters/auth/istio.yaml",
  "filters/header-rewrite/istio.yaml",
  "filters/rate-limit/istio.yaml",
];

interface StagePass {
  inputs: string;
  passed: number;
  at: string;
  seconds: { total: number };
}

/** sha256 over the inputs' paths and git blob ids of their content in the working tree: tracked
 *  files and new ones not yet added alike, so a file counts the same edited, committed or not */
export function inputsDigest(root = repo): string {
  const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "--", ...STAGE_INPUTS], { cwd: root, encoding: "utf8" })
    .split("\n").filter((f) => f !== "" && existsSync(join(root, f)));
  const unique = [...new Set(files)].sort();
  const blobs = execFileSync("git", ["hash-object", "--stdin-paths"], { cwd: root, encoding: "utf8", input: unique.join("\n") }).split("\n").filter(Boolean);
  return createHash("sha256").update(unique.map((f, i) => `${blobs[i]} ${f}`).join("\n")).digest("hex");
}

function main(): number {
  const args = process.argv.slice(2);
  const ifChanged = args.includes("--if-changed");
  const reportAt = args.indexOf("--report");
  const report = reportAt >= 0 ? args[reportAt + 1] : undefined;
  const digest = inputsDigest();
  if (ifChanged && existsSync(STAMP)) {
    const last = JSON.parse(readFileSync(STAMP, "utf8")) as StagePass;
    if (last.inputs === digest) {
      console.log(`istio stage: not run — its inputs are unchanged since it passed on this machine at ${last.at} (${last.passed} passed in ${last.seconds.total} s); npm run test:istio runs it`);
      return 0;
    }
  }
  const t0 = performance.now();
  const vitestArgs = ["vitest", "run", "-c", "istio/vitest.config.ts", "--reporter=default", "--reporter=./scripts/not-run-reporter.ts"];
  const out = report ?? join(repo, ".cache/vitest-istio-report.json");
  vitestArgs.push("--reporter=json", `--outputFile.json=${out}`);
  const r = spawnSync("npx", vitestArgs, { cwd: repo, stdio: "inherit" });
  const seconds = Math.round((performance.now() - t0) / 1000);
  const results = existsSync(out) ? (JSON.parse(readFileSync(out, "utf8")) as { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number; numTotalTests: number }) : null;
  const clean = r.status === 0 && results !== null && results.numTotalTests > 0 && results.numFailedTests === 0 && results.numPendingTests === 0 && results.numTodoTests === 0;
  console.log(`istio stage: ${results === null ? "no report" : `${results.numPassedTests} passed, ${results.numFailedTests} failed`} in ${seconds} s (Istio's programs built first: see "istio stage:" lines above)`);
  if (clean) {
    mkdirSync(dirname(STAMP), { recursive: true });
    const pass: StagePass = { inputs: digest, passed: results.numPassedTests, at: new Date().toISOString(), seconds: { total: seconds } };
    writeFileSync(STAMP, `${JSON.stringify(pass, null, 2)}\n`);
  }
  return clean ? 0 : 1;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exit(main());
