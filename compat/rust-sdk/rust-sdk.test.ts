// A filter built with the proxy-wasm Rust SDK (crate proxy-wasm, pinned in filter/Cargo.toml)
// runs unchanged on the mock host: configuration, header maps, an HTTP callout with every outcome,
// shared data with CAS (also across two VMs of one process), ticks on the virtual clock, a metric.
// The module is built by `bash compat/rust-sdk/build.sh` (compat/foreign.ts: not run without Rust, never skipped in CI).
import { describe, expect, it } from "vitest";
import {
  CalloutRouter, createHost, FilterHeadersStatus, LogLevel, ProxyProcess, TrapError, VirtualClock, WasmResult, checkForLeaks,
  type HeaderPairs, type HostOptions, type MockHost,
} from "@filterkit/host-mock";
import { foreignFixture } from "../foreign.ts";
const COUNTER = "rust_sdk.requests";
const CONFIG = { tag: "edge-1" };

/** The built module; without it every test fails, unless this machine lacks the toolchain (outside CI: not run). */
const FIXTURE = foreignFixture("rust-sdk", "needs cargo and the wasm32-wasip1 target");
const wasmPath = (): string => FIXTURE.wasm();

function gate(options: Partial<HostOptions> = {}): MockHost {
  return createHost({ wasm: wasmPath(), rootId: "gate", vmId: "rust", pluginConfig: CONFIG, ...options });
}

const REQ: HeaderPairs = [
  [":method", "GET"], [":path", "/orders"], [":authority", "shop"], ["authorization", "Bearer t0k"],
  ["x-filter-tag", "spoofed"], ["x-via", "client"], ["x-debug", "1"], ["x-debug", "2"],
];

const errors = (host: MockHost): string[] => [...host.logsAt(LogLevel.error), ...host.logsAt(LogLevel.critical)];

/** Sends one request (the auth route must answer synchronously) and returns its x-request-count. */
function countOf(host: MockHost): string | undefined {
  const s = host.newHttpStream();
  s.sendRequestHeaders(REQ, true);
  s.complete();
  return s.request.headers.find(([k]) => k === "x-request-count")?.[1];
}

