// A filter written with the proxy-wasm Go SDK (tetratelabs/proxy-wasm-go-sdk v0.24.0), compiled by
// standard Go for wasip1 (compat/go-sdk/build.sh), runs unchanged on the mock host: Go's reactor
// start (_initialize), configuration, header mutations, HTTP callouts, shared data with CAS (also
// across two VMs of one process), metrics and ticks on the virtual clock.
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  createHost, FilterHeadersStatus, LogLevel, MetricType, ProxyProcess, WasmResult,
  type HeaderPairs, type HostOptions, type MockHost,
} from "@filterkit/host-mock";
import { foreignFixture } from "../foreign.ts";

/** The built module; without it every test fails, unless this machine lacks the toolchain (outside CI: not run). */
const FIXTURE = foreignFixture("go-sdk", "needs Go >= 1.24 and the Go module proxy");
const fixture = (): string => FIXTURE.wasm();

const CONFIG = { add: { name: "x-added", value: "yes" }, remove: "x-internal", tick_ms: 1000 };

function goHost(options: Partial<HostOptions> = {}): MockHost {
  return createHost({ wasm: fixture(), rootId: "go_filter", vmId: "go", pluginConfig: CONFIG, ...options });
}

const REQUEST: HeaderPairs = [
  [":method", "GET"], [":path", "/orders"], [":authority", "shop"],
  ["x-filter", "from-client"], ["x-internal", "secret"], ["authorization", "Bearer t0k"],
];

function text(bytes: Uint8Array | undefined): string | undefined {
  return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
}

/** One request through the filter with the auth service answering 200. */
function allowedRequest(host: MockHost): ReturnType<MockHost["newHttpStream"]> {
  const s = host.newHttpStream();
  expect(s.sendRequestHeaders(REQUEST, true)).toBe(FilterHeadersStatus.StopIteration);
  return s;
}

