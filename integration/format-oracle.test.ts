// The SDK's value formatter (sdk/assembly/format) against Envoy's own: the same format strings
// rendered by Envoy 1.40's native header_mutation filter (keep_empty_value: true, so the raw result
// shows) and by the formatter's fixture filter (sdk/test/fixtures/format), in real Envoy, and by the
// fixture on the mock host.
//
//   native vs fixture, separate Envoys: equal, except values that differ between any two runs by
//     nature (ports, times, connection and request ids), which are compared by shape (every run of
//     hex digits collapsed to one "x") — each such command says so with `vary` below;
//   native and fixture in ONE filter chain (the same stream): equal, every value exactly, except the
//     two documented differences (KNOWN_ENVOY_DIFFERENCES);
//   a local reply (a route to a missing cluster): flags, code and details, exactly;
//   fixture on the mock host vs fixture in Envoy: equal, with `vary` values and the mock's own
//     addresses compared by shape, except the mock differences listed in KNOWN_MOCK_DIFFERENCES.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseScenario, runOnMock, type Scenario, type ScenarioResult } from "@filterkit/host-mock/scenario";
import { runOnEnvoy, envoyRuntime } from "@filterkit/envoy";

const skip = envoyRuntime();
const FIXTURE = fileURLToPath(new URL("../sdk/test/fixtures/format/build/release.wasm", import.meta.url));

/** A value's shape: every run of hex digits (0-9, a-f) becomes one "x" (ports, times, uuids, addresses). */
const shape = (v: string): string => v.replace(/[0-9a-f]+/g, "x");

interface Cmd {
  t: string;
  /** differs between runs by nature: compared by shape across separate runs and against the mock */
  vary?: true;
}

const cmd = (t: string, vary?: true): Cmd => (vary ? { t, vary } : { t });

