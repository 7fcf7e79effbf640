// Pins the scenario corpus (integration/scenarios/*.json) on the mock host: every file runs, and its
// key outcome — the one real Envoy must produce too — is asserted. Only what Envoy also does is
// checked: no assertion on headers Envoy adds by itself (date, server, x-request-id,
// x-forwarded-proto, x-envoy-*), nor on their absence, nor on header order between filters' and
// Envoy's own headers. The README next to the corpus lists the same outcomes in prose.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseScenario, ScenarioError, type ScenarioResult } from "../host-mock/src/scenario/format.ts";
import { runOnMock } from "../host-mock/src/scenario/run-mock.ts";

const dir = fileURLToPath(new URL("./scenarios/", import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();

function load(name: string): { doc: unknown; file: string } {
  const file = join(dir, name);
  return { doc: JSON.parse(readFileSync(file, "utf8")), file };
}

function run(name: string): ScenarioResult[] {
  const { doc, file } = load(name);
  return runOnMock(parseScenario(doc, file)).results;
}

/** Every value of header `name` (lower-case) in order. */
function values(headers: ReadonlyArray<readonly [string, string]>, name: string): string[] {
  return headers.filter(([k]) => k === name).map(([, v]) => v);
}

const checks: Record<string, () => void> = {
  "header-mutation.json": () => {
    const [first, second] = run("header-mutation.json");
    const up = first.upstream!;
    expect(up.path).toBe("/new/items?id=7");                                  // :path rewritten
    expect(values(up.headers, "host")).toEqual(["backend.internal"]);        // :authority rewritten
    expect(values(up.headers, "x-original-path")).toEqual(["/old/items?id=7"]);
    expect(values(up.headers, "x-client-case")).toEqual(["MiXeD"]);          // name lower-cased, value kept
    expect(values(up.headers, "x-client-case-seen")).toEqual(["MiXeD"]);     // found through "X-Client-Case"
    expect(values(up.headers, "x-multi")).toEqual(["one", "two", "three"]);  // repeats kept, in order
    expect(values(up.headers, "x-multi-count")).toEqual(["3"]);
    expect(values(up.headers, "x-multi-joined")).toEqual(["one|two|three"]);
    expect(values(up.headers, "x-added")).toEqual(["1", "2"]);
    const resp = first.response;
    expect(resp.status).toBe(200);
    expect(resp.body).toBe("ok");
    expect(values(resp.headers, "x-upstream-case")).toEqual(["Kept"]);
    expect(values(resp.headers, "x-upstream-multi")).toEqual(["1", "2"]);
    expect(values(resp.headers, "x-resp-multi")).toEqual(["a", "b"]);
    expect(values(resp.headers, "x-internal")).toEqual([]);                   // removed by the filter
    expect(values(resp.headers, "x-upstream-replace")).toEqual(["replaced by filter"]);
    expect(values(resp.headers, "x-original-path")).toEqual(["/old/items?id=7"]);
    // a path outside the prefix is left alone; the authority is still replaced
    expect(second.upstream!.path).toBe("/other");
    expect(values(second.upstream!.headers, "host")).toEqual(["backend.internal"]);
    expect(values(second.upstream!.headers, "x-client-case-seen")).toEqual(["(absent)"]);
    expect(values(second.upstream!.headers, "x-multi-count")).toEqual(["0"]);
  },

  "local-reply-request-phase.json": () => {
    const [deny, empty, pass] = run("local-reply-request-phase.json");
    expect(deny.upstream).toBeNull();
    expect(deny.response.status).toBe(403);
    expect(deny.response.body).toBe("access denied");
    expect(values(deny.response.headers, "x-reason")).toEqual(["policy"]);
    expect(values(deny.response.headers, "x-multi")).toEqual(["1", "2"]);
    expect(values(deny.response.headers, "content-type")).toEqual(["text/plain"]);
    // the reply passes the encoder chain: add-header (which saw the request) adds its header
    expect(values(deny.response.headers, "x-powered-by")).toEqual(["filterkit"]);
    expect(empty.upstream).toBeNull();
    expect(empty.response.status).toBe(204);
    expect(empty.response.body).toBe("");
    expect(values(empty.response.headers, "x-powered-by")).toEqual(["filterkit"]);
    expect(pass.upstream?.path).toBe("/");
    expect(pass.response.status).toBe(200);
    expect(pass.response.body).toBe("from upstream");
    expect(values(pass.response.headers, "x-powered-by")).toEqual(["filterkit"]);
  },

  "local-reply-skips-unstarted-plugin.json": () => {
    const [deny, pass] = run("local-reply-skips-unstarted-plugin.json");
    expect(deny.upstream).toBeNull();
    expect(deny.response.status).toBe(403);
    expect(deny.response.body).toBe("access denied");
    // add-header comes after the replying plugin: it never saw the request, so Envoy skips it
    expect(values(deny.response.headers, "x-powered-by")).toEqual([]);
    expect(pass.response.status).toBe(200);
    expect(values(pass.response.headers, "x-powered-by")).toEqual(["filterkit"]);
  },

  "local-reply-response-phase.json": () => {
    const [replaced, kept] = run("local-reply-response-phase.json");
    expect(replaced.upstream?.path).toBe("/replace");                        // the upstream did get it
    expect(replaced.response.status).toBe(502);
    expect(replaced.response.body).toBe("replaced by filter");
    expect(values(replaced.response.headers, "x-replaced-status")).toEqual(["200"]);
    expect(values(replaced.response.headers, "content-type")).toEqual(["text/plain"]);
    // sent straight to the client: no upstream header, and add-header's callback does not run
    expect(values(replaced.response.headers, "x-from-upstream")).toEqual([]);
    expect(values(replaced.response.headers, "x-powered-by")).toEqual([]);
    expect(kept.response.status).toBe(200);
    expect(kept.response.body).toBe("from upstream");
    expect(values(kept.response.headers, "x-response-reply")).toEqual(["passed"]);
    expect(values(kept.response.headers, "x-powered-by")).toEqual(["filterkit"]);
  },

  "body-chunks-buffered.json": () => {
    const [chunked, whole, none] = run("body-chunks-buffered.json");
    expect(chunked.upstream?.body).toBe("HELLO CHUNKED WORLD");
    expect(values(chunked.upstream!.headers, "content-length")).toEqual(["19"]); // length kept, still true
    expect(chunked.response.status).toBe(200);
    expect(chunked.response.body).toBe("ih syas maertspu");
    expect(values(chunked.response.headers, "x-request-body-bytes")).toEqual(["19"]);
    expect(whole.upstream?.body).toBe("ONE PIECE");
    expect(values(whole.response.headers, "x-request-body-bytes")).toEqual(["9"]);
    expect(none.upstream?.body).toBe("");
    expect(values(none.response.headers, "x-request-body-bytes")).toEqual(["0"]);
    expect(none.response.body).toBe("ih syas maertspu");
  },

  "response-trailers.json": () => {
    const [r] = run("response-trailers.json");
    expect(r.response.status).toBe(200);
    expect(r.response.body).toBe("body before trailers");
    const t = r.response.trailers ?? [];
    expect(values(t, "x-upstream-trailer")).toEqual(["abc123"]);
    expect(values(t, "x-trailer-seen")).toEqual(["abc123"]);
    expect(values(t, "x-body-bytes")).toEqual(["20"]);
    expect(values(t, "x-drop-me")).toEqual([]);
  },

  "callout-success.json": () => {
    const [r] = run("callout-success.json");
    expect(r.upstream?.path).toBe("/resource");
    expect(values(r.upstream!.headers, "x-auth-user")).toEqual(["alice"]);
    expect(values(r.upstream!.headers, "authorization")).toEqual(["Bearer good"]);
    expect(r.response.status).toBe(200);
    expect(r.response.body).toBe("protected resource");
  },

  "callout-denied.json": () => {
    const [r] = run("callout-denied.json");
    expect(r.upstream).toBeNull();
    expect(r.response.status).toBe(403);
    expect(r.response.body).toBe("bad token");
  },

  "callout-reset.json": () => {
    const [r] = run("callout-reset.json");
    expect(r.upstream).toBeNull();
    // the auth upstream drops the connection before answering: Envoy's router answers the call
    // itself with 503, an ordinary response to the gate, which turns any non-200 into a 403
    expect(r.response.status).toBe(403);
    expect(r.response.body).toBe("upstream connect error or disconnect/reset before headers. reset reason: connection termination");
  },

  "callout-reset-after-headers.json": () => {
    const [r] = run("callout-reset-after-headers.json");
    expect(r.upstream).toBeNull();
    // dropped after the response started: a transport failure (zero headers), the gate's 503
    expect(r.response.status).toBe(503);
    expect(r.response.body).toBe("auth unreachable");
  },

  "callout-timeout.json": () => {
    const [r] = run("callout-timeout.json");
    expect(r.upstream).toBeNull();
    // the call's 500 ms timeout: Envoy's router answers the callout 504 "upstream request timeout",
    // which the gate turns into 403 carrying that body
    expect(r.response.status).toBe(403);
    expect(r.response.body).toBe("upstream request timeout");
  },

  "trap-fail-closed.json": () => {
    const [before, trapped, after] = run("trap-fail-closed.json");
    expect(before.response.status).toBe(200);
    expect(before.response.body).toBe("ok");
    expect(trapped.upstream).toBeNull();
    expect(trapped.response.status).toBe(503);
    expect(trapped.response.body).toBe("");
    expect(values(trapped.response.headers, "content-length")).toEqual(["0"]); // Envoy's HTTP/1 codec
    expect(after.upstream).toBeNull();                                        // the failed VM stays failed
    expect(after.response.status).toBe(503);
  },

  "trap-fail-open.json": () => {
    const [before, trapped, after] = run("trap-fail-open.json");
    expect(values(before.upstream!.headers, "x-tag")).toEqual(["tagged"]);
    expect(values(before.response.headers, "x-tag")).toEqual(["tagged"]);
    // the stream in flight still gets Envoy's 503 (Envoy 1.40 does so under FAIL_OPEN too)
    expect(trapped.upstream).toBeNull();
    expect(trapped.response.status).toBe(503);
    expect(trapped.response.body).toBe("");
    // later streams skip the failed filter: they reach the upstream, untagged
    expect(after.response.status).toBe(200);
    expect(after.response.body).toBe("ok");
    expect(after.upstream!.path).toBe("/");
    expect(values(after.upstream!.headers, "x-tag")).toEqual([]);
    expect(values(after.response.headers, "x-tag")).toEqual([]);
  },

  "shared-data-counter.json": () => {
    const results = run("shared-data-counter.json");
    const counts = results.map((r) => values(r.response.headers, "x-request-count"));
    expect(counts).toEqual(results.map((_, i) => [String(i + 1)]));
    expect(results.map((r) => values(r.upstream!.headers, "x-request-count"))).toEqual(counts);
  },

  "plugin-chain-order.json": () => {
    for (const r of run("plugin-chain-order.json")) {
      expect(values(r.upstream!.headers, "x-chain-request")).toEqual(["a,b,c"]);   // configuration order
      expect(values(r.response.headers, "x-chain-response")).toEqual(["c,b,a"]);  // reverse order
      expect(values(r.response.headers, "x-powered-by")).toEqual(["filterkit"]);
      expect(r.response.status).toBe(200);
    }
  },

  "header-validity.json": () => {
    const r = run("header-validity.json");
    const byPath = (p: string) => r[(JSON.parse(readFileSync(join(dir, "header-validity.json"), "utf8")) as { requests: Array<{ path: string }> }).requests.findIndex((q) => q.path === p)];
    // toward the upstream: the router refuses bad names and control characters with its own 503
    for (const [path, body] of [
      ["/req/nul-name", "invalid header name: x-a\\u0000b"], ["/req/space-name", "invalid header name: x a"],
      ["/req/at-name", "invalid header name: x-a@b"], ["/req/colon-name", "invalid header name: x:a"],
      ["/req/nul-value", "invalid header value for: x-a"], ["/req/cr-value", "invalid header value for: x-a"],
      ["/req/lf-value", "invalid header value for: x-a"], ["/req/ctl-value", "invalid header value for: x-a"],
      ["/req/del-value", "invalid header value for: x-a"],
    ] as const) {
      const x = byPath(path);
      expect(x.upstream, path).toBeNull();
      expect([x.response.status, x.response.body], path).toEqual([503, body]);
    }
    expect(values(byPath("/req/tab-value").upstream!.headers, "x-a")).toEqual(["v\tw"]);
    expect(values(byPath("/req/utf8-value").upstream!.headers, "x-a")).toEqual(["v\u00fcw"]);
    // toward the client: written as is — CRLF + a header line becomes a second header (response
    // splitting); anything else malformed breaks the client's parser
    const split = byPath("/resp/crlf-injection").response;
    expect(values(split.headers, "x-a")).toEqual(["v"]);
    expect(values(split.headers, "x-injected")).toEqual(["1"]);
    for (const path of ["/resp/crlf-garbage", "/resp/lf-value", "/resp/nul-value", "/resp/space-name"]) {
      expect(byPath(path).response, path).toEqual({ status: 0, headers: [], body: "", reset: true });
    }
    expect(values(byPath("/resp/tab-value").response.headers, "x-a")).toEqual(["v\tw"]);
    expect(values(byPath("/resp/utf8-value").response.headers, "x-a")).toEqual(["v\u00fcw"]);
  },
  "properties.json": () => {
    const [get, post, local] = run("properties.json");
    /** The property-echo answer for `name` (header x-prop-<name>). */
    const prop = (headers: ReadonlyArray<readonly [string, string]>, name: string): string | undefined => {
      const v = values(headers, `x-prop-${name}`);
      expect(v, `x-prop-${name}`).toHaveLength(1);
      return v[0];
    };
    const req = get.upstream!.headers;
    // request attributes from the request headers the filter holds (the connection manager's
    // x-forwarded-proto and x-request-id included)
    expect(prop(req, "request.path")).toBe("/items/list?x=1&y=2");
    expect(prop(req, "request.url-path")).toBe("/items/list");
    expect(prop(req, "request.query")).toBe("x=1&y=2");
    expect(prop(req, "request.host")).toBe("props.example");
    expect(prop(req, "request.referer")).toBe("http://ref.example/");
    expect(prop(req, "request.useragent")).toBe("probe/1.0");
    expect(prop(req, "request.id")).toBe("<present 36 bytes>");
    expect(prop(req, "request.headers-bytes")).toBe("190");
    expect(prop(req, "request.total-size")).toBe("190");
    expect(prop(req, "response.headers")).toBe("<present>");            // an empty map, not NotFound
    expect(prop(req, "response.trailers")).toBe("<4 bytes hex 00000000>");
    expect(prop(req, "response.code")).toBe("<not found>");
    expect(prop(req, "upstream.num-endpoints")).toBe("1");
    // the bootstrap's names (the scenario runner configures the mock with them)
    expect(prop(req, "xds.cluster-name")).toBe("upstream");
    expect(prop(req, "xds.virtual-host-name")).toBe("all");
    expect(prop(req, "xds.route-name")).toBe("<empty>");
    expect(prop(req, "xds.node.id")).toBe("<empty>");
    // filter state: single-segment names read back, multi-segment ones never do
    expect(prop(req, "fs-single")).toBe("one");
    expect(prop(req, "fs.multi")).toBe("<not found>");
    expect(prop(req, "filter-state.wasm.fs-single")).toBe("one");
    expect(prop(req, "fs-int")).toBe("<8 bytes hex 2a00000000000000>");
    expect(prop(req, "request")).toBe("<status 3>");                    // a group read whole
    // root context: plugin_* and xds.node only
    expect(prop(req, "root-plugin-name")).toBe("property_echo");
    expect(prop(req, "root-xds.node.id")).toBe("<empty>");
    expect(prop(req, "root-xds.cluster-name")).toBe("<not found>");
    expect(prop(req, "root-request.path")).toBe("<not found>");
    expect(prop(post.upstream!.headers, "request.size")).toBe("5");    // content-length
    // response phase of an upstream answer: request headers let go, upstream known
    const resp = get.response.headers;
    expect(prop(resp, "request.path")).toBe("<not found>");
    expect(prop(resp, "request.headers")).toBe("<present 4 bytes>");    // empty map
    expect(prop(resp, "response.code")).toBe("200");
    expect(prop(resp, "response.code-details")).toBe("via_upstream");
    expect(prop(resp, "response.grpc-status")).toBe("2");
    expect(prop(resp, "upstream.request-attempt-count")).toBe("1");
    expect(prop(resp, "xds.upstream-host-metadata")).toBe("<status 3>"); // a host without metadata: CEL null
    expect(prop(resp, "hdr-request-path")).toBe("<unavailable>");
    // local reply from onRequestHeaders: the request headers are still held in its response phase
    expect(local.upstream).toBeNull();
    expect(local.response.status).toBe(403);
    const lr = local.response.headers;
    expect(prop(lr, "request.path")).toBe("/local");
    expect(prop(lr, "hdr-request-path")).toBe("/local");
    expect(prop(lr, "response.code-details")).toBe("property_echo_local");
    expect(prop(lr, "response.grpc-status")).toBe("7");
    expect(prop(lr, "upstream.address")).toBe("<not found>");
  },

  "config-rejected.json": () => {
    const { doc, file } = load("config-rejected.json");
    const scenario = parseScenario(doc, file);                                // the file itself is valid
    expect(() => runOnMock(scenario)).toThrow(ScenarioError);
    expect(() => runOnMock(scenario)).toThrow(/^plugins\[0\] \(add_header\) rejected its configuration: invalid configuration: field "name"/);
  },
};

describe("scenario corpus on the mock host", () => {
  it("has a check for every scenario file, and a README row for each", () => {
    expect(Object.keys(checks).sort()).toEqual(files);
    const readme = readFileSync(join(dir, "README.md"), "utf8");
    for (const f of files) expect(readme).toContain(`\`${f}\``);
  });

  for (const f of files) {
    it(f, () => {
      const check = checks[f];
      expect(check, `no check for ${f}`).toBeDefined();
      check();
    });
  }
});