describe.skipIf(FIXTURE.notRun !== null)(`proxy-wasm Go SDK v0.24.0 built by standard Go (wasip1, c-shared)${FIXTURE.notRun !== null ? ` — not run: ${FIXTURE.notRun}` : ""}`, () => {
  it("is built (bash compat/go-sdk/build.sh)", () => {
    expect(existsSync(fixture())).toBe(true);
  });

  it("loads as a reactor under ABI 0.2.0 and accepts a valid configuration", () => {
    const host = goHost();
    expect(host.abiVersion).toBe("0.2.0");
    expect(host.started).toBe(true);
    expect(host.configured).toBe(true);
    expect(host).toHaveLogged(LogLevel.info, 'configured: add x-added, remove "x-internal", tick every 1000 ms');
    expect(host.logsAt(LogLevel.error)).toEqual([]);
    expect(host.logsAt(LogLevel.critical)).toEqual([]);
    expect(host.tickPeriodMs).toBe(1000);
  });

  it.each([
    ["not JSON", "{add:", /^invalid plugin configuration: the plugin configuration is not valid JSON: /],
    ["a missing field", { tick_ms: 10 }, /^invalid plugin configuration: field "add.name" is missing or empty$/],
    ["another missing field", { add: { name: "x-a", value: "1" } }, /^invalid plugin configuration: field "tick_ms" is missing$/],
    ["an empty configuration", "", /^invalid plugin configuration: the plugin configuration is empty$/],
  ])("rejects %s with a log line naming the problem", (_name, pluginConfig, message) => {
    const host = goHost({ pluginConfig });
    expect(host.configured).toBe(false);
    expect(host.logsAt(LogLevel.error)).toHaveLength(1);
    expect(host.logsAt(LogLevel.error)[0]).toMatch(message);
  });

  it("re-runs proxy_on_configure: a bad configuration is refused, a good one accepted again", () => {
    const host = goHost();
    expect(host.configure("{}")).toBe(false);
    expect(host).toHaveLogged(LogLevel.error, /field "add.name" is missing/);
    expect(host.configure({ ...CONFIG, tick_ms: 250 })).toBe(true);
    expect(host.tickPeriodMs).toBe(250);
  });

  it("replaces, adds and removes request headers, then lets the request go after the auth call allows it", () => {
    const host = goHost();
    host.callouts.route({ cluster: "auth", method: "GET", path: "/check" }, { status: 200 });
    const s = allowedRequest(host);
    expect(s.paused("request")).toBe(false);
    expect(s.localReply).toBeNull();
    expect(s.request.headers).toEqual([
      [":method", "GET"], [":path", "/orders"], [":authority", "shop"], ["authorization", "Bearer t0k"],
      ["x-filter", "go-sdk"], ["x-added", "yes"], ["x-request-count", "1"],
    ]);
    expect(s.request).not.toHaveHeader("x-internal");
    expect(host).toHaveCalledOut("auth", { method: "GET", path: "/check" });
    expect(host.callouts.sent).toHaveLength(1);
    expect(host.callouts.sent[0]).toMatchObject({ id: 4, cluster: "auth", authority: "auth", timeoutMs: 1000 });
    expect(host.callouts.sent[0].headers).toContainEqual(["authorization", "Bearer t0k"]);

    s.sendResponseHeaders([[":status", "200"], ["content-type", "text/plain"]], true);
    expect(s.response).toHaveHeader("x-go-sdk", "v0.24.0");
    s.complete();
    expect(s.callbacks.map((c) => c.name)).toEqual([
      "proxy_on_context_create", "proxy_on_request_headers", "proxy_on_response_headers",
      "proxy_on_log", "proxy_on_done", "proxy_on_delete",
    ]);
    expect(host.logsAt(LogLevel.error)).toEqual([]);
  });

  it("answers 403 locally when the auth service refuses, and sends nothing upstream", () => {
    const host = goHost();
    host.callouts.route({ cluster: "auth" }, { status: 401, body: "token expired" });
    const s = host.newHttpStream();
    s.sendRequestHeaders(REQUEST, true);
    expect(s).toHaveLocalReply(403);
    expect(s.localReply).toMatchObject({ bodyText: "denied by auth (401): token expired" });
    expect(s.localReply?.headers).toContainEqual(["x-denied-by", "go-sdk"]);
    expect(s.request.headers).toEqual([]);
    expect(host).toHaveLogged(LogLevel.info, "auth answered 401; denying");
  });

  it("waits for a delayed answer on the virtual clock", () => {
    const host = goHost();
    host.callouts.route({ cluster: "auth" }, { status: 200, delayMs: 300 });
    const s = allowedRequest(host);
    host.advance(299);
    expect(s.paused("request")).toBe(true);
    host.advance(1);
    expect(s.paused("request")).toBe(false);
    expect(s.request).toHaveHeader("x-added", "yes");
  });

  it("denies when the call times out (Envoy's 504 after the 1000 ms the filter asked for)", () => {
    const host = goHost();
    host.callouts.route({ cluster: "auth" }, { status: 200, delayMs: 5000 });
    const s = allowedRequest(host);
    host.advance(999);
    expect(s.localReply).toBeNull();
    host.advance(1);
    expect(s.localReply).toMatchObject({ status: 403, bodyText: "denied by auth (504): upstream request timeout" });
  });

  it("denies when the auth connection is reset after the answer started (no response headers at all)", () => {
    const host = goHost();
    host.callouts.route({ cluster: "auth" }, { fail: "reset-after-headers" });
    const s = host.newHttpStream();
    s.sendRequestHeaders(REQUEST, true);
    expect(host).toHaveLogged(LogLevel.warn, "auth call failed: no response");
    expect(s.localReply).toMatchObject({ status: 403, bodyText: "auth unavailable" });
  });

  it("denies when the cluster is unknown (proxy_http_call answers BadArgument)", () => {
    const host = goHost(); // no route, no cluster "auth"
    const s = host.newHttpStream();
    s.sendRequestHeaders(REQUEST, true);
    expect(host.callouts.sent).toEqual([]);
    expect(host).toHaveLogged(LogLevel.error, "auth call not sent: error status returned by host: bad argument");
    expect(s.localReply).toMatchObject({ status: 403, bodyText: "auth call not sent" });
  });

  // The first increment finds no key and writes with CAS 0, which Envoy applies unconditionally
  // (there is no atomic create in the ABI); every later increment carries the CAS it read.
  it("counts requests in shared data with CAS", () => {
    const host = goHost();
    host.callouts.route({ cluster: "auth" }, { status: 200 });
    for (let i = 1; i <= 5; i++) {
      const s = allowedRequest(host);
      expect(s.request).toHaveHeader("x-request-count", String(i));
      s.complete();
    }
    expect(text(host.sharedData("requests")?.value)).toBe("5");
    // another VM's write is seen by the next request
    host.setSharedData("requests", "100");
    expect(allowedRequest(host).request).toHaveHeader("x-request-count", "101");
  });

  it("retries when another writer changes the counter between get and set (CasMismatch)", () => {
    const host = goHost();
    host.callouts.route({ cluster: "auth" }, { status: 200 });
    host.setSharedData("requests", "10"); // an existing key: the filter's set carries its CAS
    const results: number[] = [];
    let interfere = true;
    host.interceptHostCall("proxy_set_shared_data", () => {
      if (interfere) {
        interfere = false;
        expect(host.setSharedData("requests", "41")).toBe("ok"); // another VM writes first
      }
      return undefined; // run the real call: the filter's CAS is now stale
    });
    host.interceptHostCall("proxy_get_shared_data", () => { results.push(0); return undefined; });
    const s = allowedRequest(host);
    expect(host).toHaveLogged(LogLevel.warn, /^shared data "requests" changed under us \(cas \d+, attempt 1\); retrying$/);
    expect(s.request).toHaveHeader("x-request-count", "42");
    expect(results).toHaveLength(2); // read, (conflict), read again
    expect(text(host.sharedData("requests")?.value)).toBe("42");
  });

  it("reports a host error other than CasMismatch without retrying", () => {
    const host = goHost();
    host.callouts.route({ cluster: "auth" }, { status: 200 });
    host.interceptHostCall("proxy_set_shared_data", () => WasmResult.InternalFailure);
    const s = allowedRequest(host);
    expect(host).toHaveLogged(LogLevel.error, "request counter: error status returned by host: internal failure");
    expect(s.request).not.toHaveHeader("x-request-count");
  });

  it("shares the counter between two VMs of one process, and resolves a real interleaving by CAS", () => {
    const process = new ProxyProcess();
    const a = goHost({ process });
    const b = goHost({ process });
    for (const h of [a, b]) h.callouts.route({ cluster: "auth" }, { status: 200 });
    expect(allowedRequest(a).request).toHaveHeader("x-request-count", "1");
    expect(allowedRequest(b).request).toHaveHeader("x-request-count", "2");
    expect(allowedRequest(a).request).toHaveHeader("x-request-count", "3");

    // VM b runs a whole request while VM a sits between its get and its set
    let bSaw: string | undefined;
    let once = true;
    a.interceptHostCall("proxy_set_shared_data", () => {
      if (once) {
        once = false;
        const sb = allowedRequest(b);
        bSaw = sb.request.headers.find(([k]) => k === "x-request-count")?.[1];
      }
      return undefined;
    });
    const sa = allowedRequest(a);
    expect(bSaw).toBe("4");
    expect(a).toHaveLogged(LogLevel.warn, /shared data "requests" changed under us \(cas \d+, attempt 1\); retrying/);
    expect(sa.request).toHaveHeader("x-request-count", "5");
    expect(text(a.sharedData("requests")?.value)).toBe("5");
    expect(text(b.sharedData("requests")?.value)).toBe("5");
  });

  it("ticks on the plugin context when the virtual clock advances: metric, shared data, log", () => {
    const host = goHost();
    host.advance(999);
    expect(host).toHaveMetric("go_sdk_ticks", 0n); // defined in configure, not incremented yet
    expect(host.logsAt(LogLevel.info)).not.toContain("tick 1");
    host.advance(1);
    expect(host).toHaveLogged(LogLevel.info, "tick 1");
    expect(host).toHaveMetric("go_sdk_ticks", 1n, MetricType.Counter);
    expect(text(host.sharedData("ticks")?.value)).toBe("1");
    host.advance(2500);
    expect(host).toHaveMetric("go_sdk_ticks", 3n);
    expect(text(host.sharedData("ticks")?.value)).toBe("3");
    expect(host.logsAt(LogLevel.info).filter((m) => m.startsWith("tick "))).toEqual(["tick 1", "tick 2", "tick 3"]);
  });

  it("does not tick with tick_ms 0", () => {
    const host = goHost({ pluginConfig: { ...CONFIG, tick_ms: 0 } });
    expect(host.configured).toBe(true);
    host.advance(10_000);
    expect(host.logsAt(LogLevel.info).filter((m) => m.startsWith("tick "))).toEqual([]);
  });

  it("survives many requests (Go's garbage collector runs between and inside host calls)", () => {
    const host = goHost();
    host.callouts.route({ cluster: "auth" }, { status: 200, headers: [["x-pad", "p".repeat(512)]] });
    const n = 2000;
    for (let i = 1; i <= n; i++) {
      const s = allowedRequest(host);
      if (i % 500 === 0) expect(s.request).toHaveHeader("x-request-count", String(i));
      s.sendResponseHeaders([[":status", "200"]], true);
      s.complete();
    }
    expect(text(host.sharedData("requests")?.value)).toBe(String(n));
    expect(host.logsAt(LogLevel.error)).toEqual([]);
    expect(host.failure).toBeNull();
  });
});
