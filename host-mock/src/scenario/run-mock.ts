// Runs a scenario on the mock host: one host (VM) per plugin for the whole scenario, as in Envoy,
// sharing a clock and the scripted callout upstreams, wired into a FilterChain (chain.ts holds
// Envoy's iteration rules). This file only translates between the scenario's HTTP/1 view and the
// chain's header maps.
import { CalloutRouter } from "../callouts.ts";
import { VirtualClock } from "../clock.ts";
import { createChain, type Exchange, type FilterChain, type UpstreamAnswer } from "../chain.ts";
import { createHost, type MockHost } from "../host.ts";
import { ProxyProcess } from "../process.ts";
import { clientParse, decodeRequestHead, decodeResponseHead, encodeClientResponse, encodeUpstreamRequest, upstreamResetReply } from "../http1.ts";
import type { HeaderPairs } from "../pairs.ts";
import { levelName, type RunOutcome, type ScenarioLog } from "./expect.ts";
import { clientWireHead, upstreamWireHead } from "./peers.ts";
import { ScenarioError, type Scenario, type ScenarioRequest, type ScenarioResult, type ScenarioUpstream } from "./format.ts";

/**
 * What the Envoy bootstrap the scenarios run in (envoy/src/bootstrap.ts, started by
 * envoy/src/start.ts) answers for properties the mock cannot know: no node configured (empty
 * id and cluster), the request cluster `upstream`, virtual host `all`, an unnamed route.
 */
export const SCENARIO_PROPERTIES = {
  "xds.node.id": "",
  "xds.node.cluster": "",
  "xds.cluster_name": "upstream",
  "xds.virtual_host_name": "all",
  "xds.route_name": "",
} as const;

/** The lines the plugins logged, at info and above (what real Envoy prints with `wasm:info`). */
function logsOf(hosts: ReadonlyArray<MockHost>): ScenarioLog[] {
  return hosts.flatMap((h, plugin) => h.logs.filter((l) => l.level >= 2 && l.level <= 5).map((l) => ({ plugin, level: levelName(l.level), message: l.message })));
}

/**
 * Creates the chain's hosts; a plugin that rejects its configuration stops the run, as Envoy
 * refuses to start (the error carries what the plugins logged so far).
 */
export function startPlugins(scenario: Scenario, options: { trapsThrow?: boolean } = {}): MockHost[] {
  const clock = new VirtualClock();
  const callouts = new CalloutRouter();
  const process = new ProxyProcess(); // one Envoy: shared data and queues per vm_id across plugins
  for (const c of scenario.callouts) callouts.route(c.match, c.answer);
  const hosts: MockHost[] = [];
  scenario.plugins.forEach((p, i) => {
    const host = createHost({
      wasm: p.wasm, rootId: p.rootId, vmId: p.vmId, pluginName: p.rootId, pluginConfig: p.configuration, vmConfig: p.vmConfiguration,
      // trapsThrow (the fuzz harness): a trap throws TrapError instead of Envoy's failure policy
      failurePolicy: options.trapsThrow === true ? undefined : p.failurePolicy, clock, callouts, process, properties: { ...SCENARIO_PROPERTIES },
    });
    hosts.push(host);
    if (!host.started || !host.configured) {
      const why = host.logs.filter((l) => l.level >= 3).map((l) => l.message).join("; ");
      throw new RejectedError(`plugins[${i}] (${p.rootId || "no root id"}) rejected its configuration${why ? `: ${why}` : ""}`, logsOf(hosts));
    }
  });
  return hosts;
}

/** A plugin refused to start: the run's error, with the lines logged until then. */
class RejectedError extends ScenarioError {
  constructor(message: string, readonly logs: ScenarioLog[]) {
    super(message);
  }
}

const isPseudo = ([k]: [string, string]): boolean => k.startsWith(":");
const pseudo = (h: HeaderPairs, name: string): string => h.find(([k]) => k === name)?.[1] ?? "";

/**
 * The headers Envoy's connection manager appends before the filters run: x-forwarded-proto and,
 * when the client sent none, a generated x-request-id (a UUID; here a counter in UUID form, same
 * length). A client's own x-request-id is kept, as Envoy keeps it from this harness's client (a
 * loopback peer is internal; measured in Envoy 1.40, integration/scenarios/request-id.json).
 */
