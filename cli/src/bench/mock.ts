// `filterkit bench` on the mock host: the filter's CPU time per request next to the host's own
// (the floor, a no-op module: noop-wasm.ts), both driven through a filter chain with the same
// representative request, rounds interleaved, every figure a median with its range.
import { readFileSync } from "node:fs";
import { createChain, createHost, LogLevel, ModuleLoadError, TrapError, VmFailedError, type ClientRequest, type FilterChain, type MockHost, type UpstreamAnswer } from "@filterkit/host-mock";
import { CliError, EXIT } from "../errors.ts";
import { noopModuleFor } from "./noop-wasm.ts";
import { cpuMicrosPerCall, spread, type Spread } from "./stats.ts";

/** What a client typically sends: a GET with a handful of ordinary headers, no body. */
export const BENCH_REQUEST = {
  method: "GET",
  path: "/api/items?id=7",
  authority: "example.com",
  headers: [
    ["user-agent", "filterkit-bench/1.0"],
    ["accept", "application/json"],
    ["accept-encoding", "gzip, deflate"],
    ["accept-language", "en-US,en;q=0.9"],
    ["x-request-id", "5b3c2a1e-7f40-4d8e-9a61-0c2f9e4b7d13"],
  ] as Array<[string, string]>,
};

/** What the upstream answers: 200, a small JSON body. */
export const BENCH_ANSWER = {
  status: 200,
  body: '{"id":7,"name":"widget","price":9.5}',
  headers: [["content-type", "application/json"]] as Array<[string, string]>,
};

const REQUEST: ClientRequest = {
  headers: [[":method", BENCH_REQUEST.method], [":path", BENCH_REQUEST.path], [":authority", BENCH_REQUEST.authority], [":scheme", "http"], ...BENCH_REQUEST.headers],
};
const ANSWER: UpstreamAnswer = {
  headers: [[":status", String(BENCH_ANSWER.status)], ...BENCH_ANSWER.headers, ["content-length", String(Buffer.byteLength(BENCH_ANSWER.body))]],
  body: BENCH_ANSWER.body,
};

export interface MockBenchOptions {
  wasm: string;
  rootId: string;
  /** the plugin configuration as Envoy hands it over (JSON text) */
  configuration: string;
  /** where the configuration came from, for messages */
  configurationFrom: string;
  name: string;
  requests: number;
  rounds: number;
  /**
   * CPU milliseconds each variant runs before measuring: until V8 has optimised the host's and the
   * filter's code (the first thousands of requests run several times slower)
   */
  warmupMs: number;
}

export interface MockVariant {
  /** CPU µs per request: the median of the rounds, with their range */
  perRequestUs: Spread;
  roundsUs: number[];
  /** host calls the plugin made for one (warmed-up) request, from its transcript */
  hostCallsPerRequest: number;
  /** callbacks the host made into the plugin for that request */
  callbacksPerRequest: number;
  /** the :status the client got */
  status: number;
  /** true when the plugin answered the request itself */
  localReply: boolean;
}

export interface HeaderEffect {
  added: string[];
  removed: string[];
  changed: string[];
}

export interface MockBench {
  rounds: number;
  requests: number;
  warmupMs: number;
  filter: MockVariant;
  floor: MockVariant & { callbacks: string[] };
  /** filter − floor, medians: the filter's own CPU time per request */
  ownUs: number;
  /** the same difference taken round by round (each round measured both): its range */
  ownRoundsUs: Spread;
  /** filter / floor, medians */
  ratio: number;
  /**
   * Some round measured the filter no dearer than the floor: the machine's noise is as large as the
   * filter's cost, read it as "too small to measure here". null with one round (nothing to compare).
   */
  withinNoise: boolean | null;
  floorMethod: string;
  /** what the filter changes, against the floor: on the request the upstream got, on the response */
  effect: { request: HeaderEffect; response: HeaderEffect };
}

/** Header names `after` adds to, removes from or changes in `before`. */
export function headerEffect(before: ReadonlyArray<readonly [string, string]>, after: ReadonlyArray<readonly [string, string]>): HeaderEffect {
  const values = (pairs: ReadonlyArray<readonly [string, string]>): Map<string, string> => {
    const m = new Map<string, string>();
    for (const [k, v] of pairs) m.set(k.toLowerCase(), m.has(k.toLowerCase()) ? `${m.get(k.toLowerCase())}\n${v}` : v);
    return m;
  };
  const b = values(before);
  const a = values(after);
  return {
    added: [...a.keys()].filter((k) => !b.has(k)),
    removed: [...b.keys()].filter((k) => !a.has(k)),
    changed: [...a.keys()].filter((k) => b.has(k) && b.get(k) !== a.get(k)),
  };
}

function logLines(host: MockHost): string {
  const lines = host.logs.map((l) => `  [${LogLevel[l.level]}] ${l.message}`);
  return lines.length > 0 ? `; it logged:\n${lines.slice(-12).join("\n")}` : "; it logged nothing";
}

