// Compiles AssemblyScript filters in release and debug form: what `filterkit build` runs, and
// what the kit's own repository builds its filters with (scripts/build.ts).
//
// A filter is a folder with `assembly/index.ts`. It is built with the targets of
// @filterkit/sdk/asconfig.json, or of an asconfig.json in the folder, which then wins (it may
// `"extends": "@filterkit/sdk/asconfig.json"` and change a few options):
//   <dir>/build/release.wasm  (+ .wasm.map)  optimised, what Envoy runs
//   <dir>/build/debug.wasm    (+ .wasm.map)  names section and source map, what traps are read from
// An asconfig.json may name another compiler package with "x-compiler" (resolved from the
// project; the kit's proxy-runtime compatibility fixture is built with "assemblyscript-0.14").
//
// A release build of AssemblyScript 0.28 then has its data section packed (wasm-pack-data.mjs):
// one compressed segment and a decoder run by `_initialize`, the source map shifted along; the
// packed file is the build output. The module as asc wrote it is kept in
// <cache>/unpacked/<path relative to the project>. Such a build is compiled and packed in a private
// folder under <cache> and renamed into place, so that a build running at the same time (or a test
// reading the module) never sees asc's module half-written or not yet packed.
//
// A target is skipped when its output is newer than every input (the filter's sources, the SDK's,
// the asconfig files, the packer for packed builds); `force` rebuilds.
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus } from "node:os";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { packFile } from "./wasm-pack-data.mjs";

const require = createRequire(import.meta.url);
/** @filterkit/sdk's folder: its sources are inputs of every build, its asconfig.json the default. */
export const SDK_DIR = dirname(require.resolve("@filterkit/sdk/package.json"));
export const SDK_ASCONFIG = join(SDK_DIR, "asconfig.json");
/** The post-link step of AssemblyScript 0.28 release builds: its sources are inputs of those builds. */
const PACKER = ["wasm-pack-data.mjs", "wasm-pack-codec.mjs"].map((f) => fileURLToPath(new URL(f, import.meta.url)));

export type TargetName = "release" | "debug";

export interface TargetPlan {
  target: TargetName;
  out: string;
  fresh: boolean;
  pack: boolean;
}

export interface EntryPlan {
  dir: string;
  configPath: string;
  compiler: string;
  ascBin: string;
  targets: TargetPlan[];
}

export interface TargetResult {
  entry: EntryPlan;
  target: TargetPlan;
  code: number;
  output: string;
  ms: number;
  /** why a release module was left unpacked, "" when it was packed (or too small to gain) */
  note: string;
}

export interface BuildOptions {
  /** the project: outputs are named relative to it, the cache and other compilers are found from it */
  root: string;
  /** where unpacked originals and staging folders go */
  cacheDir: string;
  force?: boolean;
  /** at most this many asc processes at once (default: cores, 2..4) */
  parallel?: number;
  /** called as each target finishes */
  onResult?: (r: TargetResult) => void;
}

export interface BuildReport {
  entries: EntryPlan[];
  results: TargetResult[];
  failed: number;
  upToDate: number;
}

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "build") continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...tsFiles(path));
    else if (name.endsWith(".ts") && !name.endsWith(".test.ts")) out.push(path);
  }
  return out;
}

const newestMtime = (files: string[]): number => files.reduce((m, f) => Math.max(m, existsSync(f) ? statSync(f).mtimeMs : 0), 0);

/** The asc binary of `compiler`: the kit's own AssemblyScript, or another package of the project's. */
function ascBinOf(compiler: string, root: string): string {
  const dir = compiler === "assemblyscript" ? packageDir("assemblyscript", import.meta.url) : packageDir(compiler, join(root, "package.json"));
  return join(dir, "bin", compiler === "assemblyscript" ? "asc.js" : "asc");
}

/**
 * A package's folder as Node would find it from `from` (its node_modules lookup paths), read from
 * the folders rather than its exports map (assemblyscript exports no bin/ and no package.json).
 */
function packageDir(name: string, from: string): string {
  const paths = createRequire(from).resolve.paths(name) ?? [];
  const found = paths.map((p) => join(p, name)).find((d) => existsSync(join(d, "package.json")));
  if (found === undefined) throw new Error(`the compiler package ${name} is not installed (looked in ${paths.slice(0, 3).join(", ")}, ...)`);
  return found;
}

/** The asconfig files a config extends, itself first (an `extends` naming a package is resolved from it). */
function configChain(path: string): string[] {
  const chain = [path];
  for (let at = path; chain.length < 8;) {
    const ext = (JSON.parse(readFileSync(at, "utf8")) as { extends?: string }).extends;
    if (ext === undefined) break;
    const from = createRequire(at);
    at = ext.startsWith(".") ? join(dirname(at), ext) : from.resolve(ext);
    chain.push(at);
  }
  return chain;
}