/** Commands Envoy 1.40 knows, spelled as Envoy spells them. */
const ENVOY: Cmd[] = [
  cmd("%%"), cmd("a%%b"), cmd("plain"), cmd(""),
  cmd("%REQ(x-src)%"), cmd("%REQ(X-SRC)%"), cmd("%REQ(x-none)%"), cmd("%REQ(x-none?x-src)%"), cmd("%REQ(x-src?x-none)%"),
  cmd("%REQ(?x-src)%"), cmd("%REQ(x-src?)%"), cmd("%REQ(x-rep)%"), cmd("%REQ(cookie)%"), cmd("%REQ(:path)%"),
  cmd("%REQ(:authority)%"), cmd("%REQ(:method)%"), cmd("%REQ(:scheme)%"), cmd("%REQ(x-src):3%"), cmd("%REQ(x-src):0%"),
  cmd("%REQ(x-none?x-src):2%"), cmd("%REQ(x-utf)%"), cmd("%REQ(x-utf):3%"), cmd("%REQ(x-utf):2%"), cmd("%REQ(x-ws)%"),
  cmd("%REQ(x-request-id)%", true), cmd("%REQ(x-forwarded-proto)%"), cmd("%REQ(content-length)%"),
  cmd("%RESP(x-up)%"), cmd("%RESP(x-none)%"), cmd("%RESP(x-none?x-up)%"), cmd("%RESP(:status)%"), cmd("%RESP(content-length)%"),
  cmd("%RESP(x-envoy-upstream-service-time)%", true), cmd("%RESP(x-up):1%"),
  cmd("%DOWNSTREAM_REMOTE_ADDRESS%", true), cmd("%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%", true), cmd("%DOWNSTREAM_REMOTE_PORT%", true),
  cmd("%DOWNSTREAM_LOCAL_ADDRESS%", true), cmd("%DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT%", true), cmd("%DOWNSTREAM_LOCAL_PORT%", true),
  cmd("%DOWNSTREAM_DIRECT_REMOTE_ADDRESS%", true), cmd("%DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT%", true),
  cmd("%DOWNSTREAM_DIRECT_REMOTE_PORT%", true),
  cmd("%PROTOCOL%"), cmd("%START_TIME%", true), cmd("%START_TIME()%", true), cmd("%START_TIME(%s.%3f)%", true),
  cmd("%START_TIME(%Y-%m-%dT%H:%M:%S%z)%", true),
  cmd("%START_TIME(%a %b %e %H:%M:%S %Y|%j|%U|%V|%G|%E*S|%E3S|%Ez|%%s|%f|%6f|%c|%D|%r)%", true),
  cmd("%START_TIME(%-d|%_H|%^a|%#b|%10Y|%5%|%Eq|%E%|%0f|%10f|%12s|%9)%", true),
  cmd("%START_TIME(%64Y)%", true), cmd("%START_TIME(%65Y)%"), cmd("%START_TIME(é%63d)%", true), cmd("%START_TIME(%2147483647Y)%"),
  cmd("%RESPONSE_CODE%"), cmd("%RESPONSE_CODE_DETAILS%"), cmd("%RESPONSE_CODE_DETAILS(ALLOW_WHITESPACES)%"),
  cmd("%RESPONSE_FLAGS%"), cmd("%RESPONSE_FLAGS_LONG%"), cmd("%UPSTREAM_CLUSTER%"), cmd("%UPSTREAM_CLUSTER_RAW%"),
  cmd("%UPSTREAM_REMOTE_ADDRESS%", true), cmd("%UPSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%", true), cmd("%UPSTREAM_REMOTE_PORT%", true),
  cmd("%UPSTREAM_LOCAL_ADDRESS%", true), cmd("%UPSTREAM_LOCAL_ADDRESS_WITHOUT_PORT%", true), cmd("%UPSTREAM_LOCAL_PORT%", true),
  cmd("%UPSTREAM_HOST%", true), cmd("%UPSTREAM_TRANSPORT_FAILURE_REASON%"), cmd("%ROUTE_NAME%"), cmd("%CONNECTION_ID%", true),
  cmd("%STREAM_ID%", true), cmd("%REQUESTED_SERVER_NAME%"), cmd("%DOWNSTREAM_TLS_VERSION%"), cmd("%CONNECTION_TERMINATION_DETAILS%"),
  cmd("%QUERY_PARAM(x)%"), cmd("%QUERY_PARAM(z)%"), cmd("%QUERY_PARAM(e)%"), cmd("%QUERY_PARAM(f)%"), cmd("%QUERY_PARAM(g)%"),
  cmd("%QUERY_PARAM(h)%"), cmd("%QUERY_PARAM(q)%"), cmd("%QUERY_PARAM(k1)%"), cmd("%QUERY_PARAM(eq)%"), cmd("%QUERY_PARAM(none)%"),
  cmd("%QUERY_PARAM(x?y)%"), cmd("%QUERY_PARAM(z):1%"),
  cmd("[%REQ(x-src)%|%PROTOCOL%|%RESPONSE_CODE%|%RESP(x-up)%]"),
];

/** The kit's own commands (Envoy refuses them): rendered by the fixture only. */
const KIT: Cmd[] = [
  cmd("%QUERY(x)%"), cmd("%QUERY(z):1%"), cmd("%COOKIE(a)%"), cmd("%COOKIE(b)%"), cmd("%COOKIE(c)%"), cmd("%COOKIE(none)%"),
  cmd("%CAPTURE(0)%"), cmd("%CAPTURE(1)%"), cmd("%CAPTURE(year)%"), cmd("%CAPTURE(9)%"), cmd("%CAPTURE(1):2%"),
  cmd("%PROP(request.protocol)%"), cmd("%PROP(xds.cluster_name)%"), cmd("%PROP(source.port)%", true),
  cmd("%PROP(connection.id)%", true), cmd("%PROP(request.time)%", true), cmd("%PROP(response.code)%"), cmd("%PROP(connection.mtls)%"),
  cmd("%PROP(request.headers.x-src)%"), cmd("%PROP(plugin_root_id)%"), cmd("%PROP(upstream.address)%", true),
];

const CAPTURES = { captures: ["/2026/x", "2026"], captureNames: ["", "year"] };

/** R1: query, repeated headers, two cookie headers, UTF-8; R2: X-Forwarded-For and a client request id. */
const REQUESTS = [
  {
    method: "POST", path: "/a/b?x=1&y=2&x=3&z=a%20b&e=&f&g=a+b&h=%zz&q=%3D%26&k%31=v&eq=b=c",
    headers: [["x-src", "source"], ["x-rep", "r1"], ["x-rep", "r2"], ["cookie", "a=1; b=\"two\""], ["cookie", "c=3; a=shadowed"],
      ["x-utf", "héllo"], ["x-ws", "a b\tc"]],
    body: "hello",
    upstream: { status: 201, headers: [["x-up", "up"]], body: "ok" },
  },
  {
    method: "GET", path: "/second", newConnection: true,
    headers: [["x-src", "again"], ["x-forwarded-for", "1.2.3.4, 5.6.7.8"], ["x-request-id", "client-given-id"]],
    upstream: { status: 404, headers: [["x-up", "second"]], body: "" },
  },
];

