// The fuzz rows of `npm run bench`: N hostile requests through a chain, split over one worker per
// core (each its own seeds and hosts), every trap printed. Wall time: the workers share nothing, so
// requests/s is what the machine's cores do together.
import { cpus } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import type { FuzzJob, FuzzResult } from "./fuzz-worker.ts";

export type FuzzRow = { name: string; value: number; unit: string; target?: string; pass?: boolean; note?: string };

export async function fuzzRows(root: string, label: string, chain: FuzzJob["chain"], requests: number, firstSeed: number): Promise<FuzzRow[]> {
  const workers = Math.max(1, Math.min(cpus().length, 4));
  const script = join(root, ".cache", "bench", "fuzz-worker.mjs");
  const per = Math.ceil(requests / workers);
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: workers }, (_, i) => new Promise<FuzzResult>((resolveJob, reject) => {
    const job: FuzzJob = { chain, seed: firstSeed + i, requests: per };
    const w = new Worker(script, { workerData: job });
    w.once("message", (m: FuzzResult) => resolveJob(m));
    w.once("error", reject);
    w.once("exit", (code) => { if (code !== 0) reject(new Error(`fuzz worker ${i} exited with ${code}`)); });
  })));
  const ms = performance.now() - started;
  const done = results.reduce((a, r) => a + r.requests, 0);
  const traps = results.flatMap((r) => r.traps);
  for (const t of traps) console.error(t);
  return [
    { name: `${label} fuzz: hostile requests, traps (${workers} workers)`, value: traps.length, unit: "traps", target: "= 0", pass: traps.length === 0 && done >= requests, note: `${done.toLocaleString("en-US")} requests, seeds ${firstSeed}-${firstSeed + workers - 1}` },
    { name: `${label} fuzz: hostile requests/s (all workers)`, value: (done * 1000) / ms, unit: "req/s", note: `${(ms / 1000).toFixed(0)} s wall` },
  ];
}
