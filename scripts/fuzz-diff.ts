// `npm run fuzz:diff -- [--chain FILE|DIR] [--seed S[,S…]] [--requests N] [--profile wire|hostile] [--out DIR]`
// `npm run fuzz:diff -- --ci [--chain FILE|DIR]`
// Generated traffic (host-mock/src/traffic/generate.ts) through filter chains on the mock host and
// in real Envoy; prints every difference with its seed and the request, and writes scenario files
// that replay each run (all requests, and only the differing ones) under DIR (default .cache/fuzz).
//   --chain     a scenario file (its plugins, callouts and upstream are used, its requests
//               replaced) or a directory of them (default integration/fuzz/chains: every chain)
//   --seed      one or more seeds, comma-separated (default 1)
//   --requests  requests per seed (default 200)
//   --profile   wire (default: common traffic and its corners) or hostile (a quarter attacks)
//   --ci        exactly what CI runs (integration/fuzz-diff.test.ts): CI_RUNS at CI_REQUESTS
// Exit codes: 0 no difference; 2 usage; 3 differences. Build first (`npm run build`).
import { readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { CI_REQUESTS, CI_RUNS, describeDifferences, fuzzDiff, writeReplay } from "../integration/src/fuzz-diff.ts";
import { envoyRuntime } from "@filterkit/envoy";

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : def;
}

const ci = process.argv.includes("--ci");
const profile = arg("profile", "wire");
const seeds = arg("seed", "1").split(",").map(Number);
const count = ci ? CI_REQUESTS : Number(arg("requests", "200"));
const target = resolve(arg("chain", "integration/fuzz/chains"));
const out = resolve(arg("out", ".cache/fuzz"));
if (seeds.some((s) => !Number.isInteger(s) || s < 0) || !Number.isInteger(count) || count < 1 || (profile !== "wire" && profile !== "hostile")) {
  console.error("usage: npm run fuzz:diff -- [--chain FILE|DIR] [--seed S[,S…]] [--requests N] [--profile wire|hostile] [--out DIR] | --ci");
  process.exit(2);
}
const runs = ci ? CI_RUNS : seeds.map((seed) => ({ seed, profile: profile as "wire" | "hostile" }));
const chains = statSync(target).isDirectory()
  ? readdirSync(target).filter((f) => f.endsWith(".json")).sort().map((f) => join(target, f))
  : [target];
const skip = envoyRuntime();
if (skip !== null) {
  console.error(`fuzz:diff needs real Envoy, but ${skip}`);
  process.exit(2);
}

let differing = 0;
let total = 0;
for (const chain of chains) {
  const name = relative(process.cwd(), chain);
  for (const { seed, profile: p } of runs) {
    const started = performance.now();
    let run;
    try {
      run = await fuzzDiff(chain, seed, count, p);
    } catch (e) {
      // e.g. a foreign-SDK fixture this machine could not build
      console.log(`${name} seed ${seed} (${p}): not run: ${(e as Error).message.split("\n")[0]}`);
      differing++;
      continue;
    }
    total++;
    const files = writeReplay(run, out);
    const ms = Math.round(performance.now() - started);
    if (run.differences.length === 0) {
      console.log(`${name} seed ${seed} (${p}): ${count} requests, no difference (${ms} ms)`);
      continue;
    }
    differing++;
    console.log(`${name} seed ${seed} (${p}): ${count} requests, ${run.differences.length} differences in ${new Set(run.differences.map((d) => d.request)).size} requests (${ms} ms)`);
    console.log(describeDifferences(run));
    console.log(`replay all: npm run --silent scenario -- ${files.all} --host both`);
    if (files.differing !== null) console.log(`replay the differing requests: npm run --silent scenario -- ${files.differing} --host both`);
  }
}
console.log(`${total} runs over ${chains.length} chain(s): ${differing === 0 ? "no difference" : `${differing} with differences or not run`}`);
process.exitCode = differing > 0 ? 3 : 0; // not exit(): let stdout drain first