const hv = (key: string, value: string) => ({ append: { header: { key, value }, keep_empty_value: true } });

/** Envoy's header_mutation: request templates → x-q<i>, response templates → x-s<i>. */
function headerMutation(templates: string[]): object {
  return {
    name: "envoy.filters.http.header_mutation",
    typed_config: {
      "@type": "type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation",
      mutations: { request_mutations: templates.map((t, i) => hv(`x-q${i}`, t)), response_mutations: templates.map((t, i) => hv(`x-s${i}`, t)) },
    },
  };
}

function scenario(fixtureConfig: Record<string, unknown> | null, requests: object[] = REQUESTS): Scenario {
  // parseScenario wants a plugin; a run of the native filter alone drops it again
  const doc = {
    plugins: [{ wasm: FIXTURE, rootId: "format", configuration: fixtureConfig ?? {} }],
    upstream: { status: 200, headers: [], body: "" },
    requests,
  };
  const s = parseScenario(doc, fileURLToPath(import.meta.url));
  return fixtureConfig === null ? { ...s, plugins: [] } : s;
}

/** What template i rendered, per request: [upstream value, client value] (null: no such header). */
type Rendered = Array<Array<[string | null, string | null]>>;

function rendered(results: ScenarioResult[], n: number, req = "x-q", resp = "x-s"): Rendered {
  const one = (pairs: Array<[string, string]> | undefined, name: string): string | null => {
    const v = (pairs ?? []).filter(([k]) => k === name);
    return v.length === 1 ? v[0][1] : v.length === 0 ? null : `<${v.length} headers>`;
  };
  return results.map((r) => Array.from({ length: n }, (_, i) => [one(r.upstream?.headers, `${req}${i}`), one(r.response.headers, `${resp}${i}`)]));
}

/** Where two renderings of the same commands differ: "R<n> <template> <phase>: a ≠ b". */
function differences(cmds: Cmd[], a: Rendered, b: Rendered, byShape: (c: Cmd) => boolean): string[] {
  const out: string[] = [];
  a.forEach((perRequest, r) => perRequest.forEach(([aq, as], i) => {
    const [bq, bs] = b[r][i];
    const c = cmds[i];
    for (const [phase, x, y] of [["request", aq, bq], ["response", as, bs]] as const) {
      const same = x === y || (byShape(c) && x !== null && y !== null && shape(x) === shape(y));
      if (!same) out.push(`R${r + 1} ${c.t} ${phase}: ${JSON.stringify(x)} ≠ ${JSON.stringify(y)}`);
    }
  }));
  return out;
}

/**
 * The fixture in Envoy differs from Envoy's own formatter here, on the same stream, and nowhere
 * else (sdk/README.md, Value formatter, "Differences from Envoy"):
 *  - truncation inside a multi-byte character: Envoy cuts the byte sequence (the client reads a
 *    broken character); the SDK stops before the character;
 *  - DOWNSTREAM_DIRECT_REMOTE_*: Envoy's socket peer; proxy-wasm has no attribute for it, so the
 *    SDK renders source.address, which X-Forwarded-For (R2) replaces with the client's address.
 */
const KNOWN_ENVOY_DIFFERENCES = [
  "R1 %REQ(x-utf):2% request", "R1 %REQ(x-utf):2% response",
  ...["%DOWNSTREAM_DIRECT_REMOTE_ADDRESS%", "%DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT%", "%DOWNSTREAM_DIRECT_REMOTE_PORT%"]
    .flatMap((t) => [`R2 ${t} request`, `R2 ${t} response`]),
];

/**
 * Where the mock host differs from Envoy here: nowhere since the two it had were fixed (it joined
 * repeated `cookie` headers into one entry, and appended a generated x-request-id to the client's;
 * integration/scenarios/request-id.json pins both). A new entry needs a reason.
 */
const KNOWN_MOCK_DIFFERENCES: string[] = [];

