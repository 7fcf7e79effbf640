// The mock-host fuzz harness: generated traffic (traffic/generate.ts, the generator the
// differential fuzzer uses against real Envoy) through a filter chain on the mock host, by the
// hundred thousand, to show the filters never trap. Each request goes the way a scenario request
// goes (Envoy's codec at both edges, the scenario's client and upstream: scenario/run-mock.ts), with
// traps thrown instead of Envoy's failure policy. A trap is reported with the generated request that
// caused it, its seed and index, the filter's own stack (TrapError), and a scenario document that
// replays it; the VMs are then started afresh and the run goes on, up to `maxTraps`.
//
//   const report = fuzzChain("filters/my-filter/fuzz-chain.json", { requests: 100_000, seed: 1 });
//   expect(report.traps.map(formatFuzzTrap)).toEqual([]);
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { createChain } from "./chain.ts";
import { TrapError, VmFailedError } from "./errors.ts";
import { parseScenario, requestOf, ScenarioError } from "./scenario/format.ts";
import { runRequest, startPlugins } from "./scenario/run-mock.ts";
import { traffic, type RequestDoc, type TrafficOptions } from "./traffic/generate.ts";

export interface FuzzOptions {
  /** default 1 */
  seed?: number;
  /** default 10,000 */
  requests?: number;
  /** default "hostile" */
  profile?: TrafficOptions["profile"];
  /** stop after this many traps (default 1) */
  maxTraps?: number;
  /**
   * Changes each generated request before it is sent (deterministically, from its index), so a
   * filter's fuzz test can aim at what the filter reads: an auth filter adds mangled credentials,
   * a rate limiter the keys it counts by. The replay carries the decorated request.
   */
  decorate?: (request: RequestDoc, index: number) => RequestDoc;
}

/** A request that made a plugin trap, or that the chain could never finish. */
export interface FuzzTrap {
  seed: number;
  /** its index in the generated traffic */
  index: number;
  request: RequestDoc;
  /** the trap (callback, context, last host calls, abort message, the filter's stack), or why the exchange could not end */
  error: TrapError | ScenarioError;
  /** a scenario document with the chain and this one request: `npm run scenario` replays it */
  replay: object;
}

export interface FuzzReport {
  seed: number;
  profile: NonNullable<TrafficOptions["profile"]>;
  /** how many requests ran */
  requests: number;
  traps: FuzzTrap[];
  /** how many requests ended with each status (0: reset) */
  statuses: Record<number, number>;
  ms: number;
}

type ChainDoc = { plugins: Array<{ wasm: string } & Record<string, unknown>>; requests?: unknown; expect?: unknown } & Record<string, unknown>;

/** The chain as a scenario document without requests, wasm paths absolute. */
function chainDoc(chain: string | ChainDoc, base: string): ChainDoc {
  const doc = (typeof chain === "string" ? JSON.parse(readFileSync(chain, "utf8")) : structuredClone(chain)) as ChainDoc;
  const dir = typeof chain === "string" ? dirname(resolve(chain)) : base;
  for (const p of doc.plugins) if (!isAbsolute(p.wasm)) p.wasm = resolve(dir, p.wasm);
  delete doc.requests;
  delete doc.expect;
  return doc;
}

/**
 * Runs generated traffic through `chain` (a scenario file, or a scenario document whose relative
 * wasm paths are resolved against `base`) on the mock host.
 */
export function fuzzChain(chain: string | ChainDoc, options: FuzzOptions & { base?: string } = {}): FuzzReport {
  const seed = options.seed ?? 1;
  const count = options.requests ?? 10_000;
  const profile = options.profile ?? "hostile";
  const maxTraps = options.maxTraps ?? 1;
  const doc = chainDoc(chain, options.base ?? process.cwd());
  const scenario = parseScenario(doc, "/chain.json"); // paths are absolute already
  const start = (): ReturnType<typeof createChain> => createChain(startPlugins(scenario, { trapsThrow: true }));
  let run = start();
  const traps: FuzzTrap[] = [];
  const statuses: Record<number, number> = {};
  const started = performance.now();
  let index = 0;
  for (const raw of traffic({ seed, count, profile })) {
    const generated = options.decorate !== undefined ? options.decorate(raw, index) : raw;
    try {
      const result = runRequest(run, requestOf(generated, scenario.upstream), index + 1);
      statuses[result.response.status] = (statuses[result.response.status] ?? 0) + 1;
    } catch (thrown) {
      // a later request meeting a VM that failed earlier reports that first trap
      const e = thrown instanceof VmFailedError ? thrown.firstTrap : thrown;
      if (!(e instanceof TrapError) && !(e instanceof ScenarioError)) throw thrown;
      traps.push({ seed, index, request: generated, error: e, replay: { ...doc, description: `fuzz seed ${seed}, request ${index} (${profile})`, requests: [generated] } });
      if (traps.length >= maxTraps) {
        index++;
        break;
      }
      run = start(); // a trapped VM stays failed: carry on with fresh ones
    }
    index++;
  }
  return { seed, profile, requests: index, traps, statuses, ms: performance.now() - started };
}

/** A trap as a test failure should show it: where in the traffic, the request, the filter's report. */
export function formatFuzzTrap(t: FuzzTrap): string {
  const r = t.request;
  const clip = (s: string): string => (s.length > 300 ? `${s.slice(0, 300)}… (${s.length} chars)` : s);
  return [
    `seed ${t.seed}, request ${t.index}: ${r.method} ${clip(r.path)}${r.note !== undefined ? ` — ${r.note}` : ""}`,
    `  headers: ${clip(JSON.stringify(r.headers))}`,
    `  ${t.error.message.split("\n").join("\n  ")}`,
    `  replay: write .replay to a file and run npm run --silent scenario -- FILE`,
  ].join("\n");
}
