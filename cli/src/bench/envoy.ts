// `filterkit bench --envoy`: real Envoy without the filter and Envoy with it, both started once and
// driven alternately by a closed-loop load from this process (undici: a fixed number of requests
// in flight, each sent when one returns) against a node:http upstream in a worker thread of this
// process. Per variant: requests/s, p50 and p99 latency, each a median over rounds with its range.
//
// Nothing but Node and a container runtime is needed (no wrk, no taskset), so the load generator,
// the upstream and Envoy share the machine's cores: the absolute figures say as much about the
// machine as about Envoy, and the side-by-side difference is what to read.
import { Worker } from "node:worker_threads";
import { EnvoyStartError, startEnvoy, startFailureSummary, type RunningEnvoy } from "@filterkit/envoy";
import { Pool } from "undici";
import { CliError, EXIT } from "../errors.ts";
import { step } from "../progress.ts";
import { BENCH_ANSWER, BENCH_REQUEST, headerEffect, type HeaderEffect } from "./mock.ts";
import { percentile, spread, type Spread } from "./stats.ts";

export interface EnvoyBenchOptions {
  wasm: string;
  rootId: string;
  name: string;
  configuration: string;
  configurationFrom: string;
  rounds: number;
  /** length of one round of one variant */
  seconds: number;
  /** requests in flight at any time */
  connections: number;
  /** load on each variant before measuring (V8 tiers the filter up, connections open) */
  warmupSeconds: number;
}

export interface EnvoyVariant {
  requestsPerSecond: Spread;
  /** per round: the latency percentiles of its requests (µs); here their median and range over rounds */
  p50Us: Spread;
  p99Us: Spread;
  /** requests answered in all rounds */
  requests: number;
  /** requests that got no answer (connection reset, timeout) */
  errors: number;
  /** answers by :status */
  statuses: Record<string, number>;
  /** one answer, after the rounds: what the client got */
  sample: { status: number; headers: Array<[string, string]> };
}

export interface EnvoyBench {
  version: string;
  runtime: string;
  /** Envoy's worker threads (--concurrency) */
  workers: number;
  connections: number;
  seconds: number;
  rounds: number;
  warmupSeconds: number;
  without: EnvoyVariant;
  with: EnvoyVariant;
  /** with − without, medians of the per-round p50 / p99: the latency the filter adds per request */
  addedP50Us: number;
  addedP99Us: number;
  /** with / without − 1, medians of requests/s (−0.05: 5% fewer) */
  requestsPerSecondChange: number;
  /**
   * The two variants' p50 ranges over the rounds overlap: the machine's noise is as large as the
   * difference, read it as "too small to measure here". null with one round (no range).
   */
  withinNoise: boolean | null;
  /** response headers the filter changed, from the two samples (Envoy's per-answer headers left out) */
  effect: HeaderEffect;
  note: string;
}

/** One worker thread: the load generator needs the machine's other cores. */
const WORKERS = 1;
/** Headers Envoy sets on every answer, different from one answer to the next. */
const VOLATILE = new Set(["date", "x-envoy-upstream-service-time"]);

export const SHARED_MACHINE_NOTE = "the load generator and the upstream run in this process on the same machine as Envoy, " +
  "so the absolute numbers are rough; the difference between the two variants, measured side by side, is what to read";