export function planEntry(dir: string, root: string, force = false): EntryPlan {
  const localConfig = join(dir, "asconfig.json");
  const configPath = existsSync(localConfig) ? localConfig : SDK_ASCONFIG;
  const config = JSON.parse(readFileSync(configPath, "utf8")) as { "x-compiler"?: string };
  const compiler = config["x-compiler"] ?? "assemblyscript";
  const ascBin = ascBinOf(compiler, root);
  const inputs = [...tsFiles(join(dir, "assembly")), ...configChain(configPath)];
  // the SDK a filter compiles against: its sources, not its tests and fixtures
  if (compiler === "assemblyscript") inputs.push(...tsFiles(join(SDK_DIR, "assembly")), ...["index.ts", "proxy.ts"].map((f) => join(SDK_DIR, f)));
  const newestInput = newestMtime(inputs);
  const targets = (["release", "debug"] as const).map((target): TargetPlan => {
    const out = join(dir, "build", `${target}.wasm`);
    const pack = target === "release" && compiler === "assemblyscript";
    const newest = pack ? Math.max(newestInput, newestMtime(PACKER)) : newestInput;
    const fresh = !force && existsSync(out) && statSync(out).mtimeMs > newest;
    return { target, out, fresh, pack };
  });
  return { dir, configPath, compiler, ascBin, targets };
}

function run(cmd: string, argv: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(cmd, argv, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", (e) => resolveRun({ code: 1, output: `${output}${e.message}\n` }));
    child.on("close", (code) => resolveRun({ code: code ?? 1, output }));
  });
}

async function buildTarget(entry: EntryPlan, target: TargetPlan, options: BuildOptions): Promise<TargetResult> {
  mkdirSync(dirname(target.out), { recursive: true });
  const started = performance.now();
  // asc resolves packages from its working directory (node_modules there) and names source files
  // in abort messages and maps relative to it: the project's root, so a trap names
  // `filters/x/assembly/index.ts`. An entry with a config of its own runs in its folder, so an
  // older compiler never reads the project's settings.
  const cwd = entry.configPath.startsWith(entry.dir) ? entry.dir : options.root;
  const entryFile = relative(cwd, join(entry.dir, "assembly", "index.ts"));
  mkdirSync(options.cacheDir, { recursive: true });
  // asc's output depends on the file's name, not its folder (the source map is named after it)
  const staging = target.pack ? mkdtempSync(join(options.cacheDir, "staging-")) : null;
  const written = staging === null ? target.out : join(staging, basename(target.out));
  const argv = [entry.ascBin, entryFile, "--config", relative(cwd, entry.configPath), "--target", target.target];
  argv.push(entry.compiler === "assemblyscript" ? "-o" : "-b", relative(cwd, written));
  let { code, output } = await run(process.execPath, argv, cwd);
  let note = "";
  if (code === 0 && target.pack) {
    try {
      note = packRelease(written, target.out, options);
    } catch (e) {
      code = 1;
      output += `packing the data section failed: ${e instanceof Error ? e.stack : String(e)}\n`;
    }
  }
  if (staging !== null) rmSync(staging, { recursive: true, force: true });
  return { entry, target, code, output, ms: performance.now() - started, note };
}

/** Where a packed release module's unpacked original is kept. */
export function unpackedPath(out: string, options: Pick<BuildOptions, "root" | "cacheDir">): string {
  return join(options.cacheDir, "unpacked", relative(options.root, out));
}

/**
 * Keeps the module asc wrote at `written` (and its map) under <cache>/unpacked, packs its data
 * section, and moves it to `out`, each file replaced whole (the map first: a module is never newer
 * than its map). Returns why, when the module was left as it was for a reason other than size.
 */
function packRelease(written: string, out: string, options: BuildOptions): string {
  const keep = unpackedPath(out, options);
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

/** "<target> <size> B", with what asc wrote when the data section was packed. */
export function sizeNote(target: TargetPlan, options: Pick<BuildOptions, "root" | "cacheDir">): string {
  if (!existsSync(target.out)) return `${target.target} missing`;
  const size = statSync(target.out).size;
  const keep = unpackedPath(target.out, options);
  const before = target.pack && existsSync(keep) ? statSync(keep).size : size;
  return `${target.target} ${size} B${before !== size ? ` (asc: ${before} B)` : ""}`;
}

/** Builds every target of `dirs` that is not up to date, a few asc processes at a time. */
export async function buildFilters(dirs: string[], options: BuildOptions): Promise<BuildReport> {
  const entries = dirs.map((d) => planEntry(d, options.root, options.force));
  const jobs = entries.flatMap((entry) => entry.targets.filter((t) => !t.fresh).map((target) => ({ entry, target })));
  const width = options.parallel ?? Math.max(2, Math.min(cpus().length, 4));
  const results: TargetResult[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const job = jobs[next++];
      const r = await buildTarget(job.entry, job.target, options);
      results.push(r);
      options.onResult?.(r);
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return { entries, results, failed: results.filter((r) => r.code !== 0).length, upToDate: entries.length * 2 - jobs.length };
}

/** The lines of asc's output that say what went wrong. */
export function errorLines(output: string): string[] {
  return output.split("\n").filter((l) => /ERROR|FAILURE|Error:/.test(l));
}