function connectionManagerHeaders(n: number, client: HeaderPairs): HeaderPairs {
  const out: HeaderPairs = [["x-forwarded-proto", "http"]];
  if (!client.some(([k]) => k === "x-request-id")) out.push(["x-request-id", `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`]);
  return out;
}

/**
 * The answer as the last plugin receives it: the upstream's head through Envoy's codec, and the
 * router's `x-envoy-upstream-service-time` (the virtual milliseconds the upstream took: 0); an
 * answer head past Envoy's limits becomes the router's 502.
 */
function answerOf(upstream: ScenarioUpstream, head: boolean): UpstreamAnswer {
  const decoded = decodeResponseHead(upstream.status, upstreamWireHead(upstream, head ? "HEAD" : "GET"));
  if (decoded === null) {
    const reply = upstreamResetReply("protocol error");
    return { headers: [[":status", String(reply.status)], ...reply.headers], body: head ? "" : reply.body };
  }
  // the answer to a HEAD carries its headers only (Node writes no body for it)
  return {
    headers: [...decoded, ["x-envoy-upstream-service-time", "0"]],
    body: head ? "" : upstream.body,
    ...(upstream.trailers.length > 0 && !head ? { trailers: upstream.trailers } : {}),
  };
}

/** One request through the chain, between the scenario's client and upstream; `n` numbers its x-request-id. */
export function runRequest(chain: FilterChain, r: ScenarioRequest, n: number): ScenarioResult {
  const hasTrailers = r.trailers.length > 0;
  // the client's head through Envoy's codec: what the filters get, or the codec's own 431
  const decoded = decodeRequestHead(r.method, r.path, clientWireHead(r));
  if ("reply" in decoded) {
    const { status, headers, body } = decoded.reply;
    return { upstream: null, response: { status, headers, body: r.method === "HEAD" ? "" : body } };
  }
  const headers = [...decoded.headers, ...connectionManagerHeaders(n, decoded.headers)];
  let ex: Exchange;
  try {
    ex = chain.run({ headers, body: r.chunks, ...(hasTrailers ? { trailers: r.trailers } : {}) }, answerOf(r.upstream, r.method === "HEAD"));
  } catch (e) {
    if (e instanceof Error && e.message.startsWith("the exchange cannot finish")) throw new ScenarioError(e.message);
    throw e;
  }
  // The upstream records a request once it has all of it, as Envoy's codec wrote it.
  const got = ex.upstream;
  const received = got === null || !got.ended ? null : {
    method: pseudo(got.headers, ":method"),
    path: pseudo(got.headers, ":path"),
    headers: encodeUpstreamRequest(got.headers, got.body.length, got.trailers.length > 0),
    body: got.bodyText,
    ...(got.trailers.length > 0 ? { trailers: got.trailers } : {}),
  };
  const out = ex.response;
  const status = Number(pseudo(out.headers, ":status"));
  // what an HTTP/1 client parses from Envoy's unvalidated serialization (null: its parser fails)
  const parsed = out.reset ? null : clientParse(encodeClientResponse(out.headers.filter((p) => !isPseudo(p)), status, out.body.length > 0 || out.trailers.length > 0, r.method === "HEAD"));
  const response: ScenarioResult["response"] = parsed === null
    ? { status: 0, headers: [], body: "", reset: true }
    : { status, headers: parsed, body: out.bodyText, ...(out.trailers.length > 0 ? { trailers: out.trailers } : {}) };
  return { upstream: received, response };
}

/** Runs every request of the scenario on the mock host; throws ScenarioError when it cannot run. */
export function runOnMock(scenario: Scenario): { results: ScenarioResult[]; logs: ScenarioLog[] } {
  const hosts = startPlugins(scenario);
  const chain = createChain(hosts);
  const results = scenario.requests.map((r, i) => runRequest(chain, r, i + 1));
  return { results, logs: logsOf(hosts) };
}

/** runOnMock as an outcome: a scenario that cannot run becomes {error, logs} (other errors propagate). */
export function mockOutcome(scenario: Scenario): RunOutcome {
  try {
    return runOnMock(scenario);
  } catch (e) {
    if (e instanceof RejectedError) return { error: e.message, logs: e.logs };
    if (e instanceof ScenarioError) return { error: e.message, logs: [] };
    throw e;
  }
}
