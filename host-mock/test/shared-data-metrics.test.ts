// Shared data (§6.6, §11.8) and metrics (§6.10) with Envoy's codes: CAS 0 is unconditional (where
// Go's proxytest rejects it), one namespace per vm_id shared by every VM of a process, a single
// process-wide CAS counter; metric ids per VM with the type in the low bits, Envoy's per-type rules.
import { describe, expect, it } from "vitest";
import { createHost, LogLevel, MetricType, ProxyProcess, WasmResult } from "../src/index.ts";
import { buildModule, reported } from "./helpers/wasm.ts";

/** A module whose proxy_on_request_headers runs `body`; `$report` logs codes, `$logret` the returned bytes. */
function module(body: string): Uint8Array {
  return buildModule({
    env: ["proxy_get_shared_data", "proxy_set_shared_data", "proxy_define_metric", "proxy_increment_metric", "proxy_record_metric", "proxy_get_metric"],
    funcs: `(func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32) ${body} (i32.const 0))`,
  }).bytes;
}
const REQ: Array<[string, string]> = [[":method", "GET"], [":path", "/"], [":authority", "a"]];
const run = (host: ReturnType<typeof createHost>) => host.newHttpStream().sendRequestHeaders(REQ, true);
const codes = (host: ReturnType<typeof createHost>) => reported(host.logsAt(LogLevel.trace));

const set = (key: string, value: string, cas: number) => `(call $report (call $proxy_set_shared_data {{${key}}} {{${value}}} (i32.const ${cas})))`;
const get = (key: string) => `(call $report (call $proxy_get_shared_data {{${key}}} (i32.const 96) (i32.const 100) (i32.const 104)))`;

describe("shared data", () => {
  it("is shared by the VMs of one process with the same vm_id, with Envoy's CAS rules", () => {
    const process = new ProxyProcess();
    const a = createHost({ wasm: module(`${set("k", "one", 0)} ${set("k", "two", 0)} ${set("k", "three", 1)}`), vmId: "v", process });
    run(a);
    // cas 0 writes unconditionally, even over an existing key; a stale cas (1, the key is at 2) is a mismatch
    expect(codes(a)).toEqual([WasmResult.Ok, WasmResult.Ok, WasmResult.CasMismatch]);
    expect(a.sharedData("k")).toEqual({ value: new TextEncoder().encode("two"), cas: 2 });

    const b = createHost({ wasm: module(`${get("k")} (call $logret) ${set("k", "mine", 2)} ${set("fresh", "x", 99)}`), vmId: "v", process });
    run(b);
    // another VM reads the same value; its matching cas wins; a non-zero cas on an absent key is accepted
    expect(codes(b)).toEqual([WasmResult.Ok, WasmResult.Ok, WasmResult.Ok]);
    expect(b.logsAt(LogLevel.info)).toEqual(["two"]);
    expect(b.sharedData("k")?.cas).toBe(3); // one counter for every key of the process
    expect(b.sharedData("fresh")?.cas).toBe(4);
  });

  it("keeps vm_ids apart and processes apart; absent keys are NotFound; bad pointers IMA", () => {
    const process = new ProxyProcess();
    createHost({ wasm: module(""), vmId: "v", process }).setSharedData("k", "v-value");
    const other = createHost({ wasm: module(`${get("k")} (call $report (call $proxy_get_shared_data (i32.const 1048576) (i32.const 8) (i32.const 96) (i32.const 100) (i32.const 104)))`), vmId: "w", process });
    run(other);
    expect(codes(other)).toEqual([WasmResult.NotFound, WasmResult.InvalidMemoryAccess]);
    const elsewhere = createHost({ wasm: module(get("k")), vmId: "v" });
    run(elsewhere);
    expect(codes(elsewhere)).toEqual([WasmResult.NotFound]);
  });
});

const define = (type: number, name: string, slot: number) => `(call $report (call $proxy_define_metric (i32.const ${type}) {{${name}}} (i32.const ${slot})))`;
// ids are kept at 400+ (the helpers' $report uses bytes 200-201 as scratch)
const id = (slot: number) => `(i32.load (i32.const ${slot}))`;

