// Native Envoy as the oracle: every file in oracle/ holds an Envoy header configuration (a
// header_mutation filter's `mutations`, route-level header options, or both) and requests. Each runs
//   1. in real Envoy through Envoy's own filter / route options (no wasm),
//   2. in real Envoy through header-rewrite with the configuration tools/translate.ts makes of it,
//   3. through header-rewrite on the mock host,
// and what reached the upstream and the client must be the same in 1 and 2 (header order and
// repeats included) and in 2 and 3, except what a file documents (`differences`, `mock_differences`:
// a header name and why). Query strings, which Envoy re-sorts and re-encodes and the filter edits in
// place (README, "Differences from Envoy"), are compared as their decoded parameters when a file says
// `"query": "decoded"`. Every file's expectations must hold in 1 and 2, and Envoy's filter must have
// changed something (a configuration that does nothing proves nothing).
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  checkExpectations, formatExpectationFailures, expectationsOf, parseScenario, runOnMock, type Scenario, type ScenarioResult,
} from "@filterkit/host-mock/scenario";
import { IGNORED_RESPONSE_HEADERS, IGNORED_UPSTREAM_HEADERS, runOnEnvoy, envoyRuntime } from "@filterkit/envoy";
import { translateDocument, type Json } from "./tools/translate.ts";

const here = dirname(fileURLToPath(import.meta.url));
const WASM = join(here, "build", "release.wasm");
const dir = join(here, "oracle");
const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
const skip = envoyRuntime();

type Pairs = Array<[string, string]>;
/**
 * A documented difference: a header whose values differ (`header`), or a whole request whose
 * outcome differs (`request`, with what native Envoy gave: `native_status`).
 */
type Documented = { header?: string; request?: number; native_status?: number; why: string };

interface OracleFile {
  description: string;
  /** HeaderMutation.mutations of envoy.filters.http.header_mutation */
  header_mutation?: Record<string, Json>;
  /** route-level header options: native Envoy sets them on the route, header-rewrite gets them as rules */
  route?: Record<string, Json>;
  /** merged into the route of every Envoy run (e.g. a cluster_header that makes local replies) */
  envoy_route?: Record<string, unknown>;
  /** what the translation must warn about, exactly */
  warnings?: string[];
  query?: "decoded";
  differences?: Documented[];
  mock_differences?: Documented[];
  upstream?: unknown;
  requests: unknown[];
}

const KEYS = ["$schema", "description", "header_mutation", "route", "envoy_route", "warnings", "query", "differences", "mock_differences", "upstream", "requests"];

function load(file: string): OracleFile {
  const doc = JSON.parse(readFileSync(join(dir, file), "utf8")) as OracleFile;
  const unknown = Object.keys(doc).filter((k) => !KEYS.includes(k));
  if (unknown.length > 0) throw new Error(`${file}: unknown keys ${unknown.join(", ")} (known: ${KEYS.join(", ")})`);
  if (doc.header_mutation === undefined && doc.route === undefined) throw new Error(`${file}: needs "header_mutation" or "route"`);
  return doc;
}

/** The filter's configuration for a file: what `npm run translate:header-rewrite` makes of it. */
function translate(doc: OracleFile): { config: { rules: Array<Record<string, Json>> }; warnings: string[] } {
  const t = translateDocument({ ...(doc.header_mutation !== undefined ? { mutations: doc.header_mutation } : {}), ...(doc.route ?? {}) });
  if (typeof t === "string") throw new Error(t);
  return t;
}

function scenarioOf(doc: OracleFile, file: string, configuration: object): Scenario {
  return parseScenario({
    description: doc.description,
    plugins: [{ wasm: WASM, rootId: "header_rewrite", vmId: "header_rewrite", configuration }],
    ...(doc.upstream !== undefined ? { upstream: doc.upstream } : {}),
    requests: doc.requests,
  }, join(dir, file));
}

