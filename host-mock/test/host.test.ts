import { describe, expect, it } from "vitest";
import { createHost, LogLevel, WasmResult } from "../src/index.ts";
import { filterHost, filterModule } from "./helpers/filter.ts";
import { buildModule } from "./helpers/wasm.ts";

const REQ: Array<[string, string]> = [[":method", "GET"], [":path", "/"], [":authority", "a"]];

describe("MockHost lifecycle", () => {
  it("root context: context_create(1, 0), vm_start(1, vm config size), configure(1, plugin config size)", () => {
    const host = filterHost({
      proxy_on_context_create: `(call $report (local.get $a)) (call $report (local.get $b))`,
      proxy_on_vm_start: `(call $report (local.get $a)) (call $report (local.get $b)) (i32.const 1)`,
      proxy_on_configure: `(call $report (local.get $a)) (call $report (local.get $b)) (i32.const 1)`,
    }, {}, { vmConfig: "12345", pluginConfig: "abc" });
    expect(host.logsAt(LogLevel.trace)).toEqual(["01", "00", "01", "05", "01", "03"]);
    expect(host.started && host.configured).toBe(true);
  });

  it("start: false defers start and configure", () => {
    const host = filterHost({ proxy_on_vm_start: `${"(drop (call $proxy_log (i32.const 2) {{started}}))"} (i32.const 1)` }, {}, { start: false });
    expect(host.logs).toEqual([]);
    expect(host.configured).toBe(false);
    expect(host.start()).toBe(true);
    expect(host.logsAt(LogLevel.info)).toEqual(["started"]);
    expect(() => host.start()).toThrow(/already started/);
  });

  it("tick period applies to the root and is read back; tick() calls proxy_on_tick(root)", () => {
    const host = filterHost({
      proxy_on_configure: `(drop (call $proxy_set_tick_period_milliseconds (i32.const 250))) (i32.const 1)`,
      proxy_on_tick: `(call $report (local.get $a))`,
      proxy_on_request_headers: `(drop (call $proxy_set_tick_period_milliseconds (i32.const 0))) (i32.const 0)`,
    });
    expect(host.tickPeriodMs).toBe(250);
    host.tick();
    host.tick();
    expect(host.logsAt(LogLevel.trace)).toEqual(["01", "01"]);
    host.newHttpStream().sendRequestHeaders(REQ, true); // from a stream: applies to its root
    expect(host.tickPeriodMs).toBe(0);
  });

  it("shutdown: on_done(root) then on_delete when it returned 1", () => {
    const host = filterHost({ proxy_on_done: `(call $report (local.get $a)) (i32.const 1)`, proxy_on_delete: `(call $report (i32.add (local.get $a) (i32.const 10)))` });
    host.shutdown();
    expect(host.logsAt(LogLevel.trace)).toEqual(["01", "11"]);
    expect(host.rootDeleted).toBe(true);
  });

  it("on_done returning 0 parks the root until proxy_done(); proxy_done elsewhere → NotFound", () => {
    const host = filterHost({
      proxy_on_done: `(i32.eq (local.get $a) (i32.const 2))`, // 0 for the root
      proxy_on_request_headers: `(call $report (call $proxy_done)) (i32.const 0)`,
      proxy_on_tick: `(call $report (call $proxy_done)) (drop (call $proxy_log (i32.const 2) {{tick-end}}))`,
      proxy_on_delete: `(call $report (i32.add (local.get $a) (i32.const 10)))`,
    });
    host.newHttpStream().sendRequestHeaders(REQ, true);
    expect(host.logsAt(LogLevel.trace)).toEqual([String(WasmResult.NotFound).padStart(2, "0")]);
    host.clearLogs();
    host.shutdown();
    expect(host.pendingDone).toBe(true);
    expect(host.rootDeleted).toBe(false);
    host.tick(); // a parked root still ticks; proxy_done → Ok, on_delete after the callback
    expect(host.logs.map((l) => l.message)).toEqual(["00", "tick-end", "11"]);
    expect(host.rootDeleted).toBe(true);
  });

  it("set_effective_context: unknown id → BadArgument; a known stream id lets the root act on the stream", () => {
    const host = filterHost({
      proxy_on_request_headers: "(i32.const 1)",
      proxy_on_tick: `(call $report (call $proxy_set_effective_context (i32.const 99)))
        (call $report (call $proxy_add_header_map_value (i32.const 0) {{x-from-tick}} {{1}}))
        (call $report (call $proxy_set_effective_context (i32.const 2)))
        (call $report (call $proxy_add_header_map_value (i32.const 0) {{x-from-tick}} {{1}}))
        (drop (call $proxy_continue_stream (i32.const 0)))`,
    });
    const s = host.newHttpStream();
    s.sendRequestHeaders(REQ, true);
    host.tick();
    expect(host.logsAt(LogLevel.trace)).toEqual(["02", "02", "00", "00"]);
    expect(s.request.headers).toEqual([...REQ, ["x-from-tick", "1"]]);
  });

  it("logLevel filters captured logs and is what proxy_get_log_level answers", () => {
    const m = buildModule({
      env: ["proxy_get_log_level"],
      funcs: `(func (export "proxy_on_configure") (param i32 i32) (result i32)
        (drop (call $proxy_get_log_level (i32.const 104)))
        (drop (call $proxy_log (i32.const 1) {{debug}})) (drop (call $proxy_log (i32.const 3) {{warn}}))
        (drop (call $proxy_log (i32.const 5) {{crit}})) (i32.load (i32.const 104)))`,
    });
    const host = createHost({ wasm: m.bytes, logLevel: LogLevel.warn });
    expect(host.logs).toEqual([{ level: LogLevel.warn, message: "warn", contextId: 1 }, { level: LogLevel.critical, message: "crit", contextId: 1 }]);
    expect(host.configured).toBe(true); // returned the level (3)
  });

  it("emscripten shims: pthread_equal compares, emscripten_notify_memory_growth is a no-op (allowed at start)", () => {
    const m = buildModule({
      env: ["pthread_equal", "emscripten_notify_memory_growth"],
      funcs: `(func (export "_start") (call $emscripten_notify_memory_growth (i32.const 0)))
        (func (export "proxy_on_configure") (param i32 i32) (result i32)
          (call $report (call $pthread_equal (i32.const 7) (i32.const 7))) (call $report (call $pthread_equal (i32.const 7) (i32.const 8))) (i32.const 1))`,
    });
    expect(createHost({ wasm: m.bytes }).logsAt(LogLevel.trace)).toEqual(["01", "00"]);
  });

  it("not-yet-implemented families link, answer Unimplemented (12) and log a warning", () => {
    const m = buildModule({
      env: ["envoy_resolve_dns"],
      funcs: `(func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
        (call $report (call $envoy_resolve_dns (i32.const 0) (i32.const 0) (i32.const 96))) (i32.const 0))`,
    });
    const host = createHost({ wasm: m.bytes });
    host.newHttpStream().sendRequestHeaders(REQ, true);
    expect(host.logsAt(LogLevel.trace)).toEqual(["12"]);
    expect(host.logsAt(LogLevel.warn)).toEqual(["host-mock does not implement envoy_resolve_dns yet; returning Unimplemented (12)"]);
  });
});

