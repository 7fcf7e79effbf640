// The value formatter (sdk/assembly/format) through its fixture filter on the mock host, both builds.
// What Envoy itself renders for the same templates is checked in real Envoy by
// integration/format-oracle.test.ts; here: every command against the mock host's attribute values,
// truncation, escapes, alternates, absent values, every malformed shape, captures, stashed request
// headers, calendar arithmetic against the C library's strftime (GNU date), and thousands of
// random templates that must neither trap nor disagree with Envoy's grammar.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { createHost, LogLevel, type MockHost } from "@filterkit/host-mock";
import { BUILDS, fixtureWasm, prng, type Build } from "./helpers.ts";

// Compiled at collection time (outside any test timeout).
const WASM = { debug: fixtureWasm("format", "debug"), release: fixtureWasm("format", "release") };

/** 2026-12-02T02:24:30.188484Z: the mock's stream start (request.time). */
const T0 = 1796178270188484000n;

type Pairs = Array<[string, string]>;

const REQUEST: Pairs = [
  [":method", "POST"], [":path", "/a/b?x=1&y=2&x=3&z=a%20b&e=&f&g=a+b&h=%zz&q=%3D%26&k%31=v&eq=b=c"],
  [":authority", "example.com"], [":scheme", "http"], ["x-src", "source"], ["x-rep", "r1"], ["x-rep", "r2"],
  ["x-utf", "héllo"], ["x-emoji", "a😀b"], ["x-request-id", "rid-1"],
  // one cookie header: the mock host merges repeated ones into one (Envoy 1.40 keeps them apart,
  // integration/format-oracle.test.ts covers that)
  ["cookie", "a=1; b=\"two\";  c = 3; d=x=y; e=5; a=shadowed"],
];
const RESPONSE: Pairs = [[":status", "201"], ["x-up", "up"], ["x-empty", ""]];

interface Config {
  request?: string[];
  response?: string[];
  check?: string[];
  fuzz?: string[];
  captures?: Array<string | null>;
  captureNames?: string[];
  stash?: boolean;
  strict?: boolean;
}

function host(build: Build, config: Config, properties: Record<string, string | bigint | boolean | null> = {}): MockHost {
  const h = createHost({ wasm: WASM[build], rootId: "format", pluginConfig: config as Record<string, unknown>, now: T0, properties });
  return h;
}

function values(headers: Pairs, prefix: string, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const v = headers.filter(([k]) => k === `${prefix}${i}`);
    out.push(v.length === 1 ? v[0][1] : `<${v.length} headers>`);
  }
  return out;
}

/** Renders `templates` in the request phase and the response phase of one exchange. */
function render(build: Build, templates: string[], config: Config = {}, properties: Record<string, string | bigint | boolean | null> = {},
  request: Pairs = REQUEST, response: Pairs = RESPONSE): { req: string[]; resp: string[]; host: MockHost } {
  const h = host(build, { request: templates, response: templates, ...config }, properties);
  expect(h.configured).toBe(true);
  const s = h.newHttpStream();
  s.sendRequestHeaders(request, true);
  s.sendResponseHeaders(response, true);
  expect(h.logsAt(LogLevel.error)).toEqual([]);
  return { req: values(s.request.headers, "x-q", templates.length), resp: values(s.response.headers, "x-s", templates.length), host: h };
}

/** One template, both phases: [request, response]. */
function both(build: Build, template: string, properties: Record<string, string | bigint | boolean | null> = {}, config: Config = {}): [string, string] {
  const r = render(build, [template], config, properties);
  return [r.req[0], r.resp[0]];
}

/** The fixture's verdict on each template: "ok" / "ok literal=…" or "error@offset message". */
function check(build: Build, templates: string[]): string[] {
  const h = host(build, { check: templates });
  expect(h.configured).toBe(true);
  return h.logsAt(LogLevel.info).filter((l) => l.startsWith("check[")).map((l) => {
    const m = /^check\[\d+\] (ok|error) (.*)$/s.exec(l)!;
    if (m[1] === "ok") return `ok ${m[2]}`;
    const e = /^offset=(-?\d+) (.*)$/s.exec(m[2])!;
    return `error@${e[1]} ${e[2]}`;
  });
}