function nativeFilter(doc: OracleFile): object[] {
  if (doc.header_mutation === undefined) return [];
  return [{
    name: "envoy.filters.http.header_mutation",
    typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation", mutations: doc.header_mutation },
  }];
}

/** A query string as its decoded parameters, sorted by name (stable): what Envoy's re-encoding keeps. */
function decodedQuery(path: string): string {
  const q = path.indexOf("?");
  if (q < 0) return path;
  const dec = (s: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const params = path.slice(q + 1).split("&").filter((p) => p !== "").map((p) => {
    const eq = p.indexOf("=");
    return eq < 0 ? [dec(p), ""] : [dec(p.slice(0, eq)), dec(p.slice(eq + 1))];
  });
  params.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return `${path.slice(0, q)} ${JSON.stringify(params)}`;
}

/** Every difference between two runs' results, one line each; documented header names are left out. */
function differences(a: ScenarioResult[], b: ScenarioResult[], doc: OracleFile, documented: Documented[]): string[] {
  const skipNames = new Set(documented.flatMap((d) => (d.header !== undefined ? [d.header] : [])));
  const skipRequests = new Set(documented.flatMap((d) => (d.request !== undefined ? [d.request] : [])));
  const out: string[] = [];
  const pairs = (ignored: ReadonlyMap<string, string>, h: Pairs | undefined): Pairs =>
    (h ?? []).filter(([k]) => !ignored.has(k) && !skipNames.has(k));
  const path = (p: string): string => (doc.query === "decoded" ? decodedQuery(p) : p);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (skipRequests.has(i)) continue;
    const x = a[i];
    const y = b[i];
    const diff = (field: string, u: unknown, v: unknown): void => {
      if (JSON.stringify(u) !== JSON.stringify(v)) out.push(`request ${i} ${field}:\n    ${JSON.stringify(u)}\n    ${JSON.stringify(v)}`);
    };
    if (x === undefined || y === undefined) {
      diff("result", x, y);
      continue;
    }
    diff("upstream reached", x.upstream !== null, y.upstream !== null);
    if (x.upstream !== null && y.upstream !== null) {
      diff("upstream.method", x.upstream.method, y.upstream.method);
      diff("upstream.path", path(x.upstream.path), path(y.upstream.path));
      diff("upstream.headers", pairs(IGNORED_UPSTREAM_HEADERS, x.upstream.headers), pairs(IGNORED_UPSTREAM_HEADERS, y.upstream.headers));
      diff("upstream.body", x.upstream.body, y.upstream.body);
      diff("upstream.trailers", pairs(IGNORED_UPSTREAM_HEADERS, x.upstream.trailers), pairs(IGNORED_UPSTREAM_HEADERS, y.upstream.trailers));
    }
    diff("response.status", x.response.status, y.response.status);
    diff("response.headers", pairs(IGNORED_RESPONSE_HEADERS, x.response.headers), pairs(IGNORED_RESPONSE_HEADERS, y.response.headers));
    diff("response.body", x.response.body, y.response.body);
    diff("response.trailers", pairs(IGNORED_RESPONSE_HEADERS, x.response.trailers), pairs(IGNORED_RESPONSE_HEADERS, y.response.trailers));
  }
  return out;
}

/** The headers a documented difference names must really differ (a stale entry would hide a regression). */
function differingNames(a: ScenarioResult[], b: ScenarioResult[]): Set<string> {
  const names = new Set<string>();
  const values = (h: Pairs | undefined, n: string) => JSON.stringify((h ?? []).filter(([k]) => k === n));
  a.forEach((x, i) => {
    const y = b[i];
    for (const [u, v] of [[x.upstream?.headers, y?.upstream?.headers], [x.response.headers, y?.response.headers]] as const) {
      for (const [k] of [...(u ?? []), ...(v ?? [])]) if (values(u, k) !== values(v, k)) names.add(k);
    }
  });
  return names;
}

