// `filterkit bench [DIR]`: what a filter costs per request — on the mock host (CPU time, next to
// the host's own cost with a no-op module: bench/mock.ts) and, with --envoy, in real Envoy
// (throughput and latency next to Envoy without the filter: bench/envoy.ts). Builds first, so it
// works on a fresh checkout. The result goes to stdout (a table, or --json), progress to stderr.
import { relative } from "node:path";
import type { EnvoyBench } from "../bench/envoy.ts";
import { BENCH_ANSWER, BENCH_REQUEST, benchMock, type HeaderEffect, type MockBench } from "../bench/mock.ts";
import { parse, positiveInt, type Command } from "../command.ts";
import { requireEnvoy } from "../envoy-runtime.ts";
import { EXIT, usageError } from "../errors.ts";
import { step } from "../progress.ts";
import { builtWasm, filterAt, pluginConfiguration } from "../project.ts";
import { buildForCommand } from "./build.ts";

const HELP = `usage: filterkit bench [DIR] [--config FILE] [--requests N] [--rounds R] [--envoy] [--seconds S] [--quick] [--json]

Measures what the filter in DIR (default: the current folder) costs per request. It is built
first (as \`filterkit build\` does), then its release build runs with its configuration (FILE, else
DIR/config.json, else {}) on one representative request: GET ${BENCH_REQUEST.path} with ${BENCH_REQUEST.headers.length} ordinary
headers, the upstream answering ${BENCH_ANSWER.status} with ${Buffer.byteLength(BENCH_ANSWER.body)} bytes of JSON.

  mock host (always)  CPU time per request through a filter chain, next to the floor: the same
                      request through a no-op module exporting the filter's callbacks (the mock
                      host's own cost). Warm-up, then R rounds of N requests, filter and floor
                      interleaved; medians, ranges, the difference (the filter's own cost), the
                      ratio, and the host calls one request makes (from a transcript).
  --envoy             also real Envoy without the filter and with it, both started once, driven
                      alternately for R rounds of S seconds by a closed-loop load from this
                      process (16 requests in flight) against an upstream of this process:
                      requests/s, p50 and p99 latency, and the differences. The load shares the
                      machine with Envoy: absolute numbers are rough, the difference is what to
                      read. Needs a container runtime (DOCKER_HOST, or filterkit setup-envoy).

A filter that makes callouts cannot finish the bench request: the bench answers no callout on the
mock host and gives Envoy no callout cluster. Time such a filter in a test with its callouts routed.

options:
  --config FILE   the plugin configuration (JSON) instead of DIR/config.json
  --requests N    requests per round on the mock host (default 20000)
  --rounds R      rounds (default 5)
  --seconds S     seconds per round and variant in Envoy (default 3)
  --envoy         measure in real Envoy too
  --quick         tiny counts (1000 requests, 3 rounds; in Envoy 1 round of 1 s): proves the
                  command works, numbers rough; options given explicitly still apply
  --json          one JSON document instead of the table:
                    filter   {name, dir, rootId, wasm, configuration (where it came from)}
                    request  {method, path, headers, upstream: {status, bodyBytes}}
                    mock     {rounds, requests, warmupMs, filter, floor, ownUs, ownRoundsUs,
                              ratio, withinNoise, floorMethod, effect}; filter/floor:
                              {perRequestUs, roundsUs, hostCallsPerRequest, callbacksPerRequest,
                              status, localReply}
                    envoy    null without --envoy; else {version, runtime, workers, connections,
                              seconds, rounds, warmupSeconds, without, with, addedP50Us,
                              addedP99Us, requestsPerSecondChange, withinNoise, effect, note};
                              without/with: {requestsPerSecond, p50Us, p99Us, requests, errors,
                              statuses, sample}
                    warnings [text]
                  every {median, min, max} is over rounds; times in µs (mock: CPU time)

exit codes: 0 measured, 1 the build failed or the filter refused its configuration or failed the
request, 2 usage, 5 --envoy and no way to run Envoy`;

