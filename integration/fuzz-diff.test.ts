// Differential fuzzing in CI: generated traffic (host-mock/src/traffic/generate.ts) through every
// chain in integration/fuzz/chains/ — the kit's fixtures, the shipped filters, the foreign-SDK
// fixtures — on the mock host and in real Envoy, for fixed seeds. Any difference fails, printed
// with the request that caused it and a scenario file under .cache/fuzz/ that replays the run
// (`npm run --silent scenario -- FILE --host both`). The same runs by hand: `npm run fuzz:diff -- --ci`.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { foreignFixture } from "../compat/foreign.ts";
import { CI_REQUESTS, CI_RUNS, describeDifferences, fuzzDiff, writeReplay } from "./src/fuzz-diff.ts";
import { recordEnvoyStart } from "./src/report.ts";
import { envoyRuntime } from "@filterkit/envoy";


const skip = envoyRuntime();
const dir = fileURLToPath(new URL("./fuzz/chains/", import.meta.url));
const chains = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
const out = fileURLToPath(new URL("../.cache/fuzz/ci/", import.meta.url));

/** Why a chain cannot run here: a foreign-SDK fixture this machine could not build (never in CI). */
function chainNotRun(file: string): string | null {
  const doc = JSON.parse(readFileSync(join(dir, file), "utf8")) as { plugins: Array<{ wasm: string }> };
  for (const p of doc.plugins) {
    const m = /compat\/([^/]+)\/build\//.exec(p.wasm);
    if (m !== null) {
      const why = foreignFixture(m[1], "built by its own toolchain").notRun;
      if (why !== null) return why;
    }
  }
  return null;
}

describe.skipIf(skip !== null)(`differential fuzzing: generated traffic on the mock host and in real Envoy${skip !== null ? ` — not run: ${skip}` : ""}`, { timeout: 120_000 }, () => {
  it("covers the kit's chains", () => {
    expect(chains).toEqual(expect.arrayContaining(["add-header.json", "header-echo.json", "rust-sdk.json", "go-sdk.json", "four-plugins.json"]));
  });

  // every (chain, seed) run is its own Envoy: they run side by side (vitest's maxConcurrency)
  for (const file of chains) {
    const notRun = chainNotRun(file);
    for (const { seed, profile } of CI_RUNS) {
      (notRun !== null ? it.skip : it.concurrent)(`${file}, seed ${seed}, ${CI_REQUESTS} ${profile} requests: no difference${notRun !== null ? ` — not run: ${notRun}` : ""}`, async () => {
        const run = await fuzzDiff(join(dir, file), seed, CI_REQUESTS, profile);
        if (run.envoy !== undefined) recordEnvoyStart(`fuzz ${file} ${seed}`, run.envoy);
        const replay = writeReplay(run, out);
        expect(run.differences.length, `${file} seed ${seed} (${profile}): the hosts disagree\n${describeDifferences(run)}\nreplay: npm run --silent scenario -- ${replay.differing ?? replay.all} --host both`).toBe(0);
      });
    }
  }
});
