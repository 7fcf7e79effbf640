// The SDK regex engine's throughput, on the release build of its fixture (sdk/test/fixtures/regex)
// in the mock host: a pathological pattern at two input sizes (linear time shows as a 10x time for
// a 10x input), and typical header patterns. The fixture's bench mode runs one operation `iters`
// times inside one configure() on a subject it generates, so the figures are guest time plus one
// configure() per round (JSON parse, compile, subject generation: negligible next to the loop).
import { statSync } from "node:fs";
import { join } from "node:path";
import { createHost, LogLevel, type MockHost } from "@filterkit/host-mock";
import { median, timeOps } from "./stats.ts";

export type RegexRow = { name: string; value: number; unit: string; target?: string; pass?: boolean; note?: string };

type Bench = { p: string; f?: string; pre?: string; rep: string; n: number; post?: string; iters: number; mode: "test" | "find" | "replace"; r?: string };

const bytesOf = (b: Bench) => Buffer.byteLength(b.pre ?? "") + Buffer.byteLength(b.rep) * b.n + Buffer.byteLength(b.post ?? "");

/** CPU ns per operation of `b` (one configure() runs b.iters operations). */
function nsPerOp(host: MockHost, b: Bench): number {
  let line = "";
  const ns = timeOps(1, () => {
    host.clearLogs();
    host.configure({ bench: b });
    line = host.logsAt(LogLevel.info)[0] ?? "";
  });
  if (!line.startsWith("bench ")) throw new Error(`regex bench failed: ${line}`);
  return ns / b.iters;
}

/**
 * Rows for bench/run.ts: medians of `rounds` interleaved rounds, at least 5 — a round takes well
 * under 0.1 s, and the linearity ratio compares two timings, so a single round (--quick) would
 * report the machine's noise as the engine's.
 */
export function regexRows(root: string, rounds: number): RegexRow[] {
  rounds = Math.max(rounds, 5);
  const wasm = join(root, "sdk/test/fixtures/regex/build/release.wasm");
  const host = createHost({ wasm, rootId: "regex", pluginConfig: { cases: [] } });
  const small: Bench = { p: "(a*)*b", rep: "a", n: 10_240, iters: 20, mode: "test" };
  const large: Bench = { ...small, n: 102_400, iters: 2 };
  const alt: Bench = { p: "(a|aa)*c", rep: "a", n: 102_400, iters: 2, mode: "find" };
  const bearer: Bench = { p: "^Bearer ([A-Za-z0-9._~+/-]+=*)$", pre: "Bearer ", rep: "eyJhbGciOi", n: 20, post: "==", iters: 2000, mode: "find" };
  const agent: Bench = {
    p: "(?i)(chrome|firefox|safari)/(\\d+)", pre: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) ",
    rep: "", n: 0, post: "Chrome/126.0.0.0 Safari/537.36", iters: 5000, mode: "find",
  };
  const path: Bench = { p: "^/api/v(\\d+)/", pre: "/api/v2/", rep: "items/", n: 10, post: "7?limit=10", iters: 5000, mode: "replace", r: "/v$1/" };
  const all = [small, large, alt, bearer, agent, path];
  for (const b of all) nsPerOp(host, { ...b, iters: Math.max(1, b.iters >> 1) }); // warm-up (tier-up of the VM loop)
  const t: number[][] = all.map(() => []);
  for (let r = 0; r < rounds; r++) all.forEach((b, i) => t[i].push(nsPerOp(host, b)));
  const [tSmall, tLarge, tAlt, tBearer, tAgent, tPath] = t.map(median);
  // noise only ever adds time: the ratio of the fastest rounds is the engine's own
  const linear = Math.min(...t[1]) / Math.min(...t[0]);
  const mbps = (b: Bench, ns: number) => (bytesOf(b) / ns) * 1e3; // bytes per ns * 1e3 = MB/s
  const rows: RegexRow[] = [
    { name: "regex (a*)*b, 10 KB of a, test()", value: mbps(small, tSmall), unit: "MB/s", note: `${(tSmall / 1e3).toFixed(0)} µs per call` },
    { name: "regex (a*)*b, 100 KB of a, test()", value: mbps(large, tLarge), unit: "MB/s", note: `${(tLarge / 1e3).toFixed(0)} µs per call` },
    { name: "regex (a*)*b time, 100 KB / 10 KB", value: linear, unit: "ratio", target: "~10 (linear)", pass: linear < 13, note: `10x input; fastest of ${rounds} rounds each` },
    { name: "regex (a|aa)*c, 100 KB of a, find()", value: mbps(alt, tAlt), unit: "MB/s", note: `${(tAlt / 1e3).toFixed(0)} µs per call` },
    { name: `regex ^Bearer (token)$ find(), ${bytesOf(bearer)} B header`, value: tBearer / 1e3, unit: "µs", note: `${mbps(bearer, tBearer).toFixed(1)} MB/s` },
    { name: "regex (?i)(chrome|firefox|safari)/(\\d+) find()", value: tAgent / 1e3, unit: "µs", note: `${bytesOf(agent)} B user-agent` },
    { name: `regex ^/api/v(\\d+)/ replace(), ${bytesOf(path)} B path`, value: tPath / 1e3, unit: "µs" },
  ];
  const size = statSync(wasm).size;
  rows.push({ name: "regex fixture release .wasm (JSON + engine)", value: size / 1024, unit: "KiB", note: `${size} B` });
  return rows;
}
