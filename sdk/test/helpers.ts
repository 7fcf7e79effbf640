// Shared helpers for the SDK tests: locate (and, when missing or stale, compile) fixture filters.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, mkdtempSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, "../..");
export const fixturesDir = join(here, "fixtures");

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "build" && entry.name !== "node_modules") newest = Math.max(newest, newestMtime(p));
    } else if (entry.name.endsWith(".ts")) {
      newest = Math.max(newest, statSync(p).mtimeMs);
    }
  }
  return newest;
}

/**
 * Path of `sdk/test/fixtures/<name>/build/<target>.wasm`. The project build script normally
 * produces it; if it is missing or older than the fixture or SDK sources, it is compiled here
 * (into a temporary directory, then renamed, so parallel test files never see a partial file).
 */
export function fixtureWasm(name: string, target: "debug" | "release" = "debug"): string {
  const dir = join(fixturesDir, name);
  const out = join(dir, "build", `${target}.wasm`);
  const sources = Math.max(newestMtime(join(dir, "assembly")), newestMtime(join(repoRoot, "sdk", "assembly")));
  if (existsSync(out) && statSync(out).mtimeMs >= sources) return out;
  mkdirSync(join(dir, "build"), { recursive: true });
  const tmp = mkdtempSync(join(dir, "build", ".tmp-"));
  try {
    const tmpOut = join(tmp, `${target}.wasm`);
    execFileSync(join(repoRoot, "node_modules", ".bin", "asc"), [
      join(dir, "assembly", "index.ts"), "--config", join(repoRoot, "asconfig.json"), "--target", target, "-o", tmpOut,
    ], { cwd: repoRoot, stdio: "pipe" });
    if (existsSync(`${tmpOut}.map`)) renameSync(`${tmpOut}.map`, `${out}.map`);
    renameSync(tmpOut, out);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return out;
}

/** Every fixture directory name. */
export function fixtureNames(): string[] {
  return readdirSync(fixturesDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(fixturesDir, d.name, "assembly", "index.ts")))
    .map((d) => d.name)
    .sort();
}

/** Deterministic PRNG (mulberry32) for the fuzz loops. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