const withoutValues = (d: string): string => d.replace(/: .*$/s, "");

describe.skipIf(skip !== null)(`value formatter vs Envoy's own formatter${skip !== null ? ` — not run: ${skip}` : ""}`, { timeout: 120_000 }, () => {
  const all = ENVOY.map((c) => c.t);
  const kit = KIT.map((c) => c.t);
  // the fixture in Envoy, rendering every command (ENVOY then KIT): shared by two tests, run once
  let fixtureRun: Promise<Rendered> | null = null;
  const fixtureInEnvoy = (): Promise<Rendered> => (fixtureRun ??= runOnEnvoy(scenario({ request: [...all, ...kit], response: [...all, ...kit], ...CAPTURES }))
    .then((run) => {
      expect(run.results.map((r) => r.response.status)).toEqual([201, 404]);
      return rendered(run.results, all.length + kit.length);
    }));

  it("native header_mutation and the fixture, in separate Envoys, render the same values", async () => {
    const native = await runOnEnvoy(scenario(null), { nativeFilters: [headerMutation(all)] });
    const f = await fixtureInEnvoy();
    expect(native.results.map((r) => r.response.status)).toEqual([201, 404]);
    const n = rendered(native.results, all.length);
    // every header is there, empty values included (keep_empty_value / the fixture's add)
    expect(n.flat(2).filter((v) => v === null)).toEqual([]);
    expect(f.flat(2).filter((v) => v === null)).toEqual([]);
    // values that vary between runs (ports, times, ids) by shape; everything else exactly
    const diffs = differences(ENVOY, n, f.map((r) => r.slice(0, all.length)), (c) => c.vary === true);
    expect(diffs.map(withoutValues).filter((d) => !KNOWN_ENVOY_DIFFERENCES.includes(d))).toEqual([]);
    // spot checks of what Envoy rendered (the comparison above is the real test)
    const at = (t: string, r = 0) => n[r][all.indexOf(t)];
    expect(at("%REQ(x-src):3%")).toEqual(["sou", "sou"]);
    expect(at("%RESP(x-up)%")).toEqual(["", "up"]);
    expect(at("%RESPONSE_CODE%")).toEqual(["0", "201"]);
    expect(at("%RESPONSE_FLAGS%")).toEqual(["-", "-"]);
    expect(at("%DOWNSTREAM_REMOTE_ADDRESS%", 1)).toEqual(["5.6.7.8:0", "5.6.7.8:0"]);
    expect(at("%STREAM_ID%", 1)).toEqual(["client-given-id", "client-given-id"]);
    // the kit's commands in Envoy
    const k = (t: string, r = 0) => f[r][all.length + kit.indexOf(t)];
    expect(k("%COOKIE(c)%")).toEqual(["3", "3"]); // from the second cookie header
    expect(k("%COOKIE(a)%")).toEqual(["1", "1"]); // the first match wins
    expect(k("%COOKIE(b)%")).toEqual(["two", "two"]);
    expect(k("%QUERY(x)%")).toEqual(["1", "1"]);
    expect(k("%CAPTURE(year)%")).toEqual(["2026", "2026"]);
    expect(k("%CAPTURE(9)%")).toEqual(["", ""]);
    expect(k("%PROP(xds.cluster_name)%")).toEqual(["upstream", "upstream"]);
    expect(k("%PROP(connection.mtls)%")).toEqual(["false", "false"]);
    expect(k("%PROP(response.code)%")).toEqual(["", "201"]);
    // request.* attributes from headers are gone in the response phase: what the stash is for
    expect(k("%PROP(request.headers.x-src)%")).toEqual(["source", ""]);
    expect(k("%PROP(request.time)%")[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it("native and fixture on the same stream render every value exactly alike (times, ports and ids included)", async () => {
    const s = scenario({ request: all, response: all, requestPrefix: "x-fq", responsePrefix: "x-fs" });
    const run = await runOnEnvoy(s, { nativeFilters: [headerMutation(all)], routeOptions: { name: "oracle_route" } });
    const n = rendered(run.results, all.length);
    const f = rendered(run.results, all.length, "x-fq", "x-fs");
    const diffs = differences(ENVOY, n, f, () => false);
    // exactly the known ones, no more, no fewer
    expect(diffs.map(withoutValues).sort()).toEqual([...KNOWN_ENVOY_DIFFERENCES].sort());
    // Envoy cut "héllo" after 2 bytes: "h" and the first byte of "é"; the SDK stops before the "é"
    const utf = all.indexOf("%REQ(x-utf):2%");
    expect(f[0][utf]).toEqual(["h", "h"]);
    expect(n[0][utf].map((v) => v?.length)).toEqual([2, 2]);
    expect(n[0][all.indexOf("%ROUTE_NAME%")]).toEqual(["oracle_route", "oracle_route"]);
    expect(n[1][all.indexOf("%DOWNSTREAM_DIRECT_REMOTE_ADDRESS%")][0]).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(f[1][all.indexOf("%DOWNSTREAM_DIRECT_REMOTE_ADDRESS%")][0]).toBe("5.6.7.8:0");
  });

  it("a local reply (route to a missing cluster): flags, code and details as Envoy renders them", async () => {
    const cmds = ["%RESPONSE_CODE%", "%RESPONSE_FLAGS%", "%RESPONSE_FLAGS_LONG%", "%RESPONSE_CODE_DETAILS%", "%UPSTREAM_CLUSTER%",
      "%UPSTREAM_REMOTE_ADDRESS%", "%ROUTE_NAME%", "%RESP(content-type)%", "%RESP(content-length)%", "%REQ(x-target)%"];
    const requests = [{ method: "GET", path: "/", headers: [["x-target", "no_such_cluster"]] }];
    const s = scenario({ request: cmds, response: cmds, requestPrefix: "x-fq", responsePrefix: "x-fs" }, requests);
    const run = await runOnEnvoy(s, { nativeFilters: [headerMutation(cmds)], routeOptions: { name: "missing", route: { cluster_header: "x-target" } } });
    expect(run.results[0].response.status).toBe(503);
    const n = rendered(run.results, cmds.length).map((r) => r.map(([, resp]) => resp));
    const f = rendered(run.results, cmds.length, "x-fq", "x-fs").map((r) => r.map(([, resp]) => resp));
    expect(f).toEqual(n);
    // the router's reply headers (content-type, content-length) are not there yet when filters see it
    expect(n[0]).toEqual(["503", "NC", "NoClusterFound", "cluster_not_found", "", "", "missing", "", "", "no_such_cluster"]);
  });

  it("without the request-phase stash, response-phase %REQ% is empty in Envoy: proxy-wasm cannot read request headers there", async () => {
    const cmds = ["%REQ(x-src)%", "%STREAM_ID%", "%QUERY_PARAM(x)%", "%COOKIE(c)%"];
    const run = await runOnEnvoy(scenario({ request: cmds, response: cmds, stash: false }, [REQUESTS[1]]));
    const f = rendered(run.results, cmds.length)[0];
    expect(f.map(([req]) => req)).toEqual(["again", "client-given-id", "", ""]);
    expect(f.map(([, resp]) => resp)).toEqual(["", "", "", ""]);
  });

  it("the fixture on the mock host renders what it renders in Envoy", async () => {
    const envoy = await fixtureInEnvoy();
    const mock = runOnMock(scenario({ request: [...all, ...kit], response: [...all, ...kit], ...CAPTURES }));
    const m = rendered(mock.results, all.length + kit.length);
    const cmds = [...ENVOY, ...KIT];
    // the mock's addresses are its own (PROPERTY_DEFAULTS, 10.0.0.x): those compare by shape as well
    const diffs = differences(cmds, envoy, m, (c) => c.vary === true);
    expect(diffs.filter((d) => !KNOWN_MOCK_DIFFERENCES.includes(withoutValues(d)))).toEqual([]);
    expect(diffs.map(withoutValues).sort(), "the mock now agrees here: update KNOWN_MOCK_DIFFERENCES").toEqual([...KNOWN_MOCK_DIFFERENCES].sort());
    // X-Forwarded-For: Envoy's remote address becomes the client's (5.6.7.8:0); the mock keeps its
    // own source.address (it does not model that rule; reported) — the shapes agree, the values not
    const remote = all.indexOf("%DOWNSTREAM_REMOTE_ADDRESS%");
    expect(envoy[1][remote]).toEqual(["5.6.7.8:0", "5.6.7.8:0"]);
    expect(m[1][remote]).toEqual(["10.0.0.1:40000", "10.0.0.1:40000"]);
  });
});
