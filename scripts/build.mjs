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
// A release build of AssemblyScript 0.28 (not debug builds, not entries built with another
// compiler) then has its data section packed by scripts/wasm-pack-data.mjs: one compressed segment
// and a decoder run by `_initialize`, the source map shifted along; the packed file is the build
// output. The module as asc wrote it is kept in .cache/unpacked/<same path> (with its map), which
// the packer's tests compare against. Such a build is compiled and packed in a private folder under
// .cache and then renamed into place, so that a build running at the same time (or a test reading
// the module) never sees asc's module half-written or not yet packed.
//
// Builds are skipped when both outputs are newer than every input (the entry's sources, the SDK,
// the asconfig files, and for packed release builds the packer). `--force` rebuilds everything;
// `--quiet` prints one summary line (and failures).
//
// Then every `compat/<sdk>/build.sh` runs (filters written with other SDKs — Rust, Go — built from
// source with their own toolchains; each script is idempotent and quick when nothing changed).
// A script that exits with 3 says this machine lacks its toolchain (the reason on its last stderr
// line): the fixture is recorded as not built in .cache/foreign-builds.json, and its tests report
// themselves as not run (compat/foreign.ts). A filter author needs only Node and npm. Under CI
// (CI set) a missing toolchain is a build failure: CI always builds and tests every fixture.
// `--no-foreign` skips them (the demo needs only the AssemblyScript filters, not Go or Rust).
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { packFile } from "./wasm-pack-data.mjs";

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
/** The post-link step of AssemblyScript 0.28 release builds: its sources are inputs of those builds. */
const PACKER = ["wasm-pack-data.mjs", "wasm-pack-codec.mjs"].map((f) => join(root, "scripts", f));
/** Where a packed release module's unpacked original is kept, at its path relative to the root. */
const UNPACKED = join(root, ".cache", "unpacked");

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
    const pack = target === "release" && compiler === "assemblyscript";
    const newest = pack ? Math.max(newestInput, newestMtime(PACKER)) : newestInput;
    const fresh = !force && existsSync(out) && statSync(out).mtimeMs > newest;
    return { target, out, fresh, pack };
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
  // asc's output depends on the file's name, not its folder (the source map is named after it)
  mkdirSync(join(root, ".cache"), { recursive: true });
  const staging = target.pack ? mkdtempSync(join(root, ".cache", "staging-")) : null;
  const written = staging === null ? target.out : join(staging, basename(target.out));
  const argv = [entry.ascBin, entryFile, "--config", relative(cwd, entry.configPath), "--target", target.target];
  argv.push(entry.compiler === "assemblyscript" ? "-o" : "-b", relative(cwd, written));
  let { code, output } = await run(process.execPath, argv, cwd);
  let note = "";
  if (code === 0 && target.pack) {
    try {
      note = packRelease(written, target.out);
    } catch (e) {
      code = 1;
      output += `packing the data section failed: ${e instanceof Error ? e.stack : String(e)}\n`;
    }
  }
  if (staging !== null) rmSync(staging, { recursive: true, force: true });
  const ms = performance.now() - started;
  const errors = output.split("\n").filter((l) => /ERROR|FAILURE|Error:/.test(l));
  return { code, output, errors, ms, note };
}

/**
 * Keeps the module asc wrote at `written` (and its map) under .cache/unpacked, packs its data
 * section there, and moves it to `out`, each file replaced whole (the map first: a module is never
 * newer than its map). Returns why, when the module was left as it was for a reason other than
 * size ("" else).
 */
function packRelease(written, out) {
  const keep = join(UNPACKED, relative(root, out));
  mkdirSync(dirname(keep), { recursive: true });
  for (const suffix of [".map", ""]) {
    if (!existsSync(`${written}${suffix}`)) continue;
    copyFileSync(`${written}${suffix}`, `${keep}${suffix}.${process.pid}`);
    renameSync(`${keep}${suffix}.${process.pid}`, `${keep}${suffix}`);
  }
  const result = packFile(written);
  for (const suffix of [".map", ""]) if (existsSync(`${written}${suffix}`)) renameSync(`${written}${suffix}`, `${out}${suffix}`);
  return result.packed || result.reason === undefined || /would not make it smaller/.test(result.reason) ? "" : result.reason;
}

/** "<size> B", and what asc wrote when the data section was packed. */
function sizeNote(target) {
  if (!existsSync(target.out)) return `${target.target} missing`;
  const size = statSync(target.out).size;
  const keep = join(UNPACKED, relative(root, target.out));
  const before = target.pack && existsSync(keep) ? statSync(keep).size : size;
  return `${target.target} ${size} B${before !== size ? ` (asc: ${before} B)` : ""}`;
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
      if (r.note !== "") process.stderr.write(`note: ${relative(root, job.entry.dir)} (${job.target.target}): data section not packed: ${r.note}\n`);
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
      const sizes = entry.targets.map(sizeNote);
      const rebuilt = results.filter((r) => r.entry === entry);
      const note = rebuilt.length ? `built in ${Math.round(Math.max(...rebuilt.map((r) => r.ms)))} ms` : "up to date";
      console.log(`${relative(root, entry.dir).padEnd(44)} ${sizes.join(", ").padEnd(52)} ${note}`);
    }
  }
  if (failed) {
    console.error(`${failed} build(s) failed`);
    process.exit(1);
  }
}

await main();
