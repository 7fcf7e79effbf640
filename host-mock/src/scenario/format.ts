// The scenario format: a filter chain, the services it meets, requests and what they must produce,
// run by the mock host (run-mock.ts) and by real Envoy (envoy/src/scenario.ts) into one JSON
// result. scenario.schema.json is the format's one definition: a document is validated against it
// (every unknown key is an error naming its path), the README's field table is generated from it
// (scripts/scenario-docs.ts), and this file only turns a valid document into the runners' shape
// (defaults, paths relative to the file, configurations as the text Envoy hands over).
import { dirname, isAbsolute, resolve } from "node:path";
import { Ajv2020, type ErrorObject } from "ajv/dist/2020.js";
import schemaJson from "./scenario.schema.json" with { type: "json" };
import type { CalloutAnswer, CalloutMatch } from "../callouts.ts";
import type { HeaderPairs } from "../pairs.ts";
import type { RequestExpectation, RunExpectation, ScenarioExpectations } from "./expect.ts";

export interface ScenarioPlugin {
  /** absolute path of the .wasm (the file gives it relative to the scenario file) */
  wasm: string;
  rootId: string;
  vmId: string;
  /** the plugin configuration as Envoy hands it over: a string as is, JSON as its JSON text */
  configuration: string;
  /** the VM configuration (vm_config.configuration), handed over like `configuration` */
  vmConfiguration: string;
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
  /** request trailers (the request goes chunked; empty = none) */
  trailers: HeaderPairs;
  /** on real Envoy: open a new connection for this request (else one connection serves all) */
  newConnection: boolean;
  /** what the upstream answers this request (the scenario's `upstream` unless the request brings one) */
  upstream: ScenarioUpstream;
  expect?: RequestExpectation;
}

export interface Scenario {
  description: string;
  plugins: ScenarioPlugin[];
  upstream: ScenarioUpstream;
  /** scripted answers to the plugins' HTTP callouts, by cluster (and optionally method, path, headers) */
  callouts: Array<{ match: CalloutMatch; answer: CalloutAnswer }>;
  requests: ScenarioRequest[];
  expect?: RunExpectation;
}

/** What one request produced: what the upstream received (null if it received nothing) and what the client got. */
export interface ScenarioResult {
  /** `trailers` only when the upstream received some */
  upstream: { method: string; path: string; headers: HeaderPairs; body: string; trailers?: HeaderPairs } | null;
  /**
   * `reset`: the stream was reset instead of answered (status 0, nothing else); `trailers` only
   * when the response carried some
   */
  response: { status: number; headers: HeaderPairs; body: string; trailers?: HeaderPairs; reset?: true };
}

export class ScenarioError extends Error {
  override name = "ScenarioError";
}

/** The JSON Schema of the format (scenario.schema.json), parsed. */
// Imported, not read from disk next to this file: bundles (npm run bench) carry it with them.
export const SCENARIO_SCHEMA: Readonly<Record<string, unknown>> = schemaJson as Record<string, unknown>;

const validate = new Ajv2020({ allErrors: false, verbose: true, strict: true }).compile(SCENARIO_SCHEMA);

/** "/requests/0/expect/headers/x-a" → "requests[0].expect.headers.x-a" */
function fieldPath(pointer: string): string {
  let out = "";
  for (const raw of pointer.split("/").slice(1)) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    out += /^\d+$/.test(part) ? `[${part}]` : out === "" ? part : `.${part}`;
  }
  return out;
}

/** The closest key a typo may have meant (case, or one or two edits away). */
function suggestion(key: string, allowed: string[]): string | undefined {
  const lower = key.toLowerCase();
  const exact = allowed.find((k) => k.toLowerCase() === lower);
  if (exact !== undefined) return exact;
  const distance = (a: string, b: string): number => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++) {
      for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    return d[a.length][b.length];
  };
  return allowed.map((k) => [k, distance(lower, k.toLowerCase())] as const).filter(([, n]) => n <= 2).sort((a, b) => a[1] - b[1])[0]?.[0];
}

