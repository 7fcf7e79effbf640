// One worker of the bench's fuzz row (bench/header-rewrite.ts): runs the fuzz harness on its share of
// the requests with its own seed and posts what it found. Bundled next to bench/run.ts by
// `npm run bench` (.cache/bench/fuzz-worker.mjs).
import { parentPort, workerData } from "node:worker_threads";
import { formatFuzzTrap, fuzzChain } from "../host-mock/src/index.ts";

export interface FuzzJob {
  chain: { plugins: Array<{ wasm: string; rootId: string; configuration: object }> };
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
  const report = fuzzChain(job.chain, { seed: job.seed, requests: job.requests, profile: "hostile", maxTraps: 10 });
  const result: FuzzResult = { requests: report.requests, traps: report.traps.map(formatFuzzTrap), ms: report.ms };
  parentPort.postMessage(result);
}
