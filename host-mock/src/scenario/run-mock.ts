// Runs a scenario on the mock host, playing Envoy's part between the client, the filter chain and
// the upstream: request callbacks go through the plugins in configuration order, response callbacks
// in reverse, a local reply short-circuits the rest of the chain, and every stream ends with
// on_log / on_done / on_delete. One host (VM) per plugin lives for the whole scenario, as in Envoy.
import { CalloutRouter } from "../callouts.ts";
import { VirtualClock } from "../clock.ts";
import { createHost, type MockHost } from "../host.ts";
import { fromUtf8, utf8, utf8Length } from "../memory.ts";
import type { HeaderPairs } from "../pairs.ts";
import type { HttpStream } from "../stream.ts";
import { ScenarioError, type Scenario, type ScenarioRequest, type ScenarioResult, type ScenarioUpstream } from "./format.ts";

/** One Envoy: the chain's plugins share a clock and the scripted callout upstreams. */
interface Proxy {
  hosts: MockHost[];
  clock: VirtualClock;
}

/** Creates the chain's hosts; a plugin that rejects its configuration stops the run, as Envoy refuses to start. */
function startPlugins(scenario: Scenario): Proxy {
  const clock = new VirtualClock();
  const callouts = new CalloutRouter();
  for (const c of scenario.callouts) callouts.route(c.match, c.answer);
  const hosts = scenario.plugins.map((p, i) => {
    const host = createHost({
      wasm: p.wasm, rootId: p.rootId, vmId: p.vmId, pluginName: p.rootId, pluginConfig: p.configuration,
      failurePolicy: p.failurePolicy, clock, callouts,
    });
    if (!host.started || !host.configured) {
      const why = host.logs.filter((l) => l.level >= 3).map((l) => l.message).join("; ");
      throw new ScenarioError(`plugins[${i}] (${p.rootId || "no root id"}) rejected its configuration${why ? `: ${why}` : ""}`);
    }
    return host;
  });
  return { hosts, clock };
}

/** How long a held stream may wait for its callouts and timers before the run calls it stuck. */
const MAX_WAIT_MS = 5 * 60 * 1000;

/**
 * While plugin i holds the message (waiting for a callout, a timer), let virtual time run to the
 * next due event; a hold nothing can end is reported.
 */
function settle(clock: VirtualClock, s: HttpStream, direction: "request" | "response", i: number, what: string): void {
  let waited = 0;
  while (s.paused(direction) && s.localReply === null) {
    const next = clock.nextDueMs();
    if (next === undefined || waited + next > MAX_WAIT_MS) stuck(i, what);
    clock.advance(next);
    waited += next;
  }
}

function withContentLength(headers: HeaderPairs, body: string): HeaderPairs {
  if (body.length === 0 || headers.some(([k]) => k.toLowerCase() === "content-length")) return headers;
  return [...headers, ["content-length", String(utf8Length(body))]];
}

const isPseudo = ([k]: [string, string]): boolean => k.startsWith(":");
const pseudo = (h: HeaderPairs, name: string): string => h.find(([k]) => k === name)?.[1] ?? "";

function stuck(i: number, what: string): never {
  throw new ScenarioError(`plugins[${i}] holds the ${what} and no pending callout or timer can release it`);
}

/** Sends the response through plugins from..0 (reverse chain order) and returns what the client gets. */
function respond(clock: VirtualClock, streams: HttpStream[], from: number, headers: HeaderPairs, body: Uint8Array): { headers: HeaderPairs; body: Uint8Array } {
  let h = headers;
  let b = body;
  for (let i = from; i >= 0; i--) {
    const s = streams[i];
    s.sendResponseHeaders(h, b.length === 0);
    // A local reply from the response phase goes straight to the client (Envoy §5.4).
    settle(clock, s, "response", i, "response headers");
    if (s.localReply !== null) return { headers: s.response.headers, body: s.response.body };
    if (b.length > 0) {
      s.sendResponseBody(b, true);
      settle(clock, s, "response", i, "response body");
      if (s.localReply !== null) return { headers: s.response.headers, body: s.response.body };
    }
    h = s.response.headers;
    b = s.response.body;
  }
  return { headers: h, body: b };
}

function runRequest({ hosts, clock }: Proxy, upstream: ScenarioUpstream, r: ScenarioRequest): ScenarioResult {
  const streams = hosts.map((h) => h.newHttpStream());
  try {
    let headers: HeaderPairs = withContentLength(
      [[":method", r.method], [":path", r.path], [":authority", r.authority], [":scheme", "http"], ...r.headers], r.body);
    let body = utf8(r.body);
    // Request: headers through every plugin in order, then the body, as Envoy iterates its decoder
    // filters. A local reply is answered by the plugins the request already went through.
    const replied = (i: number): ScenarioResult => {
      const s = streams[i]; // the reply already ran through plugin i's own response callbacks
      return { upstream: null, response: client(respond(clock, streams, i - 1, s.response.headers, s.response.body)) };
    };
    for (let i = 0; i < streams.length; i++) {
      const s = streams[i];
      s.sendRequestHeaders(headers, body.length === 0);
      settle(clock, s, "request", i, "request headers");
      if (s.localReply !== null) return replied(i);
      headers = s.request.headers;
    }
    if (body.length > 0) {
      for (let i = 0; i < streams.length; i++) {
        const s = streams[i];
        s.sendRequestBody(body, true);
        settle(clock, s, "request", i, "request body");
        if (s.localReply !== null) return replied(i);
        body = s.request.body;
      }
    }
    // The upstream sees what the last plugin let through; HTTP/1 carries :authority as `host`.
    const received = {
      method: pseudo(headers, ":method"),
      path: pseudo(headers, ":path"),
      headers: [["host", pseudo(headers, ":authority")] as [string, string], ...headers.filter((p) => !isPseudo(p))],
      body: fromUtf8(body),
    };
    const answer = withContentLength([[":status", String(upstream.status)], ...upstream.headers], upstream.body);
    const out = respond(clock, streams, streams.length - 1, answer, utf8(upstream.body));
    return { upstream: received, response: client(out) };
  } finally {
    for (const s of streams) s.complete();
  }
}

function client(out: { headers: HeaderPairs; body: Uint8Array }): ScenarioResult["response"] {
  return { status: Number(pseudo(out.headers, ":status")), headers: out.headers.filter((p) => !isPseudo(p)), body: fromUtf8(out.body) };
}

/** Runs every request of the scenario on the mock host. */
export function runOnMock(scenario: Scenario): { results: ScenarioResult[] } {
  const proxy = startPlugins(scenario);
  return { results: scenario.requests.map((r) => runRequest(proxy, scenario.upstream, r)) };
}
