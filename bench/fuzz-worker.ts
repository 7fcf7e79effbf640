// One worker of the bench's fuzz rows (bench/fuzz-pool.ts): runs the fuzz harness on its share of
// the requests with its own seed and posts what it found. A job names its chain, or a filter's
// preset (a chain and a request decorator that belong together: the auth filter's tokens must be
// signed by the keys its configuration holds, so the worker builds both). Bundled next to
// bench/run.ts by `npm run bench` (.cache/bench/fuzz-worker.mjs).
import { parentPort, workerData } from "node:worker_threads";
import { formatFuzzTrap, fuzzChain } from "@filterkit/host-mock";
import { authFuzzChain, decorateAuth } from "../filters/auth/tools/fuzz-traffic.ts";

export type FuzzChainDoc = { plugins: Array<{ wasm: string; rootId: string; configuration: object }> };

export interface FuzzJob {
  /** a chain as is, or a filter's preset built here from its release module */
  chain: FuzzChainDoc | { preset: "auth"; wasm: string };
  seed: number;
  requests: number;
}

export interface FuzzResult {
  requests: number;
  traps: string[];
  ms: number;
}

if (parentPort !== null && workerData !== null && workerData !== undefined) {
  const job = workerData as FuzzJob;
  const preset = "preset" in job.chain ? job.chain : null;
  const chain = preset !== null ? authFuzzChain(preset.wasm) : (job.chain as FuzzChainDoc);
  const report = fuzzChain(chain, { seed: job.seed, requests: job.requests, profile: "hostile", maxTraps: 10, ...(preset !== null ? { decorate: decorateAuth } : {}) });
  const result: FuzzResult = { requests: report.requests, traps: report.traps.map(formatFuzzTrap), ms: report.ms };
  parentPort.postMessage(result);
}
