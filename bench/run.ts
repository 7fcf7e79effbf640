// `npm run bench`: the kit's speed, memory and size figures, measured side by side in one run.
//
// These machines are noisy, so every figure is the median of several rounds, and comparisons are
// made as ratios between variants measured in the same process, interleaved round by round.
// Results print as a table and are written to bench/results/latest.json. `--quick` (what CI runs,
// so no benchmark rots) takes every figure with fewer rounds and operations: its numbers are
// rough, its PASS / MISS verdicts still checked.
// `npm run bench` bundles this file with esbuild and runs it on plain Node: a TypeScript loader's
// module interop (tsx, vite) turns every cross-module reference into a getter call, which would be
// measured as if it were the host's cost.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { createHost, type MockHost } from "@filterkit/host-mock";
import { median, rounds, timeOps } from "./stats.ts";
import { inProcessSuite, vitestSuite } from "./suite-throughput.ts";
import { regexRows } from "./regex.ts";
import { headerRewriteFuzzRows, headerRewriteRows } from "./header-rewrite.ts";
import { authFuzzRows, authRows } from "./auth.ts";
import { rateLimitRows } from "./rate-limit.ts";
import { cryptoRows } from "./crypto.ts";

// bench/run.ts runs bundled as .cache/bench/run.mjs: the repository is the first folder up with package.json
const here = dirname(fileURLToPath(import.meta.url));
const root = existsSync(join(here, "..", "package.json")) ? resolve(here, "..") : resolve(here, "..", "..");
const wasm = (dir: string, target = "release") => join(root, dir, "build", `${target}.wasm`);

const EXAMPLE = {
  wasm: wasm("filters/add-header"),
  rootId: "add_header",
  pluginConfig: { name: "x-powered-by", value: "filterkit" },
};
const NOOP = { wasm: wasm("bench/fixtures/noop"), rootId: "noop" };
const LEGACY = { wasm: wasm("compat/proxy-runtime/legacy"), rootId: "add_header", pluginConfig: "compat" };
const PORTED = { wasm: wasm("compat/proxy-runtime/ported"), rootId: "add_header", pluginConfig: "compat" };

const REQUEST: Array<[string, string]> = [
  [":method", "POST"], [":path", "/api/items?id=7"], [":authority", "example.com"], [":scheme", "http"],
  ["user-agent", "bench/1.0"], ["content-type", "application/json"], ["x-request-id", "3f2c1a"],
];
const RESPONSE: Array<[string, string]> = [[":status", "200"], ["content-type", "application/json"], ["server", "upstream"]];
const BODY = '{"id":7,"name":"widget"}';

/** One simulated request: headers both ways, one body chunk each way, stream end. */
function oneRequest(host: MockHost): void {
  const s = host.newHttpStream();
  s.sendRequestHeaders(REQUEST, false);
  s.sendRequestBody(BODY, true);
  s.sendResponseHeaders(RESPONSE, false);
  s.sendResponseBody(BODY, true);
  s.complete();
}

type Row = { name: string; value: number; unit: string; target?: string; pass?: boolean; note?: string };
const rows: Row[] = [];
const QUICK = process.argv.includes("--quick");
const ROUNDS = QUICK ? 3 : 7;
/** An operation count, cut 20-fold in --quick runs. */
const ops = (n: number): number => (QUICK ? Math.max(1, Math.round(n / 20)) : n);

// 0. How fast is this machine right now? A fixed integer loop, so a reader can tell a slow run
// (shared or throttled cores) from a slow kit: compare figures across runs only with this in view.
let calibrationSink = 0;
{
  const perCall = median(rounds(5, () => timeOps(20_000_000, () => { calibrationSink = (calibrationSink + 7) | 0; })));
  rows.push({ name: "machine calibration: one trivial closure call", value: perCall, unit: "ns", note: "lower is a faster machine" });
}