describe("metrics", () => {
  it("gives per-VM ids with the type in the low bits and applies Envoy's per-type rules", () => {
    const host = createHost({ wasm: module(`
      ${define(0, "requests", 400)} ${define(1, "inflight", 404)} ${define(2, "latency", 408)} ${define(0, "requests", 412)} ${define(3, "bad", 416)}
      (call $report (call $proxy_increment_metric ${id(400)} (i64.const 2)))
      (call $report (call $proxy_increment_metric ${id(412)} (i64.const 3)))
      (call $report (call $proxy_increment_metric ${id(400)} (i64.const 0)))
      (call $report (call $proxy_record_metric ${id(400)} (i64.const 10)))
      (call $report (call $proxy_increment_metric ${id(404)} (i64.const -5)))
      (call $report (call $proxy_record_metric ${id(404)} (i64.const 7)))
      (call $report (call $proxy_increment_metric ${id(408)} (i64.const 1)))
      (call $report (call $proxy_record_metric ${id(408)} (i64.const 120)))
      (call $report (call $proxy_get_metric ${id(408)} (i32.const 300)))
      (call $report (call $proxy_get_metric (i32.const 999) (i32.const 300)))
      (call $report (call $proxy_get_metric ${id(400)} (i32.const 300)))
      (i32.store (i32.const 96) (i32.const 400)) (i32.store (i32.const 100) (i32.const 16)) (call $loghex)`) });
    run(host);
    const Ok = WasmResult.Ok;
    expect(codes(host)).toEqual([
      Ok, Ok, Ok, Ok, WasmResult.BadArgument, // defines: type 3 is not a metric type
      Ok, Ok, WasmResult.BadArgument, Ok, // counter: +2, +3 (second id, same stat), +0 rejected, record adds 10
      Ok, Ok, // gauge: -5, then set to 7
      WasmResult.BadArgument, Ok, // histogram: increment rejected, record a sample
      WasmResult.BadArgument, WasmResult.NotFound, Ok, // get: histogram rejected, unknown id, counter
    ]);
    const ids = Buffer.from(host.logsAt(LogLevel.info)[0], "hex");
    expect([0, 4, 8, 12].map((o) => ids.readUInt32LE(o))).toEqual([4, 5, 6, 8]);
    expect(host.metric("requests")?.value).toBe(15n);
    expect(host.metric("inflight", MetricType.Gauge)?.value).toBe(7n);
    expect(host.metric("latency", MetricType.Histogram)?.samples).toEqual([120n]);
    expect(host.metric("inflight")).toBeUndefined(); // counters and gauges are separate namespaces
  });
});

describe("foreign functions", () => {
  const call = (name: string) => `(call $report (call $proxy_call_foreign_function {{${name}}} {{args}} (i32.const 96) (i32.const 100)))`;
  const mod = (body: string) => buildModule({ env: ["proxy_call_foreign_function"], funcs: `(func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32) ${body} (i32.const 0))` }).bytes;

  it("clear_route_cache is Envoy's; test-registered functions get their args and return results; unknown names are NotFound", () => {
    const host = createHost({ wasm: mod(`${call("clear_route_cache")} ${call("echo_upper")} (call $logret) ${call("no_such_fn")} ${call("compress")}`) });
    let seen = "";
    host.registerForeignFunction("echo_upper", (args) => {
      seen = new TextDecoder().decode(args);
      return new TextEncoder().encode(seen.toUpperCase());
    });
    run(host);
    expect(codes(host)).toEqual([WasmResult.Ok, WasmResult.Ok, WasmResult.NotFound, WasmResult.Unimplemented]);
    expect(seen).toBe("args");
    expect(host.logsAt(LogLevel.info)).toEqual(["ARGS"]);
    expect(host.routeCacheClears).toBe(1);
  });
});

describe("failure injection on any host call", () => {
  it("forces a status without running the call, until removed; undefined lets the call run", () => {
    const host = createHost({ wasm: module(`${set("k", "v", 0)}`), vmId: "v" });
    const calls: number[] = [];
    const remove = host.interceptHostCall("proxy_set_shared_data", (args) => {
      calls.push(Number(args[4])); // the cas argument
      return calls.length === 1 ? WasmResult.CasMismatch : undefined;
    });
    run(host); // forced
    expect(host.sharedData("k")).toBeUndefined();
    run(host); // the interceptor lets it through
    expect(host.sharedData("k")?.cas).toBe(1);
    remove();
    run(host);
    expect(calls).toEqual([0, 0]);
    expect(codes(host)).toEqual([WasmResult.CasMismatch, WasmResult.Ok, WasmResult.Ok]);
  });

  it("sees i64 arguments as BigInt and can fail a metric update", () => {
    const host = createHost({ wasm: module(`${define(0, "c", 400)} (call $report (call $proxy_increment_metric ${id(400)} (i64.const 5)))`) });
    host.interceptHostCall("proxy_increment_metric", (args) => (args[1] === 5n ? WasmResult.InternalFailure : undefined));
    run(host);
    expect(codes(host)).toEqual([WasmResult.Ok, WasmResult.InternalFailure]);
    expect(host.metric("c")?.value).toBe(0n);
  });
});