describe.each(BUILDS)("value formatter (%s build)", (build) => {
  it("every Envoy command, in both phases, from the mock host's attributes", () => {
    const cases: Array<[string, string, string]> = [
      ["%DOWNSTREAM_REMOTE_ADDRESS%", "10.0.0.1:40000", "10.0.0.1:40000"],
      ["%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%", "10.0.0.1", "10.0.0.1"],
      ["%DOWNSTREAM_REMOTE_PORT%", "40000", "40000"],
      ["%DOWNSTREAM_DIRECT_REMOTE_ADDRESS%", "10.0.0.1:40000", "10.0.0.1:40000"],
      ["%DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT%", "10.0.0.1", "10.0.0.1"],
      ["%DOWNSTREAM_DIRECT_REMOTE_PORT%", "40000", "40000"],
      ["%DOWNSTREAM_LOCAL_ADDRESS%", "10.0.0.2:8080", "10.0.0.2:8080"],
      ["%DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT%", "10.0.0.2", "10.0.0.2"],
      ["%DOWNSTREAM_LOCAL_PORT%", "8080", "8080"],
      ["%PROTOCOL%", "HTTP/1.1", "HTTP/1.1"],
      ["%START_TIME%", "2026-12-02T02:24:30.188Z", "2026-12-02T02:24:30.188Z"],
      ["%START_TIME()%", "2026-12-02T02:24:30.188Z", "2026-12-02T02:24:30.188Z"],
      ["%RESPONSE_CODE%", "0", "201"],
      ["%RESPONSE_CODE()%", "0", "201"],
      ["%RESPONSE_CODE_DETAILS%", "", "via_upstream"],
      ["%RESPONSE_FLAGS%", "-", "-"],
      ["%RESPONSE_FLAGS_LONG%", "-", "-"],
      ["%UPSTREAM_CLUSTER%", "mock_upstream", "mock_upstream"],
      ["%UPSTREAM_CLUSTER_RAW%", "mock_upstream", "mock_upstream"],
      ["%UPSTREAM_REMOTE_ADDRESS%", "", "10.0.0.3:80"],
      ["%UPSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%", "", "10.0.0.3"],
      ["%UPSTREAM_REMOTE_PORT%", "", "80"],
      ["%UPSTREAM_LOCAL_ADDRESS%", "", "10.0.0.2:40001"],
      ["%UPSTREAM_LOCAL_ADDRESS_WITHOUT_PORT%", "", "10.0.0.2"],
      ["%UPSTREAM_LOCAL_PORT%", "", "40001"],
      ["%UPSTREAM_HOST%", "", "10.0.0.3:80"],
      ["%UPSTREAM_TRANSPORT_FAILURE_REASON%", "", ""],
      ["%ROUTE_NAME%", "mock_route", "mock_route"],
      ["%CONNECTION_ID%", "1", "1"],
      ["%STREAM_ID%", "rid-1", "rid-1"],
      ["%REQUESTED_SERVER_NAME%", "", ""],
      ["%DOWNSTREAM_TLS_VERSION%", "", ""],
      ["%CONNECTION_TERMINATION_DETAILS%", "", ""],
      ["%REQ(x-src)%", "source", "source"],
      ["%REQ(X-Src)%", "source", "source"],
      ["%REQ(:path)%", REQUEST[1][1], REQUEST[1][1]],
      ["%REQ(:METHOD)%", "POST", "POST"],
      ["%REQ(x-rep)%", "r1", "r1"],
      ["%REQ(cookie)%", "a=1; b=\"two\";  c = 3; d=x=y; e=5; a=shadowed", "a=1; b=\"two\";  c = 3; d=x=y; e=5; a=shadowed"],
      ["%RESP(x-up)%", "", "up"],
      ["%RESP(:status)%", "", "201"],
      ["%RESP(x-empty)%", "", ""],
    ];
    const r = render(build, cases.map(([t]) => t));
    expect(cases.map(([t], i) => [t, r.req[i], r.resp[i]])).toEqual(cases);
  });

  it("%%, literals and mixed text; a literal template renders without reading anything", () => {
    const r = render(build, ["%%", "a%%b", "100%% sure", "%%%%", "", "plain", "[%REQ(x-src)%|%PROTOCOL%|%RESPONSE_CODE%]", "%REQ(x-src)%%REQ(x-up)%%%"]);
    expect(r.req).toEqual(["%", "a%b", "100% sure", "%%", "", "plain", "[source|HTTP/1.1|0]", "source%"]);
    expect(r.resp).toEqual(["%", "a%b", "100% sure", "%%", "", "plain", "[source|HTTP/1.1|201]", "source%"]);
    expect(check(build, ["plain", "a%%b", "", "%REQ(x)%", "x%PROTOCOL%"])).toEqual([
      "ok literal=yes value=plain headers=",
      "ok literal=yes value=a%b headers=",
      "ok literal=yes value= headers=",
      "ok literal=no headers=x",
      "ok literal=no headers=",
    ]);
  });

  it("alternate headers: the main one when present, else the alternate; either may be empty", () => {
    const r = render(build, ["%REQ(x-none?x-src)%", "%REQ(x-src?x-none)%", "%REQ(x-src?x-rep)%", "%REQ(?x-src)%", "%REQ(x-src?)%",
      "%REQ(x-none?x-none2)%", "%RESP(x-none?x-up)%", "%RESP(x-up?x-none)%", "%REQ(X-NONE?X-SRC)%"]);
    expect(r.req).toEqual(["source", "source", "source", "source", "source", "", "", "", "source"]);
    expect(r.resp).toEqual(["source", "source", "source", "source", "source", "", "up", "up", "source"]);
  });

  it("truncation :N counts UTF-8 bytes and never cuts a character (Envoy cuts bytes, see the README)", () => {
    const r = render(build, [
      "%REQ(x-src):3%", "%REQ(x-src):0%", "%REQ(x-src):6%", "%REQ(x-src):99%", "%REQ(x-src):0003%",
      "%REQ(x-src):18446744073709551615%", "%REQ(x-none?x-src):2%", "%REQ(x-none):2%",
      "%REQ(x-utf):1%", "%REQ(x-utf):2%", "%REQ(x-utf):3%", "%REQ(x-emoji):1%", "%REQ(x-emoji):4%", "%REQ(x-emoji):5%",
      "%RESP(x-up):1%", "%QUERY_PARAM(z):1%", "%QUERY(z):2%", "%COOKIE(b):2%", "%CAPTURE(1):2%", "%CAPTURE(year):3%",
      "%PROP(source.address):4%", "<%REQ(x-src):2%>",
    ], { captures: ["whole", "2026", null], captureNames: ["", "year", ""] });
    expect(r.req).toEqual([
      "sou", "", "source", "source", "sou", "source", "so", "",
      "h", "h", "hé", "a", "a", "a😀",
      "", "a", "a ", "tw", "20", "202", "10.0", "<so>",
    ]);
    expect(r.resp[14]).toBe("u");
  });

  it("absent values render as Envoy renders them: \"\" for most, 0 for the response code, - for flags", () => {
    const props = {
      "request.protocol": null, "request.time": null, "response.code": null, "response.flags": null, "response.code_details": null,
      "xds.cluster_name": null, "xds.route_name": null, "connection.id": null, "source.address": null, "destination.address": null,
    };
    const templates = ["%PROTOCOL%", "%START_TIME%", "%START_TIME(%s)%", "%RESPONSE_CODE%", "%RESPONSE_FLAGS%", "%RESPONSE_FLAGS_LONG%",
      "%RESPONSE_CODE_DETAILS%", "%UPSTREAM_CLUSTER%", "%ROUTE_NAME%", "%CONNECTION_ID%", "%DOWNSTREAM_REMOTE_ADDRESS%",
      "%DOWNSTREAM_REMOTE_PORT%", "%DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT%", "%REQ(x-none)%", "%RESP(x-none)%", "%QUERY_PARAM(none)%",
      "%COOKIE(none)%", "%CAPTURE(0)%", "%CAPTURE(none)%", "%PROP(no.such.attribute)%", "%STREAM_ID%", "a%REQ(x-none)%b"];
    const r = render(build, templates, {}, props, [[":method", "GET"], [":path", "/"], [":authority", "a"]], [[":status", "200"]]);
    const expected = ["", "", "", "0", "-", "-", "", "", "", "0", "", "", "", "", "", "", "", "", "", "", "", "ab"];
    expect(r.req).toEqual(expected);
    expect(r.resp).toEqual(expected);
  });

  it("addresses: IPv6 without brackets, a non-IP address whole with no port", () => {
    expect(both(build, "%DOWNSTREAM_REMOTE_ADDRESS%|%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%|%DOWNSTREAM_REMOTE_PORT%", { "source.address": "[2001:db8::1]:5000" }))
      .toEqual(["[2001:db8::1]:5000|2001:db8::1|5000", "[2001:db8::1]:5000|2001:db8::1|5000"]);
    expect(both(build, "%DOWNSTREAM_LOCAL_ADDRESS%|%DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT%|%DOWNSTREAM_LOCAL_PORT%", { "destination.address": "/run/envoy.sock" }))
      .toEqual(["/run/envoy.sock|/run/envoy.sock|", "/run/envoy.sock|/run/envoy.sock|"]);
  });

  it("response flags and code details from the attributes: Envoy's names, whitespace as _ unless ALLOW_WHITESPACES", () => {
    // bits: NoHealthyUpstream (1), UpstreamConnectionFailure (5), NoRouteFound (8), DownstreamRemoteReset (28)
    const flags = (1n << 1n) | (1n << 5n) | (1n << 8n) | (1n << 28n);
    expect(both(build, "%RESPONSE_FLAGS%|%RESPONSE_FLAGS_LONG%", { "response.flags": flags })[1])
      .toBe("UH,UF,NR,DR|NoHealthyUpstream,UpstreamConnectionFailure,NoRouteFound,DownstreamRemoteReset");
    expect(both(build, "%RESPONSE_FLAGS%", { "response.flags": 1n << 62n })[1]).toBe("-"); // no core flag there
    expect(both(build, "%RESPONSE_CODE_DETAILS%|%RESPONSE_CODE_DETAILS(ALLOW_WHITESPACES)%|%RESPONSE_CODE_DETAILS(OTHER)%", { "response.code_details": "upstream reset\tafter" })[1])
      .toBe("upstream_reset_after|upstream reset\tafter|upstream_reset_after");
  });

  it("%QUERY_PARAM% / %QUERY%: the first value, key and value percent-decoded, '+' kept, bad escapes kept", () => {
    const names = ["x", "y", "z", "e", "f", "g", "h", "q", "k1", "eq", "none", "X", "x?y"];
    const r = render(build, [...names.map((n) => `%QUERY_PARAM(${n})%`), ...names.map((n) => `%QUERY(${n})%`)]);
    const expected = ["1", "2", "a b", "", "", "a+b", "%zz", "=&", "v", "b=c", "", "", ""];
    expect(r.req).toEqual([...expected, ...expected]);
    expect(r.resp).toEqual([...expected, ...expected]); // :path kept for the response phase
    expect(both(build, "%QUERY_PARAM(a)%", {}, {})).toEqual(["", ""]);
  });

  it("%COOKIE%: the first match, leading spaces skipped, quotes stripped, the key compared exactly", () => {
    const r = render(build, ["%COOKIE(a)%", "%COOKIE(b)%", "%COOKIE(c)%", "%COOKIE(c )%", "%COOKIE(d)%", "%COOKIE(e)%", "%COOKIE(none)%", "%COOKIE(A)%"]);
    const expected = ["1", "two", "", " 3", "x=y", "5", "", ""];
    expect(r.req).toEqual(expected);
    expect(r.resp).toEqual(expected);
  });

  it("%CAPTURE(n)% and %CAPTURE(name)%: the caller's groups; a group that did not take part or does not exist is empty", () => {
    const r = render(build, ["%CAPTURE(0)%", "%CAPTURE(1)%", "%CAPTURE(2)%", "%CAPTURE(3)%", "%CAPTURE(99999999999)%", "%CAPTURE(01)%",
      "%CAPTURE(year)%", "%CAPTURE(rest)%", "%CAPTURE(nope)%", "/%CAPTURE(1)%/%CAPTURE(year)%/"],
    { captures: ["/2026/x", "2026", null, "x"], captureNames: ["", "year", "skipped", "rest"] });
    const expected = ["/2026/x", "2026", "", "x", "", "2026", "2026", "x", "", "/2026/2026/"];
    expect(r.req).toEqual(expected);
    expect(r.resp).toEqual(expected);
  });

  it("%PROP(path)%: strings as is, integers in decimal, bools, timestamps as START_TIME, durations in ms; \\. escapes a dot", () => {
    const r = render(build, [
      "%PROP(source.port)%", "%PROP(connection.id)%", "%PROP(connection.mtls)%", "%PROP(request.time)%", "%PROP(xds.node.id)%",
      "%PROP(request.headers.x-src)%", "%PROP(plugin_root_id)%", "%PROP(test.a\\.b)%", "%PROP(test.n)%", "%PROP(response.code)%",
      "%PROP(request.duration)%",
    ], {}, { "test.a.b": "wrong", "test.n": 0x4847464544434241n, "request.duration": 1_500_000_000n });
    // an attribute %PROP% does not know the type of renders its bytes as text (here an int64: "ABCDEFGH")
    expect(r.req).toEqual(["40000", "1", "false", "2026-12-02T02:24:30.188Z", "mock-node", "source", "format", "", "ABCDEFGH", "", "1500"]);
    expect(r.resp[9]).toBe("201");
    const h = host(build, { request: ["%PROP(test.a\\.b)%|%PROP(test.a.b)%|%PROP(test.back\\\\slash)%"] });
    h.setProperty(["test", "a.b"], "dot");
    h.setProperty(["test", "a", "b"], "nested");
    h.setProperty(["test", "back\\slash"], "bs");
    const s = h.newHttpStream();
    s.sendRequestHeaders([[":method", "GET"], [":path", "/"], [":authority", "a"]], true);
    expect(s.request.headers.find(([k]) => k === "x-q0")?.[1]).toBe("dot|nested|bs");
  });

  it("response templates read request headers kept in the request phase (HeaderStash); without it they are empty", () => {
    const templates = ["%REQ(x-src)%", "%REQ(x-none?x-rep)%", "%STREAM_ID%", "%QUERY_PARAM(y)%", "%COOKIE(e)%"];
    const kept = render(build, templates);
    expect(kept.resp).toEqual(["source", "r1", "rid-1", "2", "5"]);
    const live = render(build, templates, { stash: false });
    expect(live.req).toEqual(["source", "r1", "rid-1", "2", "5"]);
    expect(live.resp).toEqual(["", "", "", "", ""]); // proxy-wasm: request headers are gone in the response phase
    expect(check(build, ["%REQ(X-A?x-b)%%REQ(x-a)%%QUERY(q)%%COOKIE(c)%%STREAM_ID%%RESP(x-r)%%QUERY_PARAM(p)%"]))
      .toEqual(["ok literal=no headers=x-a,x-b,:path,cookie,x-request-id"]);
  });

  it("every malformed shape is a compile error naming the problem and where it starts", () => {
    const cases: Array<[string, string]> = [
      ["%", "error@0 lone \"%\" at the end (write \"%%\" for a literal \"%\")"],
      ["abc%", "error@3 lone \"%\" at the end (write \"%%\" for a literal \"%\")"],
      ["%%%", "error@2 lone \"%\" at the end (write \"%%\" for a literal \"%\")"],
      ["% %", "error@0 \"%\" is not followed by a command name (A-Z, 0-9, _) but by a space (write \"%%\" for a literal \"%\")"],
      ["50% off", "error@2 \"%\" is not followed by a command name (A-Z, 0-9, _) but by a space (write \"%%\" for a literal \"%\")"],
      ["%req(x)%", "error@0 command names are upper case: \"%req\" (write \"%%\" for a literal \"%\")"],
      ["%REQ", "error@0 unterminated command \"%REQ\": expected \"%\" after the name"],
      ["%PROTOCOL", "error@0 unterminated command \"%PROTOCOL\": expected \"%\" after the name"],
      ["%REQ(", "error@4 unterminated argument of %REQ(: no closing \")\""],
      ["%REQ(x", "error@4 unterminated argument of %REQ(: no closing \")\""],
      ["%REQ(x)", "error@0 unterminated command %REQ(...): expected \"%\" after \")\""],
      ["%REQ(x)y%", "error@7 expected \"%\" or \":LENGTH%\" after %REQ(x), found \"y\""],
      ["%REQ(a\nb)%", "error@6 a newline cannot appear inside the argument of %REQ(...)%"],
      ["%Req(x)%", "error@0 command names are upper case: \"%Re...\""],
      ["%REQ x%", "error@4 expected \"(\", \":LENGTH\" or \"%\" after %REQ, found a space"],
      ["%FOO%", "error@0 unknown command %FOO%"],
      ["%1%", "error@0 unknown command %1%"],
      ["%_%", "error@0 unknown command %_%"],
      ["x%COOKIE%", "error@1 COOKIE requires an argument, e.g. %COOKIE(name)%"],
      ["%HOSTNAME%", "error@0 %HOSTNAME% is not supported: a wasm filter cannot read that host name"],
      ["%DURATION%", "error@0 %DURATION% is not supported: byte counts and durations are not exposed as attributes with Envoy's meaning"],
      ["%DYNAMIC_METADATA(a:b)%", "error@0 %DYNAMIC_METADATA% is not supported: use %PROP(path)% for a string leaf of an attribute"],
      ["%REQ()%", "error@0 REQ requires an argument, e.g. %REQ(x-name)%"],
      ["%REQ%", "error@0 REQ requires an argument, e.g. %REQ(x-name)%"],
      ["%RESP()%", "error@0 RESP requires an argument, e.g. %RESP(x-name)%"],
      ["%QUERY_PARAM()%", "error@0 QUERY_PARAM requires an argument, e.g. %QUERY_PARAM(name)%"],
      ["%CAPTURE()%", "error@0 CAPTURE requires an argument, e.g. %CAPTURE(1)%"],
      ["%PROP()%", "error@0 PROP requires an argument, e.g. %PROP(source.address)%"],
      ["%REQ(x):%", "error@7 bad truncation after %REQ: \":\" must be followed by decimal digits and \"%\""],
      ["%REQ(x):a%", "error@7 bad truncation after %REQ: \":\" must be followed by decimal digits and \"%\""],
      ["%REQ(x):-1%", "error@7 bad truncation after %REQ: \":\" must be followed by decimal digits and \"%\""],
      ["%REQ(x):+1%", "error@7 bad truncation after %REQ: \":\" must be followed by decimal digits and \"%\""],
      ["%REQ(x):3", "error@7 unterminated command %REQ:3: expected \"%\" after the length"],
      ["%REQ(x):3:4%", "error@9 bad truncation after %REQ: expected \"%\" after the length, found \":\""],
      ["%REQ(x):18446744073709551616%", "error@8 truncation length 18446744073709551616 is too large (at most 18446744073709551615)"],
      ["%PROTOCOL:3%", "error@0 PROTOCOL takes no argument and no length"],
      ["%PROTOCOL(x)%", "error@0 PROTOCOL takes no argument and no length"],
      ["%RESPONSE_FLAGS:1%", "error@0 RESPONSE_FLAGS takes no argument and no length"],
      ["%START_TIME:3%", "error@11 START_TIME does not take a length (:3)"],
      ["%START_TIME(%s):3%", "error@15 START_TIME does not take a length (:3)"],
      ["%RESPONSE_CODE_DETAILS:3%", "error@22 RESPONSE_CODE_DETAILS does not take a length (:3)"],
      ["%START_TIME(%n)%", "error@12 START_TIME format \"%n\" holds a newline conversion (Envoy refuses it)"],
      ["%START_TIME(%Y%_5n)%", "error@14 START_TIME format \"%Y%_5n\" holds a newline conversion (Envoy refuses it)"],
      ["%START_TIME(%%n)%", "error@13 START_TIME format \"%%n\" holds a newline conversion (Envoy refuses it)"],
      ["%REQ(a?b?c)%", "error@5 more than one alternate header in \"a?b?c\" (write %REQ(main?alternate)%)"],
      ["%REQ(x y)%", "error@5 invalid header name \"x y\" in %REQ(x y)%"],
      ["%REQ(x))%", "error@5 invalid header name \"x)\" in %REQ(x))%"],
      ["%REQ((x)%", "error@5 invalid header name \"(x\" in %REQ((x)%"],
      ["%REQ(a:b)%", "error@5 invalid header name \"a:b\" in %REQ(a:b)%"],
      ["%REQ(:)%", "error@5 invalid header name \":\" in %REQ(:)%"],
      ["%REQ(é)%", "error@5 invalid header name \"é\" in %REQ(é)%"],
      ["%RESP(ok?bad name)%", "error@9 invalid header name \"bad name\" in %RESP(ok?bad name)%"],
      ["%PROP(a..b)%", "error@6 empty segment in property path \"a..b\" (segments are split on '.'; write \"\\.\" for a dot inside one)"],
      ["%PROP(.a)%", "error@6 empty segment in property path \".a\" (segments are split on '.'; write \"\\.\" for a dot inside one)"],
      ["ok %REQ(x)% then %NOPE%", "error@17 unknown command %NOPE%"],
    ];
    expect(cases.map(([t], i) => [t, check(build, cases.map(([x]) => x))[i]])).toEqual(cases);
  });

  it("shapes Envoy accepts compile: header names of every token character, a pseudo-header, empty parts, any length", () => {
    expect(check(build, ["%REQ(!#$&'*+-.^_`|~09AZaz)%", "%REQ(:authority)%", "%REQ(x_y)%", "%REQ(x):000000000000000000000003%",
      "%REQ(x):18446744073709551615%", "%START_TIME(%10n)%", "%RESPONSE_CODE_DETAILS(ANY)%", "%START_TIME(a)b)%", "%UPSTREAM_CLUSTER()%"]))
      .toEqual([
        "ok literal=no headers=!#$&'*+-.^_`|~09azaz", "ok literal=no headers=:authority", "ok literal=no headers=x_y",
        "ok literal=no headers=x", "ok literal=no headers=x", "ok literal=no headers=", "ok literal=no headers=",
        "ok literal=no headers=", "ok literal=no headers=",
      ]);
  });

  it("a template that does not compile is logged and skipped, or rejects the configuration when strict", () => {
    const h = host(build, { request: ["%REQ(x-src)%", "%BAD%"], response: ["%RESP(x"] });
    expect(h.configured).toBe(true);
    expect(h.logsAt(LogLevel.error)).toEqual([
      "request[1]: unknown command %BAD% (at offset 0)",
      "response[0]: unterminated argument of %RESP(: no closing \")\" (at offset 5)",
    ]);
    expect(host(build, { request: ["%BAD%"], strict: true }).configured).toBe(false);
  });

  it("START_TIME formats: Envoy's %s and %Nf, absl's extensions, glibc's conversions, flags and widths", () => {
    const formats: Array<[string, string]> = [
      ["%s", "1796178270"], ["%s.%3f", "1796178270.188"], ["%f", "188484000"], ["%1f|%2f|%6f|%9f", "1|18|188484|188484000"],
      ["%0f|%10f", "%0f|      %10f"], ["%%s", "%1796178270"], ["%%f", "%188484000"], ["%s%s", "17961782701796178270"],
      ["%E3S|%E*S|%E6f|%E*f|%E0S|%E0f|%E18S", "30.188|30.188484|188484|188484|30||30.188484000000000000"],
      ["%Ez|%E*z|%E4Y|%ET|%:z|%::z|%:::z|%::::z", "+00:00|+00:00:00|2026|T|+00:00|+00:00:00|+00|%::::z"],
      ["%Y-%m-%dT%H:%M:%S%z %Z", "2026-12-02T02:24:30+0000 UTC"],
      ["%a|%A|%b|%B|%h|%c|%C|%d|%D|%e|%F", "Wed|Wednesday|Dec|December|Dec|Wed Dec  2 02:24:30 2026|20|02|12/02/26| 2|2026-12-02"],
      ["%g|%G|%H|%I|%j|%k|%l|%m|%M|%p|%P|%r|%R|%S|%t|%T", "26|2026|02|02|336| 2| 2|12|24|AM|am|02:24:30 AM|02:24|30|\t|02:24:30"],
      ["%u|%U|%V|%w|%W|%x|%X|%y|%Y|%%", "3|48|49|3|48|12/02/26|02:24:30|26|2026|%"],
      ["%Q|%q|%i|%+4Y|%E%|%Eq|%", "%Q|%q|%i|%+4Y|%|%Eq|%"],
      ["%-d|%_H|%0e|%^a|%#b|%10Y|%-j|%Ey|%Od|%EC", "2| 2|02|WED|DEC|0000002026|336|26|02|20"],
      ["%^p|%#p|%#Z|%^Z|%#A|%5%|%-5d|%_5d|%05e|%010a|%^10A", "AM|am|utc|UTC|WEDNESDAY|    %|    2|    2|00002|0000000Wed| WEDNESDAY"],
      ["%^c|%20D|%Ob|%Eb|%Ed|%Oc", "WED DEC  2 02:24:30 2026|            12/02/26|Dec|%Eb|%Ed|%Oc"],
      ["%-z|%5z|%12s|%_3u|%-G|%9", "+0|    +00000|  1796178270|  3|2026|       %9"],
      ["%E%Y|%-%d|%%%Y|%E*", "%E2026|%-02|%2026|%E*"],
      ["abc", "abc"],
      // a strftime chunk renders only when its output fits 16 times the chunk's size (absl's buffer); absl
      // copies plain text before a chunk out by itself, so the "x" of "x%80Y|" survives
      ["%64Y", "0".repeat(60) + "2026"], ["%65Y", ""], ["x%79Y|%s", "x" + "0".repeat(75) + "2026|1796178270"], ["x%80Y|%s", "x1796178270"],
      ["é%63d", "é" + "0".repeat(61) + "02"], ["%2147483647Y", ""], ["%99999999999999Y", ""],
    ];
    const r = render(build, formats.map(([f]) => `%START_TIME(${f})%`));
    expect(formats.map(([f], i) => [f, r.req[i]])).toEqual(formats);
  });

  it("calendar arithmetic agrees with the C library's strftime (GNU date) across years, leap days and ISO weeks", () => {
    let gnu = true;
    try {
      gnu = execFileSync("date", ["-u", "-d", "@0", "+%G-%V"], { encoding: "utf8" }).trim() === "1970-01";
    } catch {
      gnu = false;
    }
    expect(gnu, "GNU date is needed as the reference (coreutils)").toBe(true);
    const fmt = "%a %A %b %B %c %C %d %D %e %F %g %G %h %H %I %j %k %l %m %M %p %r %R %S %T %u %U %V %w %W %x %X %y %Y %z %s";
    const instants: bigint[] = [];
    for (let y = 1970; y <= 2040; y += 1) {
      for (const [m, d] of [[1, 1], [1, 2], [1, 3], [1, 4], [1, 7], [2, 28], [2, 29], [3, 1], [6, 30], [12, 28], [12, 29], [12, 30], [12, 31]]) {
        const ms = Date.UTC(y, m - 1, d, (y * 7) % 24, (y * 13) % 60, (y * 17) % 60);
        if (new Date(ms).getUTCMonth() === m - 1) instants.push(BigInt(ms) * 1_000_000n + 123_456_789n);
      }
    }
    // 2000-02-29, 2100-02-28 23:59:59, the last second an int64 of nanoseconds holds (2262-04-11), the epoch
    for (const s of [951782400n, 4107542399n, 9223372036n, 0n]) instants.push(s * 1_000_000_000n);
    const h = host(build, { request: [`%START_TIME(${fmt})%`] });
    const got: string[] = [];
    for (const ns of instants) {
      h.setProperty(["request", "time"], ns);
      const s = h.newHttpStream();
      s.sendRequestHeaders([[":method", "GET"], [":path", "/"], [":authority", "a"]], true);
      got.push(s.request.headers.find(([k]) => k === "x-q0")![1]);
    }
    const want = execFileSync("bash", ["-c", `for s in ${instants.map((ns) => (ns / 1_000_000_000n).toString()).join(" ")}; do date -u -d @$s '+${fmt}'; done`],
      { encoding: "utf8", env: { ...process.env, LC_ALL: "C" } }).trimEnd().split("\n");
    const diffs = got.map((g, i) => [instants[i].toString(), g, want[i]]).filter(([, g, w]) => g !== w);
    expect(diffs).toEqual([]);
    expect(got.length).toBe(instants.length);
  });

  it("hostile templates: thousands of random ones never trap, and compile exactly when Envoy's grammar accepts them", () => {
    const rand = prng(build === "debug" ? 11 : 12);
    const pieces = ["%", "%%", "REQ", "RESP", "(", ")", ":", "?", "x-src", "x-up", "X-SRC", ":path", "0", "3", "99", "START_TIME",
      "PROTOCOL", "QUERY_PARAM", "COOKIE", "CAPTURE", "PROP", "source.address", "RESPONSE_CODE", "RESPONSE_FLAGS", "FOO", "_",
      "%s", "%f", "%3f", "%E3S", "%E*S", "%-d", "%^a", "%10Y", "%n", "%Ez", "%c", "a", " ", "\n", "\t", "é", "😀", "\\.", ".",
      "DOWNSTREAM_REMOTE_ADDRESS", "UPSTREAM_HOST", "STREAM_ID", "%PROTOCOL%", "%REQ(x-src)%", "%START_TIME(", "18446744073709551616"];
    const templates: string[] = [];
    for (let i = 0; i < 3000; i++) {
      let t = "";
      const n = 1 + Math.floor(rand() * 12);
      for (let k = 0; k < n; k++) t += pieces[Math.floor(rand() * pieces.length)];
      templates.push(t);
    }
    templates.push("%REQ(x-src)%".repeat(2000), "%".repeat(5001), "(".repeat(3000), `%START_TIME(${"%E1S".repeat(500)})%`, "%REQ(" + "a".repeat(10000) + ")%");
    const verdicts = check(build, templates);
    expect(verdicts.length).toBe(templates.length);
    const disagreements = templates.map((t, i) => [t, verdicts[i], envoyAccepts(t)] as const)
      .filter(([, v, ok]) => v.startsWith("ok") !== ok);
    expect(disagreements).toEqual([]);
    // render every template that compiles, in both phases
    const h = host(build, { fuzz: templates, captures: ["c0", "c1"], captureNames: ["", "n"] });
    const accepted = verdicts.filter((v) => v.startsWith("ok")).length;
    expect(h.logsAt(LogLevel.info)).toContain(`fuzz compiled ${accepted} of ${templates.length}`);
    const s = h.newHttpStream();
    s.sendRequestHeaders(REQUEST, true);
    s.sendResponseHeaders(RESPONSE, true);
    expect(h.logsAt(LogLevel.info).filter((l) => l.startsWith("fuzz ") && l.includes(" rendered ")).length).toBe(2);
    expect(accepted).toBeGreaterThan(300);
  });
});