describe.skipIf(FIXTURE.notRun !== null)(`proxy-wasm Rust SDK 0.2.5 filter on the mock host${FIXTURE.notRun !== null ? ` — not run: ${FIXTURE.notRun}` : ""}`, () => {
  it("is a Rust wasm32-wasip1 module speaking ABI 0.2.1 and accepts its configuration", () => {
    const host = gate();
    expect(host.abiVersion).toBe("0.2.1");
    expect(host.started).toBe(true);
    expect(host.configured).toBe(true);
    expect(host.logsAt(LogLevel.info)).toEqual(["configured: tag=edge-1 auth_cluster=auth tick_ms=1000"]);
    expect(host.tickPeriodMs).toBe(1000);
    expect(errors(host)).toEqual([]);
  });

  it.each([
    ["", "configuration is empty (expected a JSON object)"],
    ["edge-1", "not JSON: expected value at line 1 column 1"],
    ["[1]", "expected a JSON object"],
    ["{}", 'field "tag" must be a non-empty string'],
    ['{"tag": ""}', 'field "tag" must be a non-empty string'],
    ['{"tag": "a", "tick_ms": -5}', 'field "tick_ms" must be a non-negative integer'],
    ['{"tag": "a", "auth_cluster": 7}', 'field "auth_cluster" must be a non-empty string'],
    ['{"tag": "a", "tickms": 5}', 'unknown field "tickms"'],
  ])("rejects the configuration %j and logs why", (config, problem) => {
    const host = gate({ pluginConfig: config });
    expect(host.configured).toBe(false);
    expect(host.logsAt(LogLevel.error)).toEqual([`invalid configuration: ${problem}`]);
    expect(host.tickPeriodMs).toBe(0); // nothing armed for a refused configuration
  });

  it("re-configures: a good configuration after a bad one, and tick_ms 0 stops the timer", () => {
    const host = gate();
    expect(host.configure("nope")).toBe(false);
    expect(host.configure({ tag: "edge-2", tick_ms: 0 })).toBe(true);
    expect(host.tickPeriodMs).toBe(0);
    host.clearLogs();
    host.advance(5000);
    expect(host.logsAt(LogLevel.info)).toEqual([]);
  });

  describe("auth gate (HTTP callout to cluster \"auth\")", () => {
    it("allowed: mutates headers, calls auth, and the request continues upstream with the vouched user", () => {
      const host = gate();
      host.callouts.route({ cluster: "auth", method: "GET", path: "/check", headers: { authorization: "Bearer t0k" } },
        { status: 200, headers: [["x-user", "alice"]] });
      const s = host.newHttpStream();
      // Action::Pause is StopIteration; the answer arrives after the callback returned
      expect(s.sendRequestHeaders(REQ, true)).toBe(FilterHeadersStatus.StopIteration);
      expect(s.paused("request")).toBe(false);
      expect(s.localReply).toBeNull();
      // replace (remove all, append), add (append next to the client's), remove (every x-debug)
      expect(s.request.headers).toEqual([
        [":method", "GET"], [":path", "/orders"], [":authority", "shop"], ["authorization", "Bearer t0k"],
        ["x-via", "client"], ["x-filter-tag", "edge-1"], ["x-via", "rust-sdk"], ["x-request-count", "1"],
        ["x-auth-user", "alice"], // written from on_http_call_response through the SDK's set_effective_context
      ]);
      expect(host.callouts.sent).toHaveLength(1);
      expect(host.callouts.sent[0]).toMatchObject({ id: 4, cluster: "auth", method: "GET", path: "/check", authority: "auth", timeoutMs: 500 });
      expect(host.callouts.sent[0].headers).toEqual([[":method", "GET"], [":path", "/check"], [":authority", "auth"], ["authorization", "Bearer t0k"]]);
      expect(host).toHaveCalledOut("auth", { method: "GET", path: "/check" });

      expect(s.sendResponseHeaders([[":status", "200"], ["content-type", "text/plain"]], true)).toBe(FilterHeadersStatus.Continue);
      s.complete();
      expect(s.response.headers).toEqual([[":status", "200"], ["content-type", "text/plain"], ["x-served-by", "rust-sdk"]]);
      expect(s.callbacks.map((c) => c.name)).toEqual([
        "proxy_on_context_create", "proxy_on_request_headers", "proxy_on_response_headers", "proxy_on_log", "proxy_on_done", "proxy_on_delete",
      ]);
      expect(errors(host)).toEqual([]);
    });

    it("denied: a non-200 answer becomes a local 403 and nothing goes upstream", () => {
      const host = gate();
      host.callouts.route({ cluster: "auth" }, { status: 401, body: "token expired" });
      const s = host.newHttpStream();
      s.sendRequestHeaders(REQ, true);
      expect(s).toHaveLocalReply(403);
      expect(s.localReply).toMatchObject({ status: 403, bodyText: "forbidden\n", headers: expect.arrayContaining([["x-denied-by", "rust-sdk"]]) });
      expect(s.request.headers).toEqual([]);
      // Envoy runs a local reply from the request path through the filter's own response callback
      expect(s.response.headers).toContainEqual([":status", "403"]);
      expect(s.response).toHaveHeader("x-served-by", "rust-sdk");
      expect(s.response.bodyText).toBe("forbidden\n");
      expect(host.logsAt(LogLevel.info)).toContain(`stream ${s.contextId}: auth answered 401, denying`);
    });

    it("timeout: a slow auth service gets Envoy's 504 after the SDK's 500 ms, which the filter denies", () => {
      const host = gate();
      host.callouts.route({ cluster: "auth" }, { status: 200, delayMs: 2000 });
      const s = host.newHttpStream();
      s.sendRequestHeaders(REQ, true);
      expect(s.paused("request")).toBe(true);
      host.advance(499);
      expect(s.paused("request")).toBe(true);
      expect(s.localReply).toBeNull();
      host.advance(1);
      expect(s.localReply?.status).toBe(403);
      expect(host.logsAt(LogLevel.info)).toContain(`stream ${s.contextId}: auth answered 504, denying`);
      expect(s.request.headers).toEqual([]);
    });

    it("timeout scripted as such: Envoy's 504 once the call's 500 ms have passed", () => {
      const host = gate();
      host.callouts.route({ cluster: "auth" }, { fail: "timeout" });
      const s = host.newHttpStream();
      s.sendRequestHeaders(REQ, true);
      host.advance(499);
      expect(s.localReply).toBeNull();
      host.advance(1);
      expect(s.localReply?.status).toBe(403);
      expect(host.logsAt(LogLevel.info)).toContain(`stream ${s.contextId}: auth answered 504, denying`);
    });

    it("a delayed 200 releases the request when the virtual clock reaches it", () => {
      const host = gate();
      host.callouts.route({ cluster: "auth" }, { status: 200, delayMs: 120 });
      const s = host.newHttpStream();
      s.sendRequestHeaders(REQ, true);
      host.advance(119);
      expect(s.paused("request")).toBe(true);
      host.advance(1);
      expect(s.paused("request")).toBe(false);
      expect(s.request.headers).toContainEqual(["x-filter-tag", "edge-1"]);
      expect(s.request.headers.some(([k]) => k === "x-auth-user")).toBe(false); // auth named nobody
    });

    it("reset after the answer started: the answer without headers becomes a local 503", () => {
      const host = gate();
      host.callouts.route({ cluster: "auth" }, { fail: "reset-after-headers" });
      const s = host.newHttpStream();
      s.sendRequestHeaders(REQ, true);
      expect(s.localReply).toMatchObject({ status: 503, bodyText: "auth unavailable\n" });
      // proxy_get_status, read through the stream the SDK made effective, gives Envoy's 11 "reset"
      expect(host.logsAt(LogLevel.warn)).toEqual([`stream ${s.contextId}: auth call failed without a response (status ${WasmResult.BrokenConnection} reset)`]);
      expect(errors(host)).toEqual([]);
    });

    it("an unknown cluster: proxy_http_call answers BadArgument, the SDK returns Err, the filter fails closed", () => {
      const host = gate({ pluginConfig: { tag: "edge-1", auth_cluster: "nowhere" } });
      const s = host.newHttpStream();
      expect(s.sendRequestHeaders(REQ, true)).toBe(FilterHeadersStatus.StopIteration);
      expect(s.localReply).toMatchObject({ status: 500, bodyText: "auth callout failed\n" });
      expect(host.logsAt(LogLevel.error)).toEqual(['auth callout to "nowhere" not sent: BadArgument']);
      expect(host.callouts.sent).toEqual([]);
    });
  });

  describe("shared data with CAS", () => {
    const allow = (host: MockHost): MockHost => {
      host.callouts.route({ cluster: "auth" }, { status: 200 });
      return host;
    };

    it("counts requests in shared data, one increment per request", () => {
      const host = allow(gate());
      expect(host.sharedData(COUNTER)).toBeUndefined();
      expect(countOf(host)).toBe("1");
      expect(countOf(host)).toBe("2");
      expect(new TextDecoder().decode(host.sharedData(COUNTER)?.value)).toBe("2");
    });

    it("retries on CasMismatch when another VM wrote between get and set", () => {
      const host = allow(gate());
      host.setSharedData(COUNTER, "40");
      let raced = false;
      host.interceptHostCall("proxy_set_shared_data", () => {
        if (!raced) {
          raced = true;
          host.setSharedData(COUNTER, "41"); // another worker wins the race: the guest's CAS is now stale
        }
        return undefined; // run the real call, which answers CasMismatch once
      });
      expect(countOf(host)).toBe("42");
      expect(host.logsAt(LogLevel.info)).toContain("counter changed under us (CAS mismatch), retrying");
      expect(new TextDecoder().decode(host.sharedData(COUNTER)?.value)).toBe("42");
    });

    it("gives up after 8 mismatches in a row and lets the request through uncounted", () => {
      const host = allow(gate());
      let attempts = 0;
      host.interceptHostCall("proxy_set_shared_data", () => {
        attempts++;
        return WasmResult.CasMismatch;
      });
      const s = host.newHttpStream();
      s.sendRequestHeaders(REQ, true);
      expect(attempts).toBe(8);
      expect(host.logsAt(LogLevel.warn)).toEqual(["counter not updated: 8 CAS mismatches in a row"]);
      expect(s.request.headers.some(([k]) => k === "x-request-count")).toBe(false);
      expect(s.paused("request")).toBe(false);
    });

    it("two VMs of one process share the counter (same vm_id); another vm_id has its own; stats are process-wide", () => {
      const process = new ProxyProcess();
      const clock = new VirtualClock(0);
      const callouts = new CalloutRouter().route({ cluster: "auth" }, { status: 200 });
      const a = gate({ process, clock, callouts });
      const b = gate({ process, clock, callouts });
      const other = gate({ process, clock, callouts, vmId: "other" });
      expect([countOf(a), countOf(b), countOf(a), countOf(b)]).toEqual(["1", "2", "3", "4"]);
      expect(countOf(other)).toBe("1");
      expect(new TextDecoder().decode(b.sharedData(COUNTER)?.value)).toBe("4");
      clock.advance(1000); // one tick in each of the three VMs, one process-wide counter
      expect(a.logsAt(LogLevel.info)).toContain("tick 1: 4 requests so far");
      expect(b.logsAt(LogLevel.info)).toContain("tick 1: 4 requests so far");
      expect(other.logsAt(LogLevel.info)).toContain("tick 1: 1 requests so far");
      expect(a).toHaveMetric("rust_sdk_ticks", 3n);
    });
  });

  it("ticks on the virtual clock: a full period after configure, then every period, each logged and counted", () => {
    const host = gate({ now: 0 });
    host.callouts.route({ cluster: "auth" }, { status: 200 });
    host.clearLogs();
    host.advance(999);
    expect(host.logsAt(LogLevel.info)).toEqual([]);
    host.advance(1);
    expect(host.logsAt(LogLevel.info)).toEqual(["tick 1: 0 requests so far"]);
    countOf(host);
    countOf(host);
    host.advance(2000);
    expect(host.logsAt(LogLevel.info)).toEqual(["tick 1: 0 requests so far", "tick 2: 2 requests so far", "tick 3: 2 requests so far"]);
    expect(host).toHaveMetric("rust_sdk_ticks", 3n);
  });

  it("shutdown: the root's on_done (SDK default true) lets the host delete it, and no tick fires after", () => {
    const host = gate();
    host.shutdown();
    expect(host.pendingDone).toBe(false);
    expect(host.rootDeleted).toBe(true);
    host.clearLogs();
    host.advance(5000);
    expect(host.logs).toEqual([]);
  });

  it("a Rust panic (the SDK's answer to a status it does not expect) is a trap report carrying the panic message", () => {
    const host = gate();
    host.callouts.route({ cluster: "auth" }, { status: 200 });
    host.interceptHostCall("proxy_get_shared_data", () => WasmResult.InternalFailure);
    const s = host.newHttpStream();
    let trap: unknown;
    try {
      s.sendRequestHeaders(REQ, true);
    } catch (e) {
      trap = e;
    }
    expect(trap).toBeInstanceOf(TrapError);
    const t = trap as TrapError;
    expect(t.callback).toBe("proxy_on_request_headers");
    expect(t.contextId).toBe(s.contextId);
    expect(t.message).toMatch(/unreachable/);
    // the SDK's panic hook logs the panic at critical level before the wasm traps
    expect(host.logsAt(LogLevel.critical)).toEqual([expect.stringMatching(/unexpected status: 10/)]);
    // …which the trap report reads as its abort message, with the panic's location
    expect(t.abortMessage).toMatch(/unexpected status: 10 at \S+\.rs:\d+:\d+$/);
    // the guest stack reaches past the panic machinery (more than V8's default 10 frames)
    expect(t.frames.length).toBeGreaterThan(10);
    expect(t.hostCalls.map((c) => c.name)).toContain("proxy_get_shared_data");
  });

  it("keeps linear memory flat over many requests (host results handed over through the SDK's proxy_on_memory_allocate)", () => {
    const host = gate();
    host.callouts.route({ cluster: "auth" }, { status: 200, headers: [["x-user", "alice"]] });
    const result = checkForLeaks(host, (h) => {
      const s = h.newHttpStream();
      s.sendRequestHeaders(REQ, true);
      s.sendResponseHeaders([[":status", "200"]], true);
      s.complete();
    }, { warmup: 200, runs: 2000 });
    expect(result.pagesAfterRuns).toBe(result.pagesAfterWarmup);
    expect(errors(host)).toEqual([]);
  });
});
