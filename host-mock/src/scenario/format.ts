// The scenario format: a filter chain and a sequence of requests, run by the mock host (and, with
// the integration work, by real Envoy) into one JSON result. Documented in the repository README.
// This file validates a parsed document and names the offending field on any mistake.
import { dirname, isAbsolute, resolve } from "node:path";
import type { CalloutAnswer, CalloutMatch } from "../callouts.ts";
import type { HeaderPairs } from "../pairs.ts";

export interface ScenarioPlugin {
  /** absolute path of the .wasm (the file gives it relative to the scenario file) */
  wasm: string;
  rootId: string;
  vmId: string;
  /** the plugin configuration as Envoy hands it over: a string as is, JSON as its JSON text */
  configuration: string;
  /** Envoy's failure_policy; FAIL_CLOSED when absent, as Envoy treats UNSPECIFIED */
  failurePolicy: "FAIL_CLOSED" | "FAIL_OPEN";
}

export interface ScenarioUpstream {
  status: number;
  headers: HeaderPairs;
  body: string;
  /** response trailers (sent chunked; empty = none) */
  trailers: HeaderPairs;
}

export interface ScenarioRequest {
  method: string;
  path: string;
  authority: string;
  headers: HeaderPairs;
  /** the whole body (as one string) */
  body: string;
  /** how the client sends it: one chunk, or these chunks (their concatenation is `body`) */
  chunks: string[];
  /** on real Envoy: open a new connection for this request (else one connection serves all) */
  newConnection: boolean;
}

export interface Scenario {
  plugins: ScenarioPlugin[];
  upstream: ScenarioUpstream;
  /** scripted answers to the plugins' HTTP callouts, by cluster (and optionally method and path) */
  callouts: Array<{ match: CalloutMatch; answer: CalloutAnswer }>;
  requests: ScenarioRequest[];
}

/** What one request produced: what the upstream received (null if it received nothing) and what the client got. */
export interface ScenarioResult {
  upstream: { method: string; path: string; headers: HeaderPairs; body: string } | null;
  /**
   * `reset`: the stream was reset instead of answered (status 0, nothing else); `trailers` only
   * when the response carried some
   */
  response: { status: number; headers: HeaderPairs; body: string; trailers?: HeaderPairs; reset?: true };
}

export class ScenarioError extends Error {
  override name = "ScenarioError";
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isObject(v: Json | undefined): v is { [k: string]: Json } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(v: Json | undefined, field: string, def?: string): string {
  if (v === undefined && def !== undefined) return def;
  if (typeof v !== "string") throw new ScenarioError(`scenario field "${field}": expected a string, got ${v === undefined ? "nothing" : JSON.stringify(v)}`);
  return v;
}

function headers(v: Json | undefined, field: string): HeaderPairs {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new ScenarioError(`scenario field "${field}": expected [[name, value], ...]`);
  return v.map((pair, i) => {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== "string" || typeof pair[1] !== "string") {
      throw new ScenarioError(`scenario field "${field}[${i}]": expected [name, value] strings`);
    }
    return [pair[0], pair[1]];
  });
}

