// Scenario expectations: what a scenario file says its requests must produce (status, headers,
// body, trailers, whether and what reached the upstream) and what its plugins must log, checked
// against a run on either host with the same code, so `--host mock`, `--host envoy` and `--host
// both` hold a file to the same promises. The shapes are those of scenario.schema.json.
import type { HeaderPairs } from "../pairs.ts";
import type { ScenarioResult } from "./format.ts";

/** A string: equal; {contains}: substring; {matches}: JavaScript regular expression. */
export type TextMatch = string | { contains: string } | { matches: string };

/** null absent; true present; "v" exactly one value v; [..] exactly these values in order; {matches} every value matches. */
export type HeaderExpectation = null | true | string | string[] | { matches: string };
export type HeaderExpectations = Record<string, HeaderExpectation>;

export interface UpstreamExpectation {
  method?: string;
  path?: TextMatch;
  headers?: HeaderExpectations;
  body?: TextMatch;
  trailers?: HeaderExpectations;
}

export interface RequestExpectation {
  status?: number;
  reset?: boolean;
  headers?: HeaderExpectations;
  body?: TextMatch;
  trailers?: HeaderExpectations;
  /** null: nothing reached the upstream; true: the request did */
  upstream?: null | true | UpstreamExpectation;
}

export type LogLevelName = "trace" | "debug" | "info" | "warn" | "error" | "critical";

export interface LogExpectation {
  plugin?: number;
  level?: "info" | "warn" | "error" | "critical";
  message: TextMatch;
  absent?: true;
}

export interface RunExpectation {
  error?: TextMatch;
  logs?: LogExpectation[];
}

/** A line a plugin logged during the run, as either host reports it. */
export interface ScenarioLog {
  /** index of the plugin in the scenario */
  plugin: number;
  level: LogLevelName;
  message: string;
}

/** What a run produced: results (and the plugins' log lines), or the reason it could not run. */
export type RunOutcome = { results: ScenarioResult[]; logs: ScenarioLog[] } | { error: string; logs?: ScenarioLog[] };

export interface ExpectationFailure {
  /** where the expectation is written, e.g. `requests[1].expect.headers.x-reason` */
  at: string;
  /** the request it concerns, for the report's heading */
  request: string | null;
  expected: unknown;
  actual: unknown;
}

/** The expectations of a scenario, as parsed (format.ts). */
export interface ScenarioExpectations {
  run: RunExpectation | undefined;
  requests: Array<{ label: string; expect: RequestExpectation | undefined }>;
}

const LEVELS: LogLevelName[] = ["trace", "debug", "info", "warn", "error", "critical"];

export function levelName(level: number): LogLevelName {
  return LEVELS[Math.max(0, Math.min(level, LEVELS.length - 1))];
}

export function textMatches(m: TextMatch, actual: string): boolean {
  if (typeof m === "string") return actual === m;
  if ("contains" in m) return actual.includes(m.contains);
  return new RegExp(m.matches).test(actual);
}

function valuesOf(headers: HeaderPairs, name: string): string[] {
  const key = name.toLowerCase();
  return headers.filter(([k]) => k.toLowerCase() === key).map(([, v]) => v);
}

function headerMatches(e: HeaderExpectation, values: string[]): boolean {
  if (e === null) return values.length === 0;
  if (e === true) return values.length > 0;
  if (typeof e === "string") return values.length === 1 && values[0] === e;
  if (Array.isArray(e)) return values.length === e.length && e.every((v, i) => values[i] === v);
  const re = new RegExp(e.matches);
  return values.length > 0 && values.every((v) => re.test(v));
}