describe("ABI 0.1.0 stream control", () => {
  it("proxy_continue_request resumes after the callback; proxy_clear_route_cache is counted", () => {
    const m = buildModule({
      abi: "0_1_0", env: ["proxy_continue_request", "proxy_clear_route_cache", "proxy_set_effective_context"],
      funcs: `(func (export "proxy_on_request_headers") (param i32 i32) (result i32)
          (call $report (call $proxy_clear_route_cache)) (i32.const 1))
        (func (export "proxy_on_tick") (param i32)
          (drop (call $proxy_continue_request))
          (drop (call $proxy_set_effective_context (i32.const 2))) (drop (call $proxy_continue_request)))`,
    });
    const host = createHost({ wasm: m.bytes });
    const s = host.newHttpStream();
    expect(s.sendRequestHeaders(REQ, true)).toBe(1);
    expect(s.paused("request")).toBe(true);
    expect(host.routeCacheClears).toBe(1);
    host.tick(); // first call: root context, no stream → Ok, nothing; then on the stream
    expect(s.paused("request")).toBe(false);
    expect(s.request.headers).toEqual(REQ);
  });
});

describe("isolation", () => {
  it("many hosts interleaved share no state (ids, logs, properties, random)", () => {
    const wasm = filterModule({
      proxy_on_request_headers: `(drop (call $proxy_get_property {{plugin_root_id}} (i32.const 96) (i32.const 100))) (call $logret) (call $report (local.get $a)) (i32.const 0)`,
    });
    const hosts = Array.from({ length: 16 }, (_, i) => createHost({ wasm, rootId: `r${i}` }));
    for (let round = 0; round < 3; round++) {
      for (const h of hosts) h.newHttpStream().sendRequestHeaders(REQ, true);
    }
    hosts.forEach((h, i) => {
      expect(h.rootContextId).toBe(1);
      expect(h.logsAt(LogLevel.info)).toEqual([`r${i}`, `r${i}`, `r${i}`]);
      expect(h.logsAt(LogLevel.trace)).toEqual(["02", "03", "04"]);
    });
  });

  it("a guest looping over header get + add sees every value and leaves every added entry", () => {
    // the guest loops 1000 times over get(x-a) + add(x-b); malloc reuses one scratch block
    const m = buildModule({
      env: ["proxy_get_header_map_value", "proxy_add_header_map_value"], allocator: "none",
      funcs: `(func (export "malloc") (param i32) (result i32) (i32.const 4096))
        (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32) (local $i i32)
          (block $done (loop $l
            (br_if $done (i32.ge_u (local.get $i) (i32.const 1000)))
            (br_if $done (i32.ne (call $proxy_get_header_map_value (i32.const 0) {{x-a}} (i32.const 96) (i32.const 100)) (i32.const 0)))
            (drop (call $proxy_add_header_map_value (i32.const 0) {{x-b}} {{v}}))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $l)))
          (i32.const 0))`,
    });
    const host = createHost({ wasm: m.bytes });
    const s = host.newHttpStream();
    // the loop stops at the first get that is not Ok, so 1000 added entries mean 1000 good gets
    expect(s.sendRequestHeaders([...REQ, ["x-a", "1"]], true)).toBe(0);
    const added = s.request.headers.filter(([k]) => k === "x-b");
    expect(added).toHaveLength(1000);
    expect(added.every(([, v]) => v === "v")).toBe(true);
    // the rate of such round trips is a benchmark figure (`npm run bench`), not a test
  });
});