/** The filter's host, configured, or the kit's error saying why not. */
function filterHost(o: MockBenchOptions): MockHost {
  let host: MockHost;
  try {
    // log level info, Envoy's default: a filter's debug logging costs what it costs in Envoy
    host = createHost({ wasm: o.wasm, rootId: o.rootId, pluginConfig: o.configuration, logLevel: LogLevel.info });
  } catch (e) {
    if (e instanceof ModuleLoadError) throw new CliError(`${o.wasm}: ${e.message}`, "rebuild the filter (`filterkit build --force`)", EXIT.failed);
    if (e instanceof TrapError) throw new CliError(`${o.name} trapped while starting with the configuration ${o.configurationFrom}: ${e.message}`, "run `filterkit test` on it: a trap at start-up fails in Envoy too", EXIT.failed);
    throw e;
  }
  if (!host.started) throw new CliError(`${o.name} refused to start (proxy_on_vm_start returned false)${logLines(host)}`, "see the filter's log lines above", EXIT.failed);
  if (!host.configured) {
    throw new CliError(`${o.name} refused the configuration ${o.configurationFrom} (proxy_on_configure returned false)${logLines(host)}`,
      "fix the configuration (--config FILE, or config.json in the filter's folder): Envoy would refuse it too", EXIT.failed);
  }
  return host;
}

function runOnce(chain: FilterChain, name: string): ReturnType<FilterChain["run"]> {
  try {
    return chain.run(REQUEST, ANSWER);
  } catch (e) {
    if (e instanceof TrapError || e instanceof VmFailedError) throw new CliError(`${name} trapped on the bench request: ${e.message}`, "run `filterkit test` on it to find the trap", EXIT.failed);
    // a callout the bench does not answer, a request held forever: the bench request cannot finish
    throw new CliError(`${name} could not finish the bench request (GET ${BENCH_REQUEST.path}): ${(e as Error).message}`,
      "the bench answers no callouts (see `filterkit bench --help`): time such a filter in a test of your own, its callouts routed", EXIT.failed);
  }
}

/** Facts of one more request, recorded: taken after the warm-up, so one-off work (a lazy cache) is not counted. */
function variantFacts(chain: FilterChain, host: MockHost): Omit<MockVariant, "perRequestUs" | "roundsUs"> & { exchange: ReturnType<FilterChain["run"]> } {
  const exchange = chain.run(REQUEST, ANSWER, { transcript: true });
  host.clearLogs();
  const status = Number(exchange.response.headers.find(([k]) => k === ":status")?.[1] ?? NaN);
  return {
    hostCallsPerRequest: exchange.transcript.filter((e) => e.kind === "hostcall").length,
    callbacksPerRequest: exchange.transcript.filter((e) => e.kind === "callback").length,
    status,
    localReply: exchange.repliedBy !== null,
    exchange,
  };
}

export function benchMock(o: MockBenchOptions): MockBench {
  const host = filterHost(o);
  const noop = noopModuleFor(new WebAssembly.Module(readFileSync(o.wasm)));
  const floorHost = createHost({ wasm: noop.bytes, rootId: o.rootId, logLevel: LogLevel.info });
  const variants = [
    { host, chain: createChain([host]), name: o.name, rounds: [] as number[] },
    { host: floorHost, chain: createChain([floorHost]), name: "the no-op floor", rounds: [] as number[] },
  ];
  // one request first: a filter that cannot finish it fails here, with a message, before any timing
  for (const v of variants) runOnce(v.chain, v.name);
  const spent = variants.map(() => 0);
  while (spent.some((ms) => ms < o.warmupMs)) {
    variants.forEach((v, i) => { spent[i] += (cpuMicrosPerCall(100, () => runOnce(v.chain, v.name)) * 100) / 1000; });
  }
  for (const v of variants) v.host.clearLogs();
  for (let r = 0; r < o.rounds; r++) {
    // the order alternates round by round, so a drift of the machine's speed (another process, a
    // CPU's clock) weighs on both variants alike
    for (const v of r % 2 === 0 ? variants : [...variants].reverse()) {
      // runOnce, not chain.run: a filter that fails on its 10,000th request gets the same message
      // as on its first (the wrapper's try costs nothing measurable next to a request)
      v.rounds.push(cpuMicrosPerCall(o.requests, () => runOnce(v.chain, v.name)));
      v.host.clearLogs(); // a filter logging per request would otherwise grow the host's log without end
    }
  }
  const [f, n] = variants;
  const { exchange: fx, ...filterFacts } = variantFacts(f.chain, f.host);
  const { exchange: nx, ...floorFacts } = variantFacts(n.chain, n.host);
  const filter: MockVariant = { perRequestUs: spread(f.rounds), roundsUs: f.rounds, ...filterFacts };
  const floor = { perRequestUs: spread(n.rounds), roundsUs: n.rounds, ...floorFacts, callbacks: noop.callbacks };
  return {
    rounds: o.rounds,
    requests: o.requests,
    warmupMs: o.warmupMs,
    filter,
    floor,
    ownUs: filter.perRequestUs.median - floor.perRequestUs.median,
    ownRoundsUs: spread(f.rounds.map((t, i) => t - n.rounds[i])),
    ratio: filter.perRequestUs.median / floor.perRequestUs.median,
    withinNoise: o.rounds < 2 ? null : f.rounds.some((t, i) => t <= n.rounds[i]),
    floorMethod: `the same request through a no-op module exporting the filter's ${noop.callbacks.length} per-request callbacks, each returning Continue at once without a host call ` +
      "(a filter chain needs at least one plugin): the mock host's own cost per request",
    effect: {
      // a local reply never reached the upstream: there is no request to compare
      request: fx.upstream === null || nx.upstream === null ? { added: [], removed: [], changed: [] } : headerEffect(nx.upstream.headers, fx.upstream.headers),
      response: headerEffect(nx.response.headers, fx.response.headers),
    },
  };
}