/** Checks every expectation of the scenario against one host's outcome. */
export function checkExpectations(ex: ScenarioExpectations, outcome: RunOutcome): { checked: number; failures: ExpectationFailure[] } {
  const failures: ExpectationFailure[] = [];
  let checked = 0;
  const check = (at: string, request: string | null, ok: boolean, expected: unknown, actual: unknown): void => {
    checked++;
    if (!ok) failures.push({ at, request, expected, actual });
  };
  const headerChecks = (at: string, request: string, exp: HeaderExpectations | undefined, actual: HeaderPairs): void => {
    for (const [name, e] of Object.entries(exp ?? {})) {
      const values = valuesOf(actual, name);
      check(`${at}.${name}`, request, headerMatches(e, values), e, values);
    }
  };

  if ("error" in outcome) {
    if (ex.run?.error !== undefined) check("expect.error", null, textMatches(ex.run.error, outcome.error), ex.run.error, outcome.error);
    else if (ex.requests.some((r) => r.expect !== undefined)) check("(run)", null, false, "the scenario runs", `it could not run: ${outcome.error}`);
  } else {
    if (ex.run?.error !== undefined) check("expect.error", null, false, ex.run.error, "the scenario ran (no error)");
    ex.requests.forEach(({ label, expect: e }, i) => {
      if (e === undefined) return;
      const at = `requests[${i}].expect`;
      const r = outcome.results[i];
      if (r === undefined) {
        check(at, label, false, "a result", "none");
        return;
      }
      const resp = r.response;
      if (e.status !== undefined) check(`${at}.status`, label, resp.status === e.status, e.status, resp.status);
      if (e.reset !== undefined) check(`${at}.reset`, label, (resp.reset ?? false) === e.reset, e.reset, resp.reset ?? false);
      headerChecks(`${at}.headers`, label, e.headers, resp.headers);
      if (e.body !== undefined) check(`${at}.body`, label, textMatches(e.body, resp.body), e.body, resp.body);
      headerChecks(`${at}.trailers`, label, e.trailers, resp.trailers ?? []);
      if (e.upstream === null) {
        check(`${at}.upstream`, label, r.upstream === null, "nothing reaches the upstream", r.upstream === null ? null : `${r.upstream.method} ${r.upstream.path}`);
      } else if (e.upstream !== undefined) {
        check(`${at}.upstream`, label, r.upstream !== null, "the request reaches the upstream", r.upstream === null ? "nothing reached it" : "reached");
        const u = r.upstream;
        if (u !== null && e.upstream !== true) {
          const ue = e.upstream;
          if (ue.method !== undefined) check(`${at}.upstream.method`, label, u.method === ue.method, ue.method, u.method);
          if (ue.path !== undefined) check(`${at}.upstream.path`, label, textMatches(ue.path, u.path), ue.path, u.path);
          headerChecks(`${at}.upstream.headers`, label, ue.headers, u.headers);
          if (ue.body !== undefined) check(`${at}.upstream.body`, label, textMatches(ue.body, u.body), ue.body, u.body);
          headerChecks(`${at}.upstream.trailers`, label, ue.trailers, u.trailers ?? []);
        }
      }
    });
  }

  const logs = outcome.logs ?? [];
  (ex.run?.logs ?? []).forEach((e, i) => {
    const found = logs.some((l) => logMatches(e, l));
    const near = logs.filter((l) => e.plugin === undefined || l.plugin === e.plugin).map((l) => `plugins[${l.plugin}] ${l.level}: ${l.message}`);
    check(`expect.logs[${i}]`, null, e.absent === true ? !found : found,
      `${e.absent === true ? "no line" : "a line"}${e.plugin !== undefined ? ` from plugins[${e.plugin}]` : ""}${e.level !== undefined ? ` at ${e.level}` : ""} matching ${JSON.stringify(e.message)}`,
      near.length === 0 ? "(no lines logged)" : near);
  });
  return { checked, failures };
}

export function logMatches(e: LogExpectation, l: ScenarioLog): boolean {
  return (e.plugin === undefined || e.plugin === l.plugin) && (e.level === undefined || e.level === l.level) && textMatches(e.message, l.message);
}

/** Whether every log line the scenario expects to appear has appeared (real Envoy's log arrives late). */
export function expectedLogsPresent(ex: ScenarioExpectations, logs: ReadonlyArray<ScenarioLog>): boolean {
  return (ex.run?.logs ?? []).every((e) => e.absent === true || logs.some((l) => logMatches(e, l)));
}

/** A readable report: one block per failure, expected (-) against actual (+). */
export function formatExpectationFailures(host: string, failures: ReadonlyArray<ExpectationFailure>): string {
  const show = (v: unknown): string => (typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v, null, 0));
  return failures.map((f) => [
    `✗ ${host}: ${f.at}${f.request !== null ? `  (${f.request})` : ""}`,
    `  - expected: ${show(f.expected)}`,
    `  + actual:   ${show(f.actual)}`,
  ].join("\n")).join("\n");
}
