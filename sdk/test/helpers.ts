// Shared helpers for the SDK tests: locate the fixture filters and make fuzz inputs.
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SeededRandom } from "@filterkit/host-mock";

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, "../..");
export const fixturesDir = join(here, "fixtures");

/**
 * Path of `sdk/test/fixtures/<name>/build/<target>.wasm`, which `npm run build` (run by `npm test`)
 * produces. A missing build is an error that says how to make it, not a silent rebuild here.
 */
export function fixtureWasm(name: string, target: Build = "debug"): string {
  const out = join(fixturesDir, name, "build", `${target}.wasm`);
  if (!existsSync(out)) throw new Error(`${out} is missing: run \`npm run build\` (npm test does it first)`);
  return out;
}

/** Every fixture directory name. */
export function fixtureNames(): string[] {
  return readdirSync(fixturesDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(fixturesDir, d.name, "assembly", "index.ts")))
    .map((d) => d.name)
    .sort();
}

/** Deterministic fuzz input: a number in [0, 1) per call, from the host's seeded generator. */
export function prng(seed: number): () => number {
  const r = new SeededRandom(seed);
  return () => r.nextU32() / 4294967296;
}

/**
 * The two builds of every fixture. Envoy runs the optimised release build; the debug build is what
 * trap reports are read from. Tests that exercise guest code run on both (`describe.each(BUILDS)`):
 * the optimiser must not change what a filter does.
 */
export const BUILDS = ["debug", "release"] as const;
export type Build = (typeof BUILDS)[number];