// The upstream, plain JavaScript for an eval'd worker (no loader, no file to ship): BENCH_ANSWER to
// every request. Keep-alive longer than Envoy's idle upstream connections live, so Envoy never
// sends a request on a connection the server is closing (a spurious 503).
const UPSTREAM_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const http = require("node:http");
const body = Buffer.from(workerData.body);
const headers = { ...Object.fromEntries(workerData.headers), "content-length": String(body.length) };
const server = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => { res.writeHead(workerData.status, headers); res.end(body); });
});
server.keepAliveTimeout = 600000;
server.headersTimeout = 610000;
server.listen(0, workerData.host, () => parentPort.postMessage(server.address().port));
`;

async function startUpstream(): Promise<{ port: number; stop(): Promise<void> }> {
  // a bridged container reaches this process from outside the loopback interface
  const host = process.env.ENVOY_NETWORK === "bridge" ? "0.0.0.0" : "127.0.0.1";
  const worker = new Worker(UPSTREAM_SOURCE, { eval: true, workerData: { host, status: BENCH_ANSWER.status, headers: BENCH_ANSWER.headers, body: BENCH_ANSWER.body } });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once("message", (p: number) => resolve(p));
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`the upstream worker exited (${code}) before listening`)));
  });
  return { port, stop: async () => { await worker.terminate(); } };
}

interface Round {
  rps: number;
  p50Us: number;
  p99Us: number;
  requests: number;
  errors: number;
  statuses: Map<number, number>;
}

const REQUEST_HEADERS = Object.fromEntries(BENCH_REQUEST.headers);

/** `seconds` of closed-loop load on `pool`: `connections` requests in flight, each sent when one returns. */
async function drive(pool: Pool, seconds: number, connections: number, label: string, envoy: RunningEnvoy): Promise<Round> {
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let errors = 0;
  let lastError = "";
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(Array.from({ length: connections }, async () => {
    // a dead Envoy fails every request at once: stop early rather than spin for the round's length
    while (performance.now() < end && errors < 100) {
      const t0 = performance.now();
      try {
        const r = await pool.request({ method: "GET", path: BENCH_REQUEST.path, headers: REQUEST_HEADERS });
        await r.body.dump();
        latencies.push((performance.now() - t0) * 1000);
        statuses.set(r.statusCode, (statuses.get(r.statusCode) ?? 0) + 1);
      } catch (e) {
        errors++;
        lastError = (e as Error).message;
      }
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  if (latencies.length === 0) {
    throw new CliError(`Envoy ${label} answered no request in ${seconds} s (${errors} failed${lastError !== "" ? `, last: ${lastError}` : ""}); its log ends:\n${startFailureSummary(await envoy.logs())}`,
      "Envoy's lines above say why (a crash, a filter's own log lines); `filterkit scenario --host envoy` runs single requests with the filter's logs", EXIT.failed);
  }
  const sorted = Float64Array.from(latencies).sort();
  return { rps: latencies.length / elapsed, p50Us: percentile(sorted, 50), p99Us: percentile(sorted, 99), requests: latencies.length, errors, statuses };
}

async function sample(pool: Pool, label: string): Promise<EnvoyVariant["sample"]> {
  let r: Awaited<ReturnType<Pool["request"]>>;
  try {
    r = await pool.request({ method: "GET", path: BENCH_REQUEST.path, headers: REQUEST_HEADERS });
  } catch (e) {
    throw new CliError(`Envoy ${label} did not answer after the rounds: ${(e as Error).message}`, "run the bench again; if it keeps failing, `filterkit scenario --host envoy` shows Envoy's log", EXIT.failed);
  }
  await r.body.dump();
  const headers = Object.entries(r.headers).flatMap(([k, v]): Array<[string, string]> => (Array.isArray(v) ? v.map((x): [string, string] => [k, x]) : v === undefined ? [] : [[k, v]]));
  return { status: r.statusCode, headers };
}

function variantOf(rounds: Round[], s: EnvoyVariant["sample"]): EnvoyVariant {
  const statuses: Record<string, number> = {};
  for (const r of rounds) for (const [code, n] of r.statuses) statuses[String(code)] = (statuses[String(code)] ?? 0) + n;
  return {
    requestsPerSecond: spread(rounds.map((r) => r.rps)),
    p50Us: spread(rounds.map((r) => r.p50Us)),
    p99Us: spread(rounds.map((r) => r.p99Us)),
    requests: rounds.reduce((n, r) => n + r.requests, 0),
    errors: rounds.reduce((n, r) => n + r.errors, 0),
    statuses,
    sample: s,
  };
}

async function startBoth(o: EnvoyBenchOptions, upstreamPort: number): Promise<[RunningEnvoy, RunningEnvoy]> {
  const plugin = { name: o.rootId, rootId: o.rootId, vmId: "filterkit_bench", wasm: o.wasm, configuration: o.configuration, failurePolicy: "FAIL_CLOSED" as const };
  const s = step(`starting Envoy twice, without and with ${o.name}`);
  const started = await Promise.allSettled([
    startEnvoy({ plugins: [], upstreamPort, concurrency: WORKERS }),
    startEnvoy({ plugins: [plugin], upstreamPort, concurrency: WORKERS }),
  ]);
  const failed = started.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed === undefined) {
    const [a, b] = started as Array<PromiseFulfilledResult<RunningEnvoy>>;
    s.done(`Envoy ${a.value.version}`);
    return [a.value, b.value];
  }
  s.fail();
  await Promise.all(started.map((r) => (r.status === "fulfilled" ? r.value.stop() : undefined)));
  const e: unknown = failed.reason;
  if (e instanceof EnvoyStartError && e.log === "") {
    // no log: the container itself did not start, so there is no Envoy to run here
    throw new CliError(e.message, "start Docker or Podman (DOCKER_HOST), or run `filterkit setup-envoy` as root, or set ENVOY_BINARY", EXIT.noEnvoy);
  }
  if (e instanceof EnvoyStartError) {
    const which = started[0].status === "rejected" ? "without the filter" : `with ${o.name} (configuration ${o.configurationFrom})`;
    throw new CliError(`Envoy ${which} did not start: ${e.message}`, "read Envoy's lines above: a filter that refuses its configuration is named there", EXIT.failed);
  }
  throw e;
}

export async function benchEnvoy(o: EnvoyBenchOptions): Promise<EnvoyBench> {
  const upstream = await startUpstream();
  const pools: Pool[] = [];
  let envoys: RunningEnvoy[] = [];
  try {
    envoys = await startBoth(o, upstream.port);
    const variants = envoys.map((envoy, i) => {
      // a request that hangs must end the run, not stall it (undici's defaults wait 5 minutes)
      const pool = new Pool(envoy.url, { connections: o.connections, headersTimeout: 10_000, bodyTimeout: 10_000 });
      pools.push(pool);
      return { envoy, pool, label: i === 0 ? "without the filter" : `with ${o.name}`, rounds: [] as Round[] };
    });
    const w = step(`warming up both for ${o.warmupSeconds} s`);
    for (const v of variants) await drive(v.pool, o.warmupSeconds, o.connections, v.label, v.envoy);
    w.done();
    for (let r = 0; r < o.rounds; r++) {
      const s = step(`round ${r + 1} of ${o.rounds}: ${o.seconds} s each, ${o.connections} requests in flight`);
      // the order alternates round by round, so a drift of the machine weighs on both alike
      for (const v of r % 2 === 0 ? variants : [...variants].reverse()) v.rounds.push(await drive(v.pool, o.seconds, o.connections, v.label, v.envoy));
      s.done(variants.map((v) => `${v.label} ${Math.round(v.rounds[r].rps)}/s`).join(", "));
    }
    const [without, withFilter] = await Promise.all(variants.map(async (v) => variantOf(v.rounds, await sample(v.pool, v.label))));
    const stable = (h: Array<[string, string]>): Array<[string, string]> => h.filter(([k]) => !VOLATILE.has(k));
    return {
      version: envoys[0].version,
      runtime: envoys[0].runtime,
      workers: WORKERS,
      connections: o.connections,
      seconds: o.seconds,
      rounds: o.rounds,
      warmupSeconds: o.warmupSeconds,
      without,
      with: withFilter,
      addedP50Us: withFilter.p50Us.median - without.p50Us.median,
      addedP99Us: withFilter.p99Us.median - without.p99Us.median,
      requestsPerSecondChange: withFilter.requestsPerSecond.median / without.requestsPerSecond.median - 1,
      withinNoise: o.rounds < 2 ? null : withFilter.p50Us.min <= without.p50Us.max && without.p50Us.min <= withFilter.p50Us.max,
      effect: headerEffect(stable(without.sample.headers), stable(withFilter.sample.headers)),
      note: SHARED_MACHINE_NOTE,
    };
  } finally {
    await Promise.all(pools.map((p) => p.destroy()));
    await Promise.all(envoys.map((e) => e.stop()));
    await upstream.stop();
  }
}