// 2. Simulated requests per second, example filter vs a no-op filter, interleaved.
{
  const example = createHost(EXAMPLE);
  const noop = createHost(NOOP);
  for (let i = 0; i < 5000; i++) { oneRequest(example); oneRequest(noop); }
  const ex: number[] = [];
  const base: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    ex.push(timeOps(ops(20000), () => oneRequest(example)));
    base.push(timeOps(ops(20000), () => oneRequest(noop)));
  }
  const rps = 1e9 / median(ex);
  rows.push({ name: "simulated requests/s, example filter (1 core)", value: rps, unit: "req/s", target: ">= 50,000/s", pass: rps >= 50000 });
  rows.push({ name: "simulated requests/s, no-op filter (baseline)", value: 1e9 / median(base), unit: "req/s" });
  rows.push({ name: "example / no-op time per request", value: median(ex) / median(base), unit: "ratio" });
}

// 3. Header host-call round trips (get + add through the SDK) per second.
{
  const N = 2000;
  const loop = createHost({ wasm: wasm("bench/fixtures/header-loop"), rootId: "header_loop", pluginConfig: String(N) });
  const run = () => {
    const s = loop.newHttpStream();
    s.sendRequestHeaders(REQUEST, true);
    s.complete();
  };
  for (let i = 0; i < 20; i++) run();
  const perRequest = rounds(ROUNDS, () => timeOps(QUICK ? 5 : 20, run));
  const roundTrips = (N * 1e9) / median(perRequest);
  rows.push({ name: "header round trips/s (get + add)", value: roundTrips, unit: "trips/s", target: ">= 2,000,000/s", pass: roundTrips >= 2_000_000 });
}

// 4. Linear memory after warm-up and after 100,000 requests.
{
  const host = createHost(EXAMPLE);
  for (let i = 0; i < 10000; i++) oneRequest(host);
  const warm = host.memoryPages();
  for (let i = 0; i < ops(100000); i++) oneRequest(host);
  const after = host.memoryPages();
  rows.push({ name: "memory pages after warm-up (10,000 requests)", value: warm, unit: "pages" });
  rows.push({ name: `memory pages after ${ops(100000).toLocaleString("en-US")} more requests`, value: after, unit: "pages", target: "= warm-up", pass: after === warm });
}

// 5. Size of the release .wasm.
{
  const bytes = readFileSync(EXAMPLE.wasm);
  rows.push({ name: "example filter release .wasm", value: bytes.length / 1024, unit: "KiB", target: "< 20 KB", pass: bytes.length < 20000 });
  rows.push({ name: "example filter release .wasm, gzip", value: gzipSync(bytes).length / 1024, unit: "KiB" });
}

// 6. Our SDK next to @solo-io/proxy-runtime 0.1.8 (AS 0.14): the same filter, side by side.
{
  const legacy = createHost(LEGACY);
  const ported = createHost(PORTED);
  for (let i = 0; i < 5000; i++) { oneRequest(legacy); oneRequest(ported); }
  const l: number[] = [];
  const p: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    l.push(timeOps(ops(10000), () => oneRequest(legacy)));
    p.push(timeOps(ops(10000), () => oneRequest(ported)));
  }
  rows.push({ name: "compat filter requests/s, our SDK", value: 1e9 / median(p), unit: "req/s" });
  rows.push({ name: "compat filter requests/s, proxy-runtime 0.1.8", value: 1e9 / median(l), unit: "req/s" });
  rows.push({ name: "proxy-runtime / our SDK time per request", value: median(l) / median(p), unit: "ratio", note: "> 1 means ours is faster" });
  const ls = statSync(LEGACY.wasm).size;
  const ps = statSync(PORTED.wasm).size;
  rows.push({ name: "compat filter release .wasm, ours / proxy-runtime", value: ps / ls, unit: "ratio", note: `${ps} B vs ${ls} B` });
}

// 6b. The SDK regex engine: a pathological pattern at 10 KB and 100 KB, typical header patterns.
rows.push(...regexRows(root, ROUNDS));

// 6c. header-rewrite: a 10-rule configuration next to the example filter, and its release size.
rows.push(...headerRewriteRows(root, ROUNDS, ops(20000)));