export interface BenchOptions {
  /** the filter's folder, default the current folder */
  dir?: string;
  config?: string;
  requests?: number;
  rounds?: number;
  seconds?: number;
  envoy?: boolean;
  quick?: boolean;
}

export interface BenchReport {
  filter: { name: string; dir: string; rootId: string; wasm: string; configuration: string };
  request: { method: string; path: string; headers: Array<[string, string]>; upstream: { status: number; bodyBytes: number } };
  mock: MockBench;
  envoy: EnvoyBench | null;
  warnings: string[];
}

/** Builds the filter and measures it; the report `filterkit bench` prints. */
export async function benchReport(options: BenchOptions): Promise<BenchReport> {
  const quick = options.quick === true;
  const filter = filterAt(options.dir ?? process.cwd());
  const given = pluginConfiguration(filter, options.config);
  // messages say "refused the configuration <file>", or name the empty one for what it is
  const configuration = { text: given.text, from: given.from.startsWith("/") ? given.from : `{} (${given.from.replace(/: an empty configuration$/, "")} in the filter's folder)` };
  await buildForCommand("bench", filter);
  const wasm = builtWasm(filter);
  // before any measuring: no Envoy is an answer in a second, not after the mock host's rounds
  if (options.envoy === true) await requireEnvoy("--envoy", "bench on the mock host only (leave out --envoy)");

  const rounds = options.rounds ?? (quick ? 3 : 5);
  const requests = options.requests ?? (quick ? 1000 : 20_000);
  const s = step(`mock host: ${rounds} rounds of ${requests.toLocaleString("en-US")} requests, ${filter.name} and the floor in turn`);
  let mock: MockBench;
  try {
    mock = benchMock({ wasm, rootId: filter.rootId, name: filter.name, configuration: configuration.text, configurationFrom: configuration.from, requests, rounds, warmupMs: quick ? 100 : 500 });
  } catch (e) {
    s.fail();
    throw e;
  }
  s.done(`${fmtUs(mock.filter.perRequestUs.median)} vs ${fmtUs(mock.floor.perRequestUs.median)} per request`);

  const envoy = options.envoy === true
    // loaded only for --envoy: it pulls in @filterkit/envoy and testcontainers
    ? await (await import("../bench/envoy.ts")).benchEnvoy({
      wasm, rootId: filter.rootId, name: filter.name, configuration: configuration.text, configurationFrom: configuration.from,
      rounds: options.rounds ?? (quick ? 1 : 5), seconds: options.seconds ?? (quick ? 1 : 3), connections: 16, warmupSeconds: quick ? 0.3 : 1,
    })
    : null;

  return {
    filter: { name: filter.name, dir: filter.dir, rootId: filter.rootId, wasm, configuration: configuration.from },
    request: { method: BENCH_REQUEST.method, path: BENCH_REQUEST.path, headers: BENCH_REQUEST.headers, upstream: { status: BENCH_ANSWER.status, bodyBytes: Buffer.byteLength(BENCH_ANSWER.body) } },
    mock,
    envoy,
    warnings: warningsOf(filter.name, mock, envoy),
  };
}

/** What makes the figures mean something else than they seem to. */
function warningsOf(name: string, mock: MockBench, envoy: EnvoyBench | null): string[] {
  const out: string[] = [];
  if (mock.filter.localReply) out.push(`${name} answered the bench request itself (${mock.filter.status}) on the mock host: the figures are the cost of that answer, the upstream was never asked`);
  if (envoy === null) return out;
  for (const [label, v] of [["without the filter", envoy.without], [`with ${name}`, envoy.with]] as const) {
    const other = Object.entries(v.statuses).filter(([code]) => code !== String(BENCH_ANSWER.status));
    if (other.length > 0) out.push(`in Envoy ${label}, answers other than ${BENCH_ANSWER.status}: ${other.map(([c, n]) => `${n} × ${c}`).join(", ")}`);
  }
  if (envoy.with.errors + envoy.without.errors > 0) out.push(`requests that got no answer: ${envoy.without.errors} without the filter, ${envoy.with.errors} with it`);
  // the filter was in Envoy's path if Envoy's answers differ as the mock host's do
  const missing = mock.effect.response.added.filter((h) => !envoy.effect.added.includes(h));
  if (missing.length > 0) out.push(`on the mock host ${name} adds ${missing.join(", ")} to the response; Envoy's answer with it has no such header`);
  return out;
}

