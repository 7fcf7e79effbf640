#!/usr/bin/env node
// Compiles every AssemblyScript filter in the repository, in release and debug form.
//
// An entry is any `<dir>/assembly/index.ts` outside node_modules and the SDK's own sources. Each
// entry is built twice with the targets of the root asconfig.json (or of an asconfig.json sitting
// in <dir>, which then wins):
//   <dir>/build/release.wasm  (+ .wasm.map)  optimised, what Envoy runs
//   <dir>/build/debug.wasm    (+ .wasm.map)  names section and source map, what traps are read from
// An asconfig.json in <dir> may name another compiler package with "x-compiler" (the proxy-runtime
// compatibility fixture is built with "assemblyscript-0.14", the compiler that SDK requires).
//
// Builds are skipped when both outputs are newer than every input (the entry's sources, the SDK,
// the asconfig files). `--force` rebuilds everything; `--quiet` prints one summary line (and failures).
//
// Then every `compat/<sdk>/build.sh` runs (filters written with other SDKs — Rust, Go — built from
// source with their own toolchains; each script is idempotent and quick when nothing changed).
// A script that exits with 3 says this machine lacks its toolchain (the reason on its last stderr
// line): the fixture is recorded as not built in .cache/foreign-builds.json, and its tests report
// themselves as not run (compat/foreign.ts). A filter author needs only Node and npm. Under CI
// (CI set) a missing toolchain is a build failure: CI always builds and tests every fixture.
// `--no-foreign` skips them (the demo needs only the AssemblyScript filters, not Go or Rust).
import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync, mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = new Set(process.argv.slice(2));
const force = args.has("--force");
const quiet = args.has("--quiet");
const foreign = !args.has("--no-foreign"); // the demo needs only the AssemblyScript filters
const SKIP_DIRS = new Set(["node_modules", "build", ".git", ".cache"]);
const sdkSources = join(root, "sdk");
const ci = process.env.CI !== undefined && process.env.CI !== "" && process.env.CI !== "false";
/** What became of each foreign-SDK fixture; read by compat/foreign.ts. */
const FOREIGN_STATUS = join(root, ".cache", "foreign-builds.json");
/** A compat build script's "this machine lacks my toolchain" exit code. */
const NO_TOOLCHAIN = 3;

/** Every file under `dir` whose name ends with `.ts`, recursively. */
function tsFiles(dir) {
  const out = [];
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (SKIP_DIRS.has(name)) continue;
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) out.push(...tsFiles(path));
    else if (name.endsWith(".ts") && !name.endsWith(".test.ts")) out.push(path);
  }
  return out;
}

/** Directories that hold an `assembly/index.ts` entry. */
function findEntries(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (SKIP_DIRS.has(name)) continue;
    const path = join(dir, name);
    if (!statSync(path).isDirectory()) continue;
    if (path === join(sdkSources, "assembly")) continue;
    if (name === "assembly" && existsSync(join(path, "index.ts"))) out.push(dir);
    else findEntries(path, out);
  }
  return out;
}

function newestMtime(files) {
  let newest = 0;
  for (const f of files) newest = Math.max(newest, statSync(f).mtimeMs);
  return newest;
}

function planEntry(dir) {
  const localConfig = join(dir, "asconfig.json");
  const configPath = existsSync(localConfig) ? localConfig : join(root, "asconfig.json");
  const config = JSON.parse(readFileSync(configPath, "utf8"));
  const compiler = config["x-compiler"] ?? "assemblyscript";
  const ascBin = join(root, "node_modules", compiler, "bin", compiler === "assemblyscript" ? "asc.js" : "asc");
  const inputs = [...tsFiles(join(dir, "assembly")), configPath, join(root, "asconfig.json")];
  // the SDK a filter compiles against: its sources, not its tests and fixtures
  if (compiler === "assemblyscript") inputs.push(...tsFiles(join(sdkSources, "assembly")), join(sdkSources, "index.ts"), join(sdkSources, "proxy.ts"));
  const newestInput = newestMtime(inputs);
  const targets = ["release", "debug"].map((target) => {
    const out = join(dir, "build", `${target}.wasm`);
    const fresh = !force && existsSync(out) && statSync(out).mtimeMs > newestInput;
    return { target, out, fresh };
  });
  return { dir, configPath, compiler, ascBin, targets };
}

