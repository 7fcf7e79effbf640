// Regression tests for the places where the Go SDK's proxytest host differs from Envoy
// (../shared/reference/anchors-mock-host.md §1.1). Each test asserts Envoy's behaviour, so a
// filter whose tests pass here does not depend on a proxytest quirk.
import { describe, expect, it } from "vitest";
import { createHost, createWorkers, FilterHeadersStatus, LogLevel, WasmResult, type TranscriptEntry } from "../src/index.ts";
import { fixtureWasm } from "../../sdk/test/helpers.ts";
import { filterHost } from "./helpers/filter.ts";
import { buildModule } from "./helpers/wasm.ts";

const GET: Array<[string, string]> = [[":method", "GET"], [":path", "/a"], [":authority", "x"]];

/** A root that writes shared data "k" on configure: cas 0 twice, then a stale cas, then reads back. */
function sharedDataModule(): Uint8Array {
  return buildModule({
    env: ["proxy_set_shared_data", "proxy_get_shared_data"],
    funcs: `(func (export "proxy_on_configure") (param i32 i32) (result i32)
      (call $report (call $proxy_set_shared_data {{k}} {{one}} (i32.const 0)))
      (call $report (call $proxy_set_shared_data {{k}} {{two}} (i32.const 0)))
      (call $report (call $proxy_set_shared_data {{k}} {{three}} (i32.const 1)))
      (call $report (call $proxy_get_shared_data {{k}} (i32.const 96) (i32.const 100) (i32.const 104)))
      (call $logret)
      (i32.const 1))`,
  }).bytes;
}