// --- the table --------------------------------------------------------------------------------

/** µs with three significant digits or so, a real minus sign */
function num(us: number): string {
  const abs = Math.abs(us);
  const digits = abs < 10 ? 2 : abs < 100 ? 1 : 0;
  return us.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }).replace(/^-/, "−");
}
const fmtUs = (us: number): string => `${num(us)} µs`;
const signed = (text: string, n: number): string => (n >= 0 ? `+${text}` : text);
const count = (n: number): string => Math.round(n).toLocaleString("en-US").replace(/^-/, "−");
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

function effectText(e: HeaderEffect): string {
  return [...e.added.map((h) => `+${h}`), ...e.removed.map((h) => `−${h}`), ...e.changed.map((h) => `~${h}`)].join(" ");
}

/** `text` in lines of at most `width` characters, the first after `first`, the others after `rest`. */
function wrap(text: string, first: string, rest: string, width = 100): string[] {
  const out: string[] = [];
  let line = first;
  for (const word of text.split(" ")) {
    const lead = out.length === 0 ? first : rest;
    if (line.length > lead.length && line.length + 1 + word.length > width) {
      out.push(line);
      line = rest + word;
    } else {
      line = line.length > lead.length ? `${line} ${word}` : line + word;
    }
  }
  out.push(line);
  return out;
}

