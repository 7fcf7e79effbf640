// `npm run fuzz:diff -- [--seed S[,S…]] [--requests N] [--chain FILE] [--profile wire|hostile] [--out DIR]`: generated
// traffic (host-mock/src/traffic/generate.ts) through a filter chain on the mock host and in real
// Envoy; prints every difference with its seed and writes scenario files that replay the run
// (all requests, and only the differing ones) under DIR (default .cache/fuzz).
//   --chain FILE   any scenario file: its plugins, callouts and upstream are used, its requests
//                  replaced (default integration/fuzz/chains/add-header.json)
//   --seed         one or more seeds, comma-separated (default 1)
//   --requests     requests per seed (default 200)
//   --profile      wire (default: common traffic and its corners) or hostile (a quarter attacks)
// Exit codes: 0 no difference; 2 usage; 3 differences. Build first (`npm run build`).
import { resolve } from "node:path";
import { describeDifferences, fuzzDiff, writeReplay } from "../integration/src/fuzz-diff.ts";
import { envoyRuntime } from "../integration/src/runtime.ts";

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : def;
}

const seeds = arg("seed", "1").split(",").map(Number);
const count = Number(arg("requests", "200"));
const chain = resolve(arg("chain", "integration/fuzz/chains/add-header.json"));
const out = resolve(arg("out", ".cache/fuzz"));
const profile = arg("profile", "wire");
if (seeds.some((s) => !Number.isInteger(s) || s < 0) || !Number.isInteger(count) || count < 1 || (profile !== "wire" && profile !== "hostile")) {
  console.error("usage: npm run fuzz:diff -- [--seed S[,S…]] [--requests N] [--chain FILE] [--profile wire|hostile] [--out DIR]");
  process.exit(2);
}
const skip = envoyRuntime();
if (skip !== null) {
  console.error(`fuzz:diff needs real Envoy, but ${skip}`);
  process.exit(2);
}

let differing = 0;
for (const seed of seeds) {
  const started = performance.now();
  const run = await fuzzDiff(chain, seed, count, profile);
  const files = writeReplay(run, out);
  const ms = Math.round(performance.now() - started);
  const requests = new Set(run.differences.map((d) => d.request)).size;
  if (run.differences.length === 0) {
    console.log(`seed ${seed}: ${count} requests through ${chain}: no difference (${ms} ms, Envoy ${run.envoy?.version ?? "?"}); replay: ${files.all}`);
    continue;
  }
  differing++;
  console.log(`seed ${seed}: ${count} requests through ${chain}: ${run.differences.length} differences in ${requests} requests (${ms} ms)`);
  console.log(describeDifferences(run));
  console.log(`replay all: npm run --silent scenario -- ${files.all} --host both`);
  if (files.differing !== null) console.log(`replay the differing requests: npm run --silent scenario -- ${files.differing} --host both`);
}
process.exitCode = differing > 0 ? 3 : 0; // not exit(): let stdout drain first