// ---- Envoy's grammar, as a JavaScript model (the regex is Envoy's; '.' there does not match "\n") --------

const COMMAND = /^%([A-Z0-9_]+)(?:\(([^\n]*?)\))?(?::([0-9]+))?%/;
const ONLY = new Set(["PROTOCOL", "RESPONSE_CODE", "RESPONSE_FLAGS", "RESPONSE_FLAGS_LONG", "CONNECTION_ID", "STREAM_ID", "UPSTREAM_CLUSTER",
  "UPSTREAM_CLUSTER_RAW", "ROUTE_NAME", "REQUESTED_SERVER_NAME", "DOWNSTREAM_TLS_VERSION", "UPSTREAM_TRANSPORT_FAILURE_REASON",
  "CONNECTION_TERMINATION_DETAILS", "UPSTREAM_HOST", ...["DOWNSTREAM_REMOTE", "DOWNSTREAM_DIRECT_REMOTE", "DOWNSTREAM_LOCAL", "UPSTREAM_REMOTE", "UPSTREAM_LOCAL"]
    .flatMap((b) => [`${b}_ADDRESS`, `${b}_ADDRESS_WITHOUT_PORT`, `${b}_PORT`])]);
const REQUIRED_WITH_LENGTH = new Set(["REQ", "RESP", "QUERY_PARAM", "QUERY", "COOKIE", "CAPTURE", "PROP"]);
const OPTIONAL_NO_LENGTH = new Set(["START_TIME", "RESPONSE_CODE_DETAILS"]);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function envoyAccepts(t: string): boolean {
  for (let pos = 0; pos < t.length;) {
    if (t[pos] !== "%") { pos++; continue; }
    if (t[pos + 1] === "%") { pos += 2; continue; }
    const m = COMMAND.exec(t.slice(pos));
    if (m === null) return false;
    const [whole, name, arg = "", len] = m;
    if (len !== undefined && BigInt(len) > 18446744073709551615n) return false;
    if (ONLY.has(name)) {
      if (arg !== "" || len !== undefined) return false;
    } else if (REQUIRED_WITH_LENGTH.has(name)) {
      if (arg === "") return false;
      if (name === "REQ" || name === "RESP") {
        const parts = arg.split("?");
        if (parts.length > 2) return false;
        if (!parts.every((p) => p === "" || TOKEN.test(p.startsWith(":") ? p.slice(1) : p))) return false;
      }
      if (name === "PROP" && arg.replace(/\\[.\\]/g, "x").split(".").some((s) => s === "")) return false;
    } else if (OPTIONAL_NO_LENGTH.has(name)) {
      if (len !== undefined) return false;
      if (name === "START_TIME" && /%[-_0^#]*[1-9]*(E|O)?n/.test(arg)) return false;
    } else {
      return false;
    }
    pos += whole.length;
  }
  return true;
}