/** Validates a parsed scenario document; `file` anchors relative .wasm paths. */
export function parseScenario(doc: unknown, file: string): Scenario {
  const d = doc as Json;
  if (!isObject(d)) throw new ScenarioError("scenario: expected a JSON object");
  const pluginsJson = d.plugins;
  if (!Array.isArray(pluginsJson) || pluginsJson.length === 0) throw new ScenarioError('scenario field "plugins": expected a non-empty array');
  const plugins = pluginsJson.map((p, i): ScenarioPlugin => {
    if (!isObject(p)) throw new ScenarioError(`scenario field "plugins[${i}]": expected an object`);
    const wasm = str(p.wasm, `plugins[${i}].wasm`);
    const c = p.configuration;
    const policy = str(p.failurePolicy, `plugins[${i}].failurePolicy`, "FAIL_CLOSED");
    if (policy !== "FAIL_CLOSED" && policy !== "FAIL_OPEN") throw new ScenarioError(`scenario field "plugins[${i}].failurePolicy": expected "FAIL_CLOSED" or "FAIL_OPEN"`);
    return {
      wasm: isAbsolute(wasm) ? wasm : resolve(dirname(file), wasm),
      rootId: str(p.rootId, `plugins[${i}].rootId`, ""),
      vmId: str(p.vmId, `plugins[${i}].vmId`, ""),
      configuration: c === undefined ? "" : typeof c === "string" ? c : JSON.stringify(c),
      failurePolicy: policy,
    };
  });
  const u = d.upstream ?? {};
  if (!isObject(u)) throw new ScenarioError('scenario field "upstream": expected an object');
  const status = u.status ?? 200;
  if (typeof status !== "number" || !Number.isInteger(status) || status < 100 || status > 999) {
    throw new ScenarioError('scenario field "upstream.status": expected an HTTP status code');
  }
  const upstream: ScenarioUpstream = {
    status, headers: headers(u.headers, "upstream.headers"), body: str(u.body, "upstream.body", ""), trailers: headers(u.trailers, "upstream.trailers"),
  };
  const calloutsJson = d.callouts ?? [];
  if (!Array.isArray(calloutsJson)) throw new ScenarioError('scenario field "callouts": expected an array');
  const callouts = calloutsJson.map((c, i) => {
    const at = `callouts[${i}]`;
    if (!isObject(c)) throw new ScenarioError(`scenario field "${at}": expected an object`);
    const match: CalloutMatch = { cluster: str(c.cluster, `${at}.cluster`) };
    if (c.method !== undefined) match.method = str(c.method, `${at}.method`);
    if (c.path !== undefined) match.path = str(c.path, `${at}.path`);
    const a = c.answer;
    if (!isObject(a)) throw new ScenarioError(`scenario field "${at}.answer": expected an object`);
    const delayMs = a.delayMs ?? 0;
    if (typeof delayMs !== "number" || delayMs < 0) throw new ScenarioError(`scenario field "${at}.answer.delayMs": expected a number >= 0`);
    let answer: CalloutAnswer;
    if (a.fail !== undefined) {
      if (a.fail !== "reset" && a.fail !== "reset-after-headers" && a.fail !== "timeout") {
        throw new ScenarioError(`scenario field "${at}.answer.fail": expected "reset", "reset-after-headers" or "timeout"`);
      }
      answer = a.fail === "timeout" ? { fail: "timeout" } : { fail: a.fail, delayMs };
    } else {
      const status = a.status ?? 200;
      if (typeof status !== "number" || !Number.isInteger(status)) throw new ScenarioError(`scenario field "${at}.answer.status": expected an HTTP status code`);
      answer = { status, headers: headers(a.headers, `${at}.answer.headers`), body: str(a.body, `${at}.answer.body`, ""), delayMs };
    }
    return { match, answer };
  });
  const requestsJson = d.requests;
  if (!Array.isArray(requestsJson) || requestsJson.length === 0) throw new ScenarioError('scenario field "requests": expected a non-empty array');
  const requests = requestsJson.map((r, i): ScenarioRequest => {
    if (!isObject(r)) throw new ScenarioError(`scenario field "requests[${i}]": expected an object`);
    const b = r.body;
    let chunks: string[];
    if (Array.isArray(b)) {
      chunks = b.map((c, k) => str(c, `requests[${i}].body[${k}]`));
    } else {
      const whole = str(b, `requests[${i}].body`, "");
      chunks = whole === "" ? [] : [whole];
    }
    const fresh = r.newConnection ?? false;
    if (typeof fresh !== "boolean") throw new ScenarioError(`scenario field "requests[${i}].newConnection": expected true or false`);
    return {
      method: str(r.method, `requests[${i}].method`, "GET"),
      path: str(r.path, `requests[${i}].path`, "/"),
      authority: str(r.authority, `requests[${i}].authority`, "example.com"),
      headers: headers(r.headers, `requests[${i}].headers`),
      body: chunks.join(""),
      chunks,
      newConnection: fresh,
    };
  });
  return { plugins, upstream, callouts, requests };
}
