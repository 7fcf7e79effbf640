// Runs a scenario in real Envoy and reports it in the same JSON shape as the mock runner
// (host-mock/src/scenario/run-mock.ts): one Envoy per scenario with the plugins as its filter
// chain, the recording upstream and the scripted callout targets in this process, the requests
// sent over one connection (or a new one where the scenario says so).
import {
  clientHeaders, expectationsOf, expectedLogsPresent, ScenarioError, type LogLevelName, type RunOutcome, type Scenario, type ScenarioLog, type ScenarioResult,
} from "@filterkit/host-mock/scenario";
import { connect, send, sendWithTrailers, type ClientResponse } from "./client.ts";
import { EnvoyStartError, startEnvoy, type RunningEnvoy } from "./start.ts";
import { CalloutTargets, RecordingUpstream } from "./servers.ts";

export interface EnvoyRun {
  results: ScenarioResult[];
  /** what the plugins logged (info and above), from Envoy's log; each worker's VM logs its own start-up */
  logs: ScenarioLog[];
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

const ENVOY_LEVELS: Record<string, LogLevelName> = { trace: "trace", debug: "debug", info: "info", warning: "warn", error: "error", critical: "critical" };

/**
 * The log prefix of each plugin's lines, as Envoy 1.40 writes it: "<name> <root_id> <vm_id>" with
 * empty parts left out and the root id left out when it equals the name (seen in its logs: plugin
 * "vm_config_echo", root id "vm_config_echo", vm id "echo_json" → "vm_config_echo echo_json").
 */
/**
 * Each plugin's log prefixes. Envoy 1.40 writes `<name> <root_id> <vm_id>` (empty parts left out)
 * for stream contexts, and leaves the root id out when it equals the name for the root context's
 * lines (measured: a stream's line reads "header_rewrite header_rewrite header_rewrite", the same
 * plugin's configure error "header_rewrite header_rewrite").
 */
function pluginPrefixes(scenario: Scenario): string[][] {
  return scenario.plugins.map((p) => {
    const name = p.rootId || "plugin";
    const full = [name, p.rootId, p.vmId].filter((x) => x !== "").join(" ");
    const short = [name, p.rootId === name ? "" : p.rootId, p.vmId].filter((x) => x !== "").join(" ");
    return [full, short];
  });
}

/** The plugins' lines in Envoy's log: `[time][thread][level][wasm] [file:line] wasm log <prefix>: <message>`. */
export function pluginLogs(scenario: Scenario, log: string): ScenarioLog[] {
  const prefixes = pluginPrefixes(scenario);
  const out: ScenarioLog[] = [];
  for (const m of log.matchAll(/\]\[(trace|debug|info|warning|error|critical)\]\[wasm\][^\n]*? wasm log ([^:\n]*): ([^\n]*)/g)) {
    const plugin = prefixes.findIndex((forms) => forms.includes(m[2].trim()));
    if (plugin >= 0) out.push({ plugin, level: ENVOY_LEVELS[m[1]], message: m[3] });
  }
  return out;
}

function toResult(r: ClientResponse): ScenarioResult["response"] {
  if (r.reset) return { status: 0, headers: [], body: "", reset: true };
  return { status: r.status, headers: r.headers, body: r.body, ...(r.trailers.length > 0 ? { trailers: r.trailers } : {}) };
}

/** What runs in Envoy besides the scenario's plugins: native filters before them, route options. */
export interface EnvoyExtras {
  nativeFilters?: object[];
  routeOptions?: Record<string, unknown>;
  extraRoutes?: object[];
}

export async function runOnEnvoy(scenario: Scenario, extras: EnvoyExtras = {}): Promise<EnvoyRun> {
  // requests go one at a time, so the upstream answers the request being sent
  let current = scenario.upstream;
  const upstream = new RecordingUpstream(() => ({
    status: current.status, headers: current.headers, body: current.body, ...(current.trailers.length > 0 ? { trailers: current.trailers } : {}),
  }));
  const targets = new CalloutTargets(scenario.callouts.map((c) => ({
    cluster: c.match.cluster,
    ...(c.match.method !== undefined ? { method: c.match.method } : {}),
    ...(typeof c.match.path === "string" ? { path: c.match.path } : {}),
    ...(c.match.headers !== undefined ? { headers: c.match.headers } : {}),
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
        ...extras,
        upstreamPort, calloutPorts,
        plugins: scenario.plugins.map((p) => ({
          name: p.rootId || "plugin", rootId: p.rootId, vmId: p.vmId, wasm: p.wasm, configuration: p.configuration, vmConfiguration: p.vmConfiguration,
        failurePolicy: p.failurePolicy,
        })),
      });
    } catch (e) {
      if (e instanceof EnvoyStartError) {
        const refused = rejection(scenario, e.log);
        if (refused !== null) throw new EnvoyRejection(refused.message, pluginLogs(scenario, e.log));
        throw e;
      }
      throw e;
    }
    const shared = connect(envoy.url);
    const results: ScenarioResult[] = [];
    try {
      for (const r of scenario.requests) {
        current = r.upstream;
        const before = upstream.received.length;
        const request = { method: r.method, path: r.path, chunks: r.chunks, headers: clientHeaders(r), trailers: r.trailers };
        let out: ClientResponse;
        if (r.trailers.length > 0) {
          out = await sendWithTrailers(envoy.url, request); // undici cannot send request trailers
        } else {
          const client = r.newConnection ? connect(envoy.url) : shared;
          out = await send(client, request);
          if (client !== shared) await client.close();
        }
        const got = upstream.received.length > before ? upstream.received[before] : null;
        results.push({ upstream: got, response: toResult(out) });
      }
    } finally {
      await shared.close().catch(() => undefined);
    }
    // Envoy's log reaches us with a delay: wait (up to 2 s) until the lines the scenario expects are there
    const expectations = expectationsOf(scenario);
    let logs = pluginLogs(scenario, await envoy.logs());
    for (let waited = 0; waited < 2_000 && !expectedLogsPresent(expectations, logs); waited += 200) {
      await new Promise((r) => setTimeout(r, 200));
      logs = pluginLogs(scenario, await envoy.logs());
    }
    return { results, logs, envoy: { version: envoy.version, startupMs: Math.round(envoy.startupMs), runtime: envoy.runtime } };
  } finally {
    await envoy?.stop();
    await targets.stop();
    await upstream.stop();
  }
}

/** A plugin refused its configuration at Envoy's start: the run's error, with what the plugins logged. */
class EnvoyRejection extends ScenarioError {
  constructor(message: string, readonly logs: ScenarioLog[]) {
    super(message);
  }
}

/** runOnEnvoy as an outcome: a scenario that cannot run becomes {error, logs} (other errors propagate). */
export async function envoyOutcome(scenario: Scenario, onRun?: (run: EnvoyRun) => void): Promise<RunOutcome> {
  try {
    const run = await runOnEnvoy(scenario);
    onRun?.(run);
    return { results: run.results, logs: run.logs };
  } catch (e) {
    if (e instanceof EnvoyRejection) return { error: e.message, logs: e.logs };
    if (e instanceof ScenarioError) return { error: e.message, logs: [] };
    throw e;
  }
}
