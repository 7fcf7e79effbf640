// Differential fuzzing: generated traffic (host-mock/src/traffic/generate.ts) through one filter
// chain on the mock host and in real Envoy, every difference listed with the request that caused it
// and a scenario file that replays the run. A chain is any scenario file: its plugins, callouts and
// default upstream answer are kept, its requests replaced by the generated ones.
// Used by `npm run fuzz:diff` (scripts/fuzz-diff.ts) and by CI (integration/fuzz-diff.test.ts).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseScenario, mockOutcome } from "@filterkit/host-mock/scenario";
import { generateTraffic, type RequestDoc, type TrafficOptions } from "@filterkit/host-mock";
import { compareRuns, envoyOutcome, type Difference, type EnvoyRun } from "@filterkit/envoy";

/** The runs CI makes per chain (integration/fuzz-diff.test.ts, `npm run fuzz:diff -- --ci`): a few hundred requests each. */
export const CI_RUNS: ReadonlyArray<{ seed: number; profile: "wire" | "hostile" }> = [
  { seed: 101, profile: "wire" }, { seed: 102, profile: "wire" }, { seed: 103, profile: "hostile" },
];
export const CI_REQUESTS = 200;

const SCHEMA = fileURLToPath(new URL("../../host-mock/src/scenario/scenario.schema.json", import.meta.url));

export interface FuzzRun {
  chain: string;
  seed: number;
  profile: NonNullable<TrafficOptions["profile"]>;
  /** the generated scenario document, wasm paths absolute */
  doc: ChainDoc & { requests: RequestDoc[] };
  differences: Difference[];
  envoy: EnvoyRun["envoy"] | undefined;
}

type ChainDoc = { plugins: Array<{ wasm: string } & Record<string, unknown>>; [k: string]: unknown };

/** The chain file's document with its plugins' wasm paths made absolute. */
function loadChain(file: string): ChainDoc {
  const doc = JSON.parse(readFileSync(file, "utf8")) as ChainDoc;
  for (const p of doc.plugins) if (!isAbsolute(p.wasm)) p.wasm = resolve(dirname(file), p.wasm);
  return doc;
}

/** Runs `count` requests generated from `seed` (in the given traffic profile) through the chain on both hosts. */
export async function fuzzDiff(chainFile: string, seed: number, count: number, profile: TrafficOptions["profile"] = "wire"): Promise<FuzzRun> {
  const chain = loadChain(chainFile);
  const { expect: _expect, requests: _requests, ...rest } = chain;
  const doc = {
    ...rest, description: `generated: ${count} ${profile} requests from seed ${seed} through ${basename(chainFile)}`,
    requests: generateTraffic({ seed, count, profile }),
  };
  const scenario = parseScenario(doc, chainFile);
  const mock = mockOutcome(scenario);
  let facts: EnvoyRun["envoy"] | undefined;
  const envoy = await envoyOutcome(scenario, (run) => { facts = run.envoy; });
  return { chain: chainFile, seed, profile, doc, differences: compareRuns(mock, envoy), envoy: facts };
}

/**
 * Writes the run as scenario files under `dir`: the whole run, and (when some requests differed)
 * only those requests — wasm paths relative to the file, as the corpus writes them. Returns the paths.
 */
export function writeReplay(run: FuzzRun, dir: string): { all: string; differing: string | null } {
  mkdirSync(dir, { recursive: true });
  const stem = `${basename(run.chain, ".json")}-${run.profile}-seed${run.seed}`;
  const relocate = (doc: FuzzRun["doc"], file: string): object => ({
    $schema: relative(dirname(file), SCHEMA),
    ...doc,
    plugins: doc.plugins.map((p) => ({ ...p, wasm: relative(dirname(file), p.wasm) })),
  });
  const all = join(dir, `${stem}.json`);
  writeFileSync(all, `${JSON.stringify(relocate(run.doc, all), null, 2)}\n`);
  const bad = [...new Set(run.differences.map((d) => d.request).filter((r): r is number => r !== null))].sort((a, b) => a - b);
  if (bad.length === 0) return { all, differing: null };
  const differing = join(dir, `${stem}-differing.json`);
  const subset = { ...run.doc, description: `${run.doc.description}: only the requests that differed (${bad.join(", ")})`, requests: bad.map((i) => run.doc.requests[i]) };
  writeFileSync(differing, `${JSON.stringify(relocate(subset, differing), null, 2)}\n`);
  return { all, differing };
}

/** One block per differing request: what it was (method, path, note) and each field that differed. */
export function describeDifferences(run: FuzzRun, limit = 20): string {
  const byRequest = new Map<number | null, Difference[]>();
  for (const d of run.differences) byRequest.set(d.request, [...(byRequest.get(d.request) ?? []), d]);
  const clip = (v: unknown): string => {
    const s = JSON.stringify(v);
    return s.length > 600 ? `${s.slice(0, 600)}… (${s.length} chars)` : s;
  };
  const blocks = [...byRequest].slice(0, limit).map(([i, ds]) => {
    const r = i === null ? undefined : run.doc.requests[i];
    const head = i === null ? "the run" : `request ${i}: ${r?.method} ${clip(r?.path)}${r?.note !== undefined ? ` — ${r.note}` : ""}`;
    return [head, ...ds.map((d) => `  ${d.field}\n    mock:  ${clip(d.mock)}\n    envoy: ${clip(d.envoy)}`)].join("\n");
  });
  const more = byRequest.size > limit ? `\n… and ${byRequest.size - limit} more requests with differences` : "";
  return blocks.join("\n") + more;
}