function run(cmd, argv, cwd) {
  return new Promise((resolveRun) => {
    const child = spawn(cmd, argv, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("close", (code) => resolveRun({ code: code ?? 1, output }));
  });
}

async function buildTarget(entry, target) {
  mkdirSync(dirname(target.out), { recursive: true });
  const started = performance.now();
  // asc resolves the config relative to its working directory; run it from the entry's folder
  // when the entry has its own config, so an older compiler never reads the root config.
  const ownConfig = entry.configPath.startsWith(entry.dir);
  const cwd = ownConfig ? entry.dir : root;
  const entryFile = relative(cwd, join(entry.dir, "assembly", "index.ts"));
  const outFile = relative(cwd, target.out);
  const argv = [entry.ascBin, entryFile, "--config", relative(cwd, entry.configPath), "--target", target.target];
  argv.push(entry.compiler === "assemblyscript" ? "-o" : "-b", outFile);
  const { code, output } = await run(process.execPath, argv, cwd);
  const ms = performance.now() - started;
  const errors = output.split("\n").filter((l) => /ERROR|FAILURE|Error:/.test(l));
  return { code, output, errors, ms };
}

async function main() {
  const entries = findEntries(root).sort().map(planEntry);
  const jobs = [];
  for (const entry of entries) for (const target of entry.targets) if (!target.fresh) jobs.push({ entry, target });
  const width = Math.max(2, Math.min(cpus().length, 4));
  let failed = 0;
  let next = 0;
  const results = [];
  async function worker() {
    while (next < jobs.length) {
      const job = jobs[next++];
      const r = await buildTarget(job.entry, job.target);
      results.push({ ...job, ...r });
      if (r.code !== 0) {
        failed++;
        process.stderr.write(`\nbuild failed: ${relative(root, job.entry.dir)} (${job.target.target})\n${r.output}\n`);
      }
    }
  }
  await Promise.all(Array.from({ length: width }, worker));
  // foreign-SDK fixtures: one at a time (cargo and go parallelise internally)
  const scripts = foreign && existsSync(join(root, "compat"))
    ? readdirSync(join(root, "compat")).map((d) => join(root, "compat", d, "build.sh")).filter((f) => existsSync(f)).sort()
    : [];
  let scriptFailed = 0;
  const status = existsSync(FOREIGN_STATUS) ? JSON.parse(readFileSync(FOREIGN_STATUS, "utf8")) : {};
  const unavailable = [];
  for (const script of scripts) {
    const started = performance.now();
    const name = relative(root, dirname(script));
    const r = await run("bash", [script], root);
    if (r.code === NO_TOOLCHAIN) {
      const reason = r.output.trim().split("\n").pop();
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
  failed += scriptFailed;
  const notBuilt = unavailable.length > 0 && !ci ? `; not built, their tests will not run (no toolchain): ${unavailable.join("; ")}` : "";
  if (quiet) {
    const fresh = entries.length * 2 - jobs.length;
    const asFailed = failed - scriptFailed;
    console.log(`build: ${jobs.length - asFailed} built, ${fresh} up to date, ${asFailed} failed (${entries.length} AssemblyScript entries, release + debug each); ` +
      `${scripts.length - scriptFailed - (ci ? 0 : unavailable.length)} of ${scripts.length} foreign-SDK builds ok${notBuilt}`);
  } else {
    if (notBuilt !== "") console.log(`foreign-SDK fixtures${notBuilt}`);
    for (const entry of entries) {
      const sizes = entry.targets.map((t) => (existsSync(t.out) ? `${t.target} ${statSync(t.out).size} B` : `${t.target} missing`));
      const rebuilt = results.filter((r) => r.entry === entry);
      const note = rebuilt.length ? `built in ${Math.round(Math.max(...rebuilt.map((r) => r.ms)))} ms` : "up to date";
      console.log(`${relative(root, entry.dir).padEnd(44)} ${sizes.join(", ").padEnd(36)} ${note}`);
    }
  }
  if (failed) {
    console.error(`${failed} build(s) failed`);
    process.exit(1);
  }
}

await main();