describe(`header-rewrite oracle corpus (${files.length} files)`, () => {
  it("has a corpus, each file well-formed and translated without surprises", () => {
    expect(files.length).toBeGreaterThanOrEqual(8);
    for (const file of files) {
      const doc = load(file);
      const t = translate(doc);
      expect(t.warnings, file).toEqual(doc.warnings ?? []);
      expect(t.config.rules.length, file).toBeGreaterThan(0);
      // the translated configuration is one the filter accepts (on the mock host, without Envoy)
      const s = scenarioOf(doc, file, t.config);
      expect(() => runOnMock({ ...s, requests: [] }), file).not.toThrow();
    }
  });
});

describe.skipIf(skip !== null)(`header-rewrite against Envoy's header_mutation and route options${skip !== null ? ` — not run: ${skip}` : ""}`, { timeout: 120_000 }, () => {
  for (const file of files) {
    it(file, async () => {
      const doc = load(file);
      const t = translate(doc);
      const ours = scenarioOf(doc, file, t.config);
      const bare = { ...ours, plugins: [] };
      const nativeRun = await runOnEnvoy(bare, { nativeFilters: nativeFilter(doc), routeOptions: { ...(doc.route ?? {}), ...(doc.envoy_route ?? {}) } });
      const oursRun = await runOnEnvoy(ours, doc.envoy_route !== undefined ? { routeOptions: doc.envoy_route } : {});

      // Envoy's own filter changed something: compared with the same requests through no filter at all
      const untouched = await runOnEnvoy(bare, doc.envoy_route !== undefined ? { routeOptions: doc.envoy_route } : {});
      expect(differences(nativeRun.results, untouched.results, { ...doc, query: undefined }, []).length, `${file}: the native configuration changed nothing`).toBeGreaterThan(0);

      // 1 == 2: header-rewrite in Envoy does what Envoy's own filter does
      const documented = doc.differences ?? [];
      expect(differences(nativeRun.results, oursRun.results, doc, documented), `${file}: native Envoy (first line) and header-rewrite (second) differ`).toEqual([]);
      const real = differingNames(nativeRun.results, oursRun.results);
      for (const d of documented) {
        if (d.header !== undefined) expect(real.has(d.header), `${file}: documented difference "${d.header}" does not occur`).toBe(true);
        if (d.request !== undefined) {
          expect(nativeRun.results[d.request].response.status, `${file}: request ${d.request}: native Envoy's documented status`).toBe(d.native_status);
          expect(differences([nativeRun.results[d.request]], [oursRun.results[d.request]], doc, []).length, `${file}: documented difference at request ${d.request} does not occur`).toBeGreaterThan(0);
        }
      }

      // the file's expectations hold for both
      for (const [who, run] of [["native Envoy", nativeRun], ["header-rewrite in Envoy", oursRun]] as const) {
        const report = checkExpectations(expectationsOf(ours), { results: run.results, logs: run.logs });
        expect(report.failures, `${file}: ${who} misses expectations\n${formatExpectationFailures(who, report.failures)}`).toEqual([]);
      }

      // 2 == 3: the mock host runs the filter as Envoy does (routes are Envoy's alone: a file that
      // needs envoy_route makes replies the mock cannot, and is compared in Envoy only)
      if (doc.envoy_route === undefined) {
        const mock = runOnMock(ours);
        const mockDocumented = doc.mock_differences ?? [];
        expect(differences(mock.results, oursRun.results, { ...doc, query: undefined }, mockDocumented), `${file}: the mock host (first line) and Envoy (second) differ`).toEqual([]);
        const realMock = differingNames(mock.results, oursRun.results);
        for (const d of mockDocumented) {
          expect(d.header !== undefined && realMock.has(d.header), `${file}: documented mock difference "${d.header ?? "?"}" does not occur`).toBe(true);
        }
      }
    });
  }
});