export function formatReport(r: BenchReport, cwd = process.cwd()): string {
  const m = r.mock;
  // a path below the current folder is shown relative to it, any other as it is
  const shown = (p: string): string => {
    if (!p.startsWith("/")) return p;
    const r = relative(cwd, p);
    return r === "" ? "." : r.startsWith("..") ? p : r;
  };
  const lines: string[] = [];
  lines.push(`bench: ${r.filter.name} (root id ${r.filter.rootId}), configuration ${shown(r.filter.configuration)}`);
  lines.push(`request: ${r.request.method} ${r.request.path} with ${r.request.headers.length} ordinary headers; the upstream answers ${r.request.upstream.status} with ${r.request.upstream.bodyBytes} bytes of JSON`);
  lines.push("");
  lines.push(`mock host: CPU time per request, median (range) of ${plural(m.rounds, "round")} of ${count(m.requests)} requests, filter and floor in turn`);
  const row = (label: string, v: MockBench["filter"]): string =>
    `  ${label.padEnd(24)} ${fmtUs(v.perRequestUs.median).padStart(10)}  (${num(v.perRequestUs.min)} – ${num(v.perRequestUs.max)})`.padEnd(58) +
    `${plural(v.hostCallsPerRequest, "host call")}, ${plural(v.callbacksPerRequest, "callback")}`;
  lines.push(row(r.filter.name, m.filter));
  lines.push(row("floor (no-op module)", m.floor));
  lines.push(`  ${"the filter's own cost".padEnd(24)} ${signed(fmtUs(m.ownUs), m.ownUs).padStart(10)}  (round by round ${num(m.ownRoundsUs.min)} – ${num(m.ownRoundsUs.max)}), ${m.ratio.toFixed(2)}× the floor`);
  const mockEffect = [effectText(m.effect.request) && `request ${effectText(m.effect.request)}`, effectText(m.effect.response) && `response ${effectText(m.effect.response)}`].filter((t) => t !== "");
  if (m.withinNoise === true) lines.push(...wrap("within the noise: in some round the filter measured no dearer than the floor; its own cost is too small to tell apart here (more --rounds and --requests, or a quieter machine)", "  ", "    "));
  lines.push(`  what it changes: ${mockEffect.length > 0 ? mockEffect.join("; ") : "no header of the request or the response"}`);
  lines.push(...wrap(`floor: ${m.floorMethod}`, "  ", "         "));
  const e = r.envoy;
  if (e !== null) {
    lines.push("");
    lines.push(`Envoy ${e.version}, ${e.runtime}, ${plural(e.workers, "worker thread")}`);
    lines.push(`  closed loop: ${e.connections} requests in flight, ${plural(e.rounds, "round")} of ${e.seconds} s per variant, in turn; median (range)`);
    const cols = (a: string, b: string, c: string, d: string): string => `  ${a.padEnd(24)} ${b.padEnd(26)} ${c.padEnd(26)} ${d}`;
    const range = (s: { median: number; min: number; max: number }, f: (n: number) => string): string => (e.rounds > 1 ? `${f(s.median)} (${f(s.min)} – ${f(s.max)})` : f(s.median));
    const us = (n: number): string => count(n);
    lines.push(cols("", "requests/s", "p50 µs", "p99 µs"));
    for (const [label, v] of [["without the filter", e.without], [`with ${r.filter.name}`, e.with]] as const) {
      lines.push(cols(label, range(v.requestsPerSecond, count), range(v.p50Us, us), range(v.p99Us, us)));
    }
    lines.push(cols("difference", `${signed((e.requestsPerSecondChange * 100).toFixed(1), e.requestsPerSecondChange)} %`, signed(count(e.addedP50Us), e.addedP50Us), signed(count(e.addedP99Us), e.addedP99Us)));
    if (e.withinNoise === true) lines.push(...wrap("within the noise: the two variants' p50 ranges overlap; the difference is too small to tell apart here (more --rounds and --seconds, or a quieter machine)", "  ", "    "));
    lines.push(`  what it changes: ${effectText(e.effect) !== "" ? `response ${effectText(e.effect)}` : "no response header"} (one answer of each variant)`);
    lines.push(...wrap(`note: ${e.note}`, "  ", "        "));
  }
  for (const w of r.warnings) lines.push(...wrap(`warning: ${w}`, "", "  "));
  return `${lines.join("\n")}\n`;
}

/** The report as JSON, indented, each [name, value] header pair on one line (as `filterkit scenario` prints them). */
export function renderJson(report: BenchReport): string {
  return `${JSON.stringify(report, null, 2).replace(/\[\n\s*("(?:[^"\\]|\\.)*"),\n\s*("(?:[^"\\]|\\.)*")\n\s*\]/g, "[$1, $2]")}\n`;
}

export const bench: Command = {
  name: "bench",
  summary: "measure a filter's cost per request on the mock host and, with --envoy, in Envoy",
  help: HELP,
  async run(argv) {
    const { values, positionals } = parse("bench", argv, {
      config: { type: "string" },
      requests: { type: "string" },
      rounds: { type: "string" },
      seconds: { type: "string" },
      envoy: { type: "boolean" },
      quick: { type: "boolean" },
      json: { type: "boolean" },
    });
    if (positionals.length > 1) throw usageError("bench", `name one filter folder, not ${positionals.length}: filterkit bench [DIR]`);
    const report = await benchReport({
      dir: positionals[0],
      config: values.config,
      // undefined stays undefined: --quick picks its own counts for what is not given
      requests: values.requests === undefined ? undefined : positiveInt("bench", "requests", values.requests, 0),
      rounds: values.rounds === undefined ? undefined : positiveInt("bench", "rounds", values.rounds, 0),
      seconds: values.seconds === undefined ? undefined : positiveInt("bench", "seconds", values.seconds, 0),
      envoy: values.envoy,
      quick: values.quick,
    });
    process.stdout.write(values.json === true ? renderJson(report) : formatReport(report));
    return EXIT.ok;
  },
};
