// Runs a scenario in real Envoy and reports it in the same JSON shape as the mock runner
// (host-mock/src/scenario/run-mock.ts): one Envoy per scenario with the plugins as its filter
// chain, the recording upstream and the scripted callout targets in this process, the requests
// sent over one connection (or a new one where the scenario says so).
import { withContentLength } from "../../host-mock/src/http1.ts";
import { ScenarioError, type Scenario, type ScenarioResult } from "../../host-mock/src/scenario/format.ts";
import { connect, send, type ClientResponse } from "./client.ts";
import { EnvoyStartError, startEnvoy, type RunningEnvoy } from "./envoy.ts";
import { CalloutTargets, RecordingUpstream } from "./servers.ts";

export interface EnvoyRun {
  results: ScenarioResult[];
  /** facts about the Envoy that ran it */
  envoy: { version: string; startupMs: number; runtime: string };
}

/**
 * The plugin a failed start names ("Plugin <name> failed to load"), and what the filter logged at
 * warning or above: the same message the mock host's runner builds (run-mock.ts).
 */
function rejection(scenario: Scenario, log: string): ScenarioError | null {
  const failed = /Plugin (\S+) failed to load/.exec(log)?.[1];
  if (failed === undefined) return null;
  const index = scenario.plugins.findIndex((p) => (p.rootId || "plugin") === failed);
  const said = [...log.matchAll(/\]\[(?:warning|error|critical)\]\[wasm\][^\n]*?wasm log [^:\n]*: ([^\n]*)/g)].map((m) => m[1].trim());
  const p = scenario.plugins[index];
  return new ScenarioError(`plugins[${index}] (${p?.rootId || "no root id"}) rejected its configuration${said.length > 0 ? `: ${said.join("; ")}` : ""}`);
}

function toResult(r: ClientResponse): ScenarioResult["response"] {
  if (r.reset) return { status: 0, headers: [], body: "", reset: true };
  return { status: r.status, headers: r.headers, body: r.body, ...(r.trailers.length > 0 ? { trailers: r.trailers } : {}) };
}

export async function runOnEnvoy(scenario: Scenario): Promise<EnvoyRun> {
  const u = scenario.upstream;
  const upstream = new RecordingUpstream(() => ({ status: u.status, headers: u.headers, body: u.body, ...(u.trailers.length > 0 ? { trailers: u.trailers } : {}) }));
  const targets = new CalloutTargets(scenario.callouts.map((c) => ({
    cluster: c.match.cluster,
    ...(c.match.method !== undefined ? { method: c.match.method } : {}),
    ...(typeof c.match.path === "string" ? { path: c.match.path } : {}),
    answer: "fail" in c.answer
      ? c.answer.fail === "timeout" ? { fail: "timeout" as const } : { fail: c.answer.fail, delayMs: c.answer.delayMs ?? 0 }
      : {
        status: c.answer.status, headers: c.answer.headers ?? [], delayMs: c.answer.delayMs ?? 0,
        body: typeof c.answer.body === "string" ? c.answer.body : Buffer.from(c.answer.body ?? new Uint8Array(0)).toString("utf8"),
      },
  })));
  let envoy: RunningEnvoy | null = null;
  try {
    const upstreamPort = await upstream.start();
    const calloutPorts = await targets.start();
    try {
      envoy = await startEnvoy({
        upstreamPort, calloutPorts,
        plugins: scenario.plugins.map((p) => ({
          name: p.rootId || "plugin", rootId: p.rootId, vmId: p.vmId, wasm: p.wasm, configuration: p.configuration, failurePolicy: p.failurePolicy,
        })),
      });
    } catch (e) {
      if (e instanceof EnvoyStartError) throw rejection(scenario, e.log) ?? e;
      throw e;
    }
    const shared = connect(envoy.url);
    const results: ScenarioResult[] = [];
    try {
      for (const r of scenario.requests) {
        const client = r.newConnection ? connect(envoy.url) : shared;
        const before = upstream.received.length;
        const out = await send(client, {
          method: r.method, path: r.path, chunks: r.chunks,
          headers: withContentLength([["host", r.authority], ...r.headers], r.body),
        });
        if (client !== shared) await client.close();
        const got = upstream.received.length > before ? upstream.received[before] : null;
        results.push({ upstream: got, response: toResult(out) });
      }
    } finally {
      await shared.close().catch(() => undefined);
    }
    return { results, envoy: { version: envoy.version, startupMs: Math.round(envoy.startupMs), runtime: envoy.runtime } };
  } finally {
    await envoy?.stop();
    await targets.stop();
    await upstream.stop();
  }
}