describe("proxytest divergences, asserting Envoy's behaviour", () => {
  it("shared data: cas 0 writes unconditionally over an existing key; a stale cas is CasMismatch", () => {
    const host = createHost({ wasm: sharedDataModule(), vmId: "a" });
    // proxytest rejects the second cas-0 write; Envoy (and the cpp host) treat cas 0 as "no check"
    expect(host.logsAt(LogLevel.trace)).toEqual(["00", "00", `${WasmResult.CasMismatch}`.padStart(2, "0"), "00"]);
    expect(host.logsAt(LogLevel.info)).toEqual(["two"]);
  });

  it("shared data: one keyspace per vm_id, not one for the whole process", () => {
    const [a] = createWorkers(1, { wasm: sharedDataModule(), vmId: "a" });
    const other = createHost({ wasm: sharedDataModule(), vmId: "b", process: a.process });
    // vm_id "b" starts from an empty keyspace: its first cas-0 write is its own
    expect(other.sharedData("k")?.value).toEqual(new TextEncoder().encode("two"));
    expect(a.sharedData("k")?.value).toEqual(new TextEncoder().encode("two"));
    a.setSharedData("k", "changed by a");
    expect(new TextDecoder().decode(other.sharedData("k")?.value)).toBe("two");
  });

  it("queues: proxy_on_queue_ready runs after the enqueuing callback returned, never inside it", () => {
    const host = createHost({ wasm: fixtureWasm("queue", "release"), rootId: "queue", vmId: "q" });
    const t: TranscriptEntry[] = host.startTranscript();
    host.newHttpStream().sendRequestHeaders(GET, true);
    const names = t.filter((e) => e.kind === "callback").map((e) => `${e.depth}:${e.name}`);
    expect(names).toEqual(["0:proxy_on_context_create", "0:proxy_on_request_headers", "0:proxy_on_queue_ready"]);
    const headers = t.find((e) => e.kind === "callback" && e.name === "proxy_on_request_headers") as TranscriptEntry;
    const ready = t.findIndex((e) => e.kind === "callback" && e.name === "proxy_on_queue_ready");
    const enqueue = t.findIndex((e) => e.kind === "hostcall" && e.name === "proxy_enqueue_shared_queue");
    // the enqueue is a host call of the request-headers callback, which returned normally
    expect(t[enqueue]).toMatchObject({ contextId: headers.contextId, depth: 1, result: 0 });
    expect(headers.result).toBe(FilterHeadersStatus.Continue);
    // every host call that callback made (among them the "enqueued" log line it writes after the
    // enqueue returned) comes before the queue callback starts: delivery inside the enqueue would
    // put proxy_on_queue_ready between the enqueue and that log line, at depth 1
    const own = t.flatMap((e, i) => (e.kind === "hostcall" && e.contextId === headers.contextId ? [i] : []));
    expect(own.filter((i) => i > enqueue).length).toBeGreaterThan(0);
    expect(Math.max(...own)).toBeLessThan(ready);
    expect(t[ready]).toMatchObject({ depth: 0, contextId: 1 }); // on the root context, at top level
  });

  it("streams end with proxy_on_log, proxy_on_done, proxy_on_delete (proxytest never calls on_done)", () => {
    const host = createHost({ wasm: fixtureWasm("readme-example", "release"), rootId: "my_root", pluginConfig: { header: "x-token" } });
    const s = host.newHttpStream();
    s.sendRequestHeaders([...GET, ["x-token", "1"]], true);
    s.sendResponseHeaders([[":status", "200"]], true);
    s.complete();
    expect(s.callbacks.map((c) => c.name).slice(-3)).toEqual(["proxy_on_log", "proxy_on_done", "proxy_on_delete"]);
  });

  it("bodies: after StopIterationAndBuffer the next callback sees the cumulative size, and the bytes go on once", () => {
    const host = createHost({ wasm: fixtureWasm("body", "release"), rootId: "body" });
    const s = host.newHttpStream();
    s.sendRequestHeaders([[":method", "POST"], [":path", "/"], [":authority", "x"], ["x-mode", "buffer"]], false);
    s.sendRequestBody("ab");
    s.sendRequestBody("cd");
    s.sendRequestBody("ef", true);
    expect(s.callbacks.filter((c) => c.name === "proxy_on_request_body").map((c) => c.args[1])).toEqual([2, 4, 6]);
    expect(s.request.bodyText).toBe("ABCDEF"); // not "abcdABCDEF": buffered chunks are not counted twice
  });

  it("proxy_close_stream and proxy_done act (proxytest stubs them as log-and-Ok)", () => {
    const closer = filterHost({ proxy_on_request_headers: "(drop (call $proxy_close_stream (i32.const 0))) (i32.const 0)" });
    const s = closer.newHttpStream();
    s.sendRequestHeaders(GET, true);
    expect(s.reset).toBe(true);
    expect(s.details).toBe("wasm_close_stream");

    const parked = filterHost({ proxy_on_done: "(i32.const 0)", proxy_on_tick: "(call $report (call $proxy_done))" });
    parked.shutdown();
    expect(parked.pendingDone).toBe(true);
    parked.tick(); // proxy_done from the parked root
    expect(parked.logsAt(LogLevel.trace)).toEqual(["00"]);
    expect(parked.rootDeleted).toBe(true);
  });

  it("an unknown foreign function is NotFound for that call only (proxytest kills the test binary)", () => {
    const host = createHost({
      wasm: buildModule({
        env: ["proxy_call_foreign_function"],
        funcs: `(func (export "proxy_on_configure") (param i32 i32) (result i32)
          (call $report (call $proxy_call_foreign_function {{no_such_function}} (i32.const 0) (i32.const 0) (i32.const 96) (i32.const 100)))
          (i32.const 1))`,
      }).bytes,
    });
    expect(host.configured).toBe(true);
    expect(host.logsAt(LogLevel.trace)).toEqual([String(WasmResult.NotFound).padStart(2, "0")]);
  });

  it("time is the virtual clock, not the epoch or zero, and moves only when the test says", () => {
    const host = filterHost({ proxy_on_tick: `(call $report (call $proxy_get_current_time_nanoseconds (i32.const 320))) (i32.store (i32.const 96) (i32.const 320)) (i32.store (i32.const 100) (i32.const 8)) (call $loghex)` }, {}, { now: 1_700_000_000_000_000_000n });
    host.tick();
    host.advance(1500);
    host.tick();
    const times = host.logsAt(LogLevel.info).map((hex) => Buffer.from(hex, "hex").readBigUInt64LE(0));
    expect(times).toEqual([1_700_000_000_000_000_000n, 1_700_000_001_500_000_000n]);
  });
});