// 6d. auth: each method, one signature check per algorithm, the caches, the release size; the
// SDK's hashes on their own.
rows.push(...authRows(root, ROUNDS, ops(5000)));
rows.push(...cryptoRows(root, ROUNDS));

// 6e. rate-limit: each algorithm allowed and limited (shared data; token bucket also per worker), a
// full table evicting on every request, state bounded over 1,000,000 clients, the release size.
rows.push(...rateLimitRows(root, ROUNDS, ops(10000), QUICK ? 100_000 : 1_000_000, QUICK ? 131_072 : 262_144));

// 7. Instantiation from a compiled module (the compile cache is warm after the first host). Last,
// because it leaves thousands of dead instances for V8 to collect, which would slow what follows.
{
  // One op at a time, alternating the two variants so both pay the same share of V8's collection
  // of dead instances; the median per-op wall time is robust against the odd interruption.
  for (let i = 0; i < 300; i++) { createHost({ ...EXAMPLE, start: false }); createHost(EXAMPLE); }
  const bare: number[] = [];
  const full: number[] = [];
  for (let i = 0; i < ops(2000); i++) {
    const t0 = process.hrtime.bigint();
    createHost({ ...EXAMPLE, start: false });
    const t1 = process.hrtime.bigint();
    createHost(EXAMPLE);
    const t2 = process.hrtime.bigint();
    bare.push(Number(t1 - t0));
    full.push(Number(t2 - t1));
  }
  const bareMs = median(bare) / 1e6;
  const fullMs = median(full) / 1e6;
  rows.push({ name: "instantiate example filter (cached module, no start)", value: bareMs, unit: "ms", target: "< 0.5 ms", pass: bareMs < 0.5 });
  rows.push({ name: "instantiate + _initialize + vm_start + configure", value: fullMs, unit: "ms", note: "what each test pays" });
}

// 8. Tests/s for a suite of 1,000 small isolated tests (fresh host, one request, asserts each):
// in-process, then the same suite run by vitest as a child process. After 7, so the suite's own
// thousands of dead hosts cannot slow the instantiate figure; vitest last, as it loads both cores.
rows.push(...inProcessSuite(root, ROUNDS));
rows.push(...vitestSuite(root, QUICK ? 1 : 3));

// 9. The fuzz harness on header-rewrite and on auth (mangled credentials): 1,000,000 hostile requests each over every core (20,000 in
// --quick). Last: it loads every core for minutes.
rows.push(...(await headerRewriteFuzzRows(root, QUICK ? 20_000 : 1_000_000)));
rows.push(...(await authFuzzRows(root, QUICK ? 20_000 : 1_000_000)));

const fmt = (r: Row) => {
  const v = r.unit === "ratio" ? r.value.toFixed(2) : r.value >= 1000 ? Math.round(r.value).toLocaleString("en-US") : r.value.toFixed(r.value < 1 ? 3 : 1);
  const verdict = r.pass === undefined ? "" : r.pass ? "PASS" : "MISS";
  return `${r.name.padEnd(56)} ${`${v} ${r.unit}`.padStart(20)}  ${(r.target ?? "").padEnd(16)} ${verdict} ${r.note ?? ""}`;
};
console.log(`node ${process.version}, ${ROUNDS} rounds per figure, medians${QUICK ? " (--quick: rough figures)" : ""}\n`);
for (const r of rows) console.log(fmt(r));
const out = join(root, "bench", "results", "latest.json");
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), node: process.version, quick: QUICK, rows, calibrationSink }, null, 2));
const judged = rows.filter((r) => r.pass !== undefined);
console.log(`\n${judged.filter((r) => r.pass).length} targets met, ${judged.filter((r) => !r.pass).length} missed; written to ${out}`);
// A figure that is not a number means a benchmark broke (a target missed is reported, not an error).
const broken = rows.filter((r) => !Number.isFinite(r.value));
if (broken.length > 0) {
  console.error(`bench: ${broken.length} figure(s) are not numbers: ${broken.map((r) => r.name).join(", ")}`);
  process.exitCode = 1;
}