const TYPE_WORDS: Record<string, string> = {
  string: "a string", integer: "an integer", number: "a number", boolean: "true or false", object: "an object", array: "an array", null: "null",
};

/** One sentence for the first thing wrong with the document, naming its field. */
function describe(errors: ErrorObject[]): string {
  // an unknown key is the likeliest mistake (a typo silently meaning a default): say so first
  const extra = errors.find((e) => e.keyword === "additionalProperties");
  if (extra !== undefined) {
    const key = (extra.params as { additionalProperty: string }).additionalProperty;
    const where = fieldPath(extra.instancePath);
    const props = (extra.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
    const allowed = props === undefined ? [] : Object.keys(props);
    const hint = suggestion(key, allowed);
    return `scenario field "${where === "" ? key : `${where}.${key}`}": unknown key` +
      (hint !== undefined ? ` (did you mean "${hint}"?)` : allowed.length > 0 ? ` (expected one of: ${allowed.join(", ")})` : "");
  }
  // a value that fits none of several shapes: name the shapes (the schema's title), not each miss
  const anyOf = errors.find((e) => e.keyword === "anyOf");
  const e = anyOf ?? errors.find((x) => x.keyword !== "if") ?? errors[0];
  const where = fieldPath(e.instancePath);
  const schema = (e.parentSchema ?? {}) as { title?: string; description?: string };
  if (where === "" && e.keyword === "type") return "scenario: expected a JSON object";
  const at = `scenario field "${where}"`;
  switch (e.keyword) {
    case "required": {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      return `scenario field "${where === "" ? missing : `${where}.${missing}`}": required, missing`;
    }
    case "type":
      return schema.title !== undefined ? `${at}: expected ${schema.title}` : `${at}: expected ${TYPE_WORDS[(e.params as { type: string }).type] ?? e.params.type}`;
    case "minItems":
      return schema.title !== undefined ? `${at}: expected ${schema.title}` : `${at}: expected a non-empty array`;
    case "maxItems":
    case "prefixItems":
    case "items":
      return `${at}: expected ${schema.title ?? "fewer items"}`;
    case "enum":
      return `${at}: expected one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(", ")}`;
    case "const":
      return `${at}: expected ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
    case "anyOf":
      return `${at}: expected ${schema.title ?? schema.description ?? "another shape"}`;
    case "minimum":
    case "maximum":
    case "minLength":
      return `${at}: ${e.message ?? "out of range"}`;
    default:
      return `${at}: ${e.message ?? e.keyword}`;
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every {"matches": pattern} below `v` compiles as a JavaScript regular expression. */
function checkPatterns(v: Json | undefined, path: string): void {
  if (Array.isArray(v)) v.forEach((x, i) => checkPatterns(x, `${path}[${i}]`));
  else if (typeof v === "object" && v !== null) {
    for (const [k, x] of Object.entries(v)) {
      if (k === "matches" && typeof x === "string") {
        try {
          new RegExp(x);
        } catch (e) {
          throw new ScenarioError(`scenario field "${path}.matches": not a regular expression: ${(e as Error).message}`);
        }
      } else {
        checkPatterns(x, path === "" ? k : `${path}.${k}`);
      }
    }
  }
}

const asText = (v: Json | undefined): string => (v === undefined ? "" : typeof v === "string" ? v : JSON.stringify(v));
const pairs = (v: Json | undefined): HeaderPairs => ((v ?? []) as Array<[string, string]>).map(([k, x]) => [k, x]);

function answerOf(v: Json | undefined): ScenarioUpstream {
  const u = (v ?? {}) as { [k: string]: Json };
  return { status: (u.status as number | undefined) ?? 200, headers: pairs(u.headers), body: (u.body as string | undefined) ?? "", trailers: pairs(u.trailers) };
}

/**
 * One request of a document (already valid against the schema) with its defaults; the mock-host
 * fuzz harness turns generated requests into runnable ones with it, without validating each again.
 */
export function requestOf(doc: object, upstream: ScenarioUpstream): ScenarioRequest {
  const r = doc as { [k: string]: Json };
  const b = r.body;
  const chunks = Array.isArray(b) ? (b as string[]) : b === undefined || b === "" ? [] : [b as string];
  return {
    method: (r.method as string | undefined) ?? "GET",
    path: (r.path as string | undefined) ?? "/",
    authority: (r.authority as string | undefined) ?? "example.com",
    headers: pairs(r.headers),
    body: chunks.join(""),
    chunks,
    trailers: pairs(r.trailers),
    newConnection: (r.newConnection as boolean | undefined) ?? false,
    upstream: r.upstream === undefined ? upstream : answerOf(r.upstream),
    ...(r.expect !== undefined ? { expect: r.expect as unknown as RequestExpectation } : {}),
  };
}

/** Validates a parsed scenario document against the schema; `file` anchors relative .wasm paths. */
export function parseScenario(doc: unknown, file: string): Scenario {
  if (!validate(doc)) throw new ScenarioError(describe(validate.errors ?? []));
  const d = doc as { [k: string]: Json };
  checkPatterns(d.expect, "expect");
  ((d.requests ?? []) as Json[]).forEach((r, i) => checkPatterns((r as { [k: string]: Json }).expect, `requests[${i}].expect`));
  const plugins = (d.plugins as Array<{ [k: string]: Json }>).map((p): ScenarioPlugin => {
    const wasm = p.wasm as string;
    return {
      wasm: isAbsolute(wasm) ? wasm : resolve(dirname(file), wasm),
      rootId: (p.rootId as string | undefined) ?? "",
      vmId: (p.vmId as string | undefined) ?? "",
      configuration: asText(p.configuration),
      vmConfiguration: asText(p.vmConfiguration),
      failurePolicy: (p.failurePolicy as ScenarioPlugin["failurePolicy"] | undefined) ?? "FAIL_CLOSED",
    };
  });
  const upstream = answerOf(d.upstream);
  const callouts = ((d.callouts ?? []) as Array<{ [k: string]: Json }>).map((c) => {
    const match: CalloutMatch = { cluster: c.cluster as string };
    if (c.method !== undefined) match.method = c.method as string;
    if (c.path !== undefined) match.path = c.path as string;
    if (c.headers !== undefined) match.headers = c.headers as Record<string, string>;
    const a = c.answer as { [k: string]: Json };
    const delayMs = (a.delayMs as number | undefined) ?? 0;
    let answer: CalloutAnswer;
    if (a.fail !== undefined) {
      answer = a.fail === "timeout" ? { fail: "timeout" } : { fail: a.fail as "reset" | "reset-after-headers", delayMs };
    } else {
      answer = { status: (a.status as number | undefined) ?? 200, headers: pairs(a.headers), body: (a.body as string | undefined) ?? "", delayMs };
    }
    return { match, answer };
  });
  const requests = ((d.requests ?? []) as Array<{ [k: string]: Json }>).map((r) => requestOf(r, upstream));
  return {
    description: (d.description as string | undefined) ?? "",
    plugins, upstream, callouts, requests,
    ...(d.expect !== undefined ? { expect: d.expect as unknown as RunExpectation } : {}),
  };
}

/** The scenario's expectations with a label per request ("GET /deny"), for checking and reports. */
export function expectationsOf(s: Scenario): ScenarioExpectations {
  return { run: s.expect, requests: s.requests.map((r) => ({ label: `${r.method} ${r.path}`, expect: r.expect })) };
}

/** How many expectations the file states (requests with an `expect`, plus the run's). */
export function hasExpectations(s: Scenario): boolean {
  return s.expect !== undefined || s.requests.some((r) => r.expect !== undefined);
}
