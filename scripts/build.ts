// `npm run build`: builds everything the repository's tests run.
//
// 1. Every AssemblyScript filter in the repository (any `<dir>/assembly/index.ts` outside
//    node_modules and the SDK's own sources: the shipped filters, the corpus fixtures, the SDK's
//    test fixtures) through @filterkit/cli's build, the code `filterkit build` runs in a user's
//    project (cli/src/compile/compile.ts: release + debug, the data section of release builds packed,
//    skipped when up to date). `--force` rebuilds everything; `--quiet` prints one summary line.
// 2. Every `compat/<sdk>/build.sh` (filters written with other SDKs — Rust, Go — built from source
//    with their own toolchains; each script is idempotent and quick when nothing changed), and
//    `scripts/build-istio-tools.sh istio-fetch` (Istio's own Wasm image fetcher, Go, from the pinned
//    module istio/tools, for cli/test/istio-fetch.test.ts; istioctl, Istio's xDS server and
//    pilot-agent are the Istio stage's, npm run test:istio). A script
//    that exits with 3 says this machine lacks its toolchain (the reason on its last stderr line):
//    the fixture is recorded as not built in .cache/foreign-builds.json, and its tests report
//    themselves as not run (compat/foreign.ts). A filter author needs only Node and npm. Under CI
//    (CI set) a missing toolchain is a build failure: CI always builds and tests every fixture.
//    `--no-foreign` skips them (the demo needs only the AssemblyScript filters, not Go or Rust).
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildFilters, errorLines, sizeNote } from "@filterkit/cli/build";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = new Set(process.argv.slice(2));
const force = args.has("--force");
const quiet = args.has("--quiet");
const foreign = !args.has("--no-foreign");
const ci = process.env.CI !== undefined && process.env.CI !== "" && process.env.CI !== "false";
const cacheDir = join(root, ".cache");
/** What became of each foreign-SDK fixture; read by compat/foreign.ts. */
const FOREIGN_STATUS = join(cacheDir, "foreign-builds.json");
/** A compat build script's "this machine lacks my toolchain" exit code. */
const NO_TOOLCHAIN = 3;
const SKIP_DIRS = new Set(["node_modules", "build", "dist", ".git", ".cache", "template"]);

/** Folders holding an `assembly/index.ts` entry, the SDK's own sources excepted. */
function findEntries(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || SKIP_DIRS.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (path === join(root, "sdk", "assembly")) continue;
    if (entry.name === "assembly" && existsSync(join(path, "index.ts"))) out.push(dir);
    else findEntries(path, out);
  }
  return out;
}

function run(cmd: string, argv: string[]): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    const child = spawn(cmd, argv, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("close", (code) => done({ code: code ?? 1, output }));
  });
}

const options = { root, cacheDir, force };
const report = await buildFilters(findEntries(root).sort(), {
  ...options,
  onResult: (r) => {
    if (r.note !== "") process.stderr.write(`note: ${relative(root, r.entry.dir)} (${r.target.target}): data section not packed: ${r.note}\n`);
    if (r.code !== 0) process.stderr.write(`\nbuild failed: ${relative(root, r.entry.dir)} (${r.target.target})\n${errorLines(r.output).length > 0 ? r.output : r.output || "asc printed nothing"}\n`);
  },
});

// foreign-SDK fixtures: one at a time (cargo and go parallelise internally)
// the Istio fetcher (istio/tools, Go) follows the same rules: Go missing → not built, tests not run
const scripts = foreign && existsSync(join(root, "compat"))
  ? [...readdirSync(join(root, "compat")).map((d) => join(root, "compat", d, "build.sh")).filter((f) => existsSync(f)).sort(), join(root, "scripts", "build-istio-tools.sh")]
  : [];
/** The name a build is recorded under: its folder (compat/rust-sdk), istio/tools for Istio's fetcher. */
const nameOf = (script: string): string => (script.endsWith("build-istio-tools.sh") ? "istio/tools" : relative(root, dirname(script)));
let scriptFailed = 0;
const status = (existsSync(FOREIGN_STATUS) ? JSON.parse(readFileSync(FOREIGN_STATUS, "utf8")) : {}) as Record<string, { built: boolean; reason?: string }>;
const unavailable: string[] = [];
for (const script of scripts) {
  const started = performance.now();
  const name = nameOf(script);
  // npm test needs only Istio's fetcher; the Istio stage (scripts/istio-stage.ts) builds the rest
  const r = await run("bash", name === "istio/tools" ? [script, "istio-fetch"] : [script]);
  if (r.code === NO_TOOLCHAIN) {
    const reason = r.output.trim().split("\n").pop() ?? "";
    status[name] = { built: false, reason };
    unavailable.push(`${name}: ${reason}`);
    if (ci) {
      scriptFailed++;
      process.stderr.write(`\nbuild failed: ${name} cannot be built on this machine, and CI must build it: ${reason}\n`);
    }
  } else if (r.code !== 0) {
    scriptFailed++;
    status[name] = { built: false, reason: `${relative(root, script)} failed` };
    process.stderr.write(`\nbuild failed: ${relative(root, script)}\n${r.output}\n`);
  } else {
    status[name] = { built: true };
    if (!quiet) console.log(`${name.padEnd(44)} ${r.output.trim().split("\n").pop()} (${Math.round(performance.now() - started)} ms)`);
  }
}
if (scripts.length > 0) {
  mkdirSync(dirname(FOREIGN_STATUS), { recursive: true });
  writeFileSync(FOREIGN_STATUS, `${JSON.stringify(status, null, 2)}\n`);
}

const notBuilt = unavailable.length > 0 && !ci ? `; not built, their tests will not run (no toolchain): ${unavailable.join("; ")}` : "";
if (quiet) {
  console.log(`build: ${report.results.length - report.failed} built, ${report.upToDate} up to date, ${report.failed} failed (${report.entries.length} AssemblyScript entries, release + debug each); ` +
    `${scripts.length - scriptFailed - (ci ? 0 : unavailable.length)} of ${scripts.length} foreign builds ok (Go and Rust fixtures, Istio's fetcher)${notBuilt}`);
} else {
  if (notBuilt !== "") console.log(`foreign-SDK fixtures${notBuilt}`);
  for (const entry of report.entries) {
    const rebuilt = report.results.filter((r) => r.entry === entry);
    const note = rebuilt.length > 0 ? `built in ${Math.round(Math.max(...rebuilt.map((r) => r.ms)))} ms` : "up to date";
    console.log(`${relative(root, entry.dir).padEnd(44)} ${entry.targets.map((t) => sizeNote(t, options)).join(", ").padEnd(52)} ${note}`);
  }
}
const failed = report.failed + scriptFailed;
if (failed > 0) {
  console.error(`${failed} build(s) failed`);
  process.exit(1);
}
