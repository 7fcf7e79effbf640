import { describe, expect, it } from "vitest";
import { createHost, LogLevel } from "../src/index.ts";
import { buildModule } from "./helpers/wasm.ts";

const REQ: Array<[string, string]> = [[":method", "GET"], [":path", "/"], [":authority", "a"], ["x-a", "value-a"]];
const ENV = ["proxy_get_header_map_value", "proxy_get_header_map_pairs", "proxy_add_header_map_value", "proxy_get_property", "proxy_send_local_response", "proxy_set_header_map_pairs"];

function reqHost(body: string, allocator?: string): ReturnType<typeof createHost> {
  const m = buildModule({
    env: ENV,
    allocator: allocator === undefined ? "malloc" : "none",
    funcs: `${allocator ?? ""} (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32) ${body} (i32.const 0))`,
  });
  return createHost({ wasm: m.bytes });
}

describe("guest memory (§2)", () => {
  it("bad input or output pointers → InvalidMemoryAccess (6), the host keeps working", () => {
    const host = reqHost(`
      (call $report (call $proxy_log (i32.const 2) (i32.const 0x7ffffff0) (i32.const 4)))
      (call $report (call $proxy_log (i32.const 2) (i32.const 65530) (i32.const 7)))
      (call $report (call $proxy_get_header_map_value (i32.const 0) {{x-a}} (i32.const 65534) (i32.const 100)))
      (call $report (call $proxy_get_header_map_value (i32.const 0) {{x-a}} (i32.const 96) (i32.const -1)))
      (call $report (call $proxy_add_header_map_value (i32.const 0) (i32.const 70000) (i32.const 1) {{v}}))
      (call $report (call $proxy_set_header_map_pairs (i32.const 0) (i32.const 1) (i32.const 65536)))
      (call $report (call $proxy_get_property (i32.const -8) (i32.const 4) (i32.const 96) (i32.const 100)))
      (call $report (call $proxy_send_local_response (i32.const 200) (i32.const 0) (i32.const 0) (i32.const 65535) (i32.const 2) (i32.const 0) (i32.const 0) (i32.const -1)))
      (call $report (call $proxy_log (i32.const 9) (i32.const 0) (i32.const 0)))
      (call $report (call $proxy_get_header_map_value (i32.const 0) {{x-a}} (i32.const 96) (i32.const 100))) (call $logret)`);
    const s = host.newHttpStream();
    expect(s.sendRequestHeaders(REQ, true)).toBe(0);
    expect(host.logsAt(LogLevel.trace)).toEqual(["06", "06", "06", "06", "06", "06", "06", "06", "02", "00"]);
    expect(host.logsAt(LogLevel.info)).toEqual(["value-a"]);
    expect(s.localReply).toBeNull();
    expect(host.failure).toBeNull();
  });

  it("empty results are ptr 0 / size 0 without calling the allocator", () => {
    const host = reqHost(`(i32.store (i32.const 96) (i32.const 77)) (i32.store (i32.const 100) (i32.const 77))
      (call $report (call $proxy_get_header_map_value (i32.const 0) {{empty}} (i32.const 96) (i32.const 100)))
      (call $report (i32.load (i32.const 96))) (call $report (i32.load (i32.const 100)))`,
    `(global $calls (mut i32) (i32.const 0))
     (func (export "malloc") (param i32) (result i32) (global.set $calls (i32.add (global.get $calls) (i32.const 1))) (i32.const 0))`);
    host.newHttpStream().sendRequestHeaders([["empty", ""]], true);
    expect(host.logsAt(LogLevel.trace)).toEqual(["00", "00", "00"]);
  });

  it("allocator returning 0 or an out-of-range block → InvalidMemoryAccess", () => {
    for (const ret of ["0", "65530", "-16"]) {
      const host = reqHost(`(call $report (call $proxy_get_header_map_value (i32.const 0) {{x-a}} (i32.const 96) (i32.const 100)))`,
        `(func (export "malloc") (param i32) (result i32) (i32.const ${ret}))`);
      host.newHttpStream().sendRequestHeaders(REQ, true);
      expect(host.logsAt(LogLevel.trace)).toEqual(["06"]);
    }
  });

  it("memory growth inside the allocator: views are refreshed before writing", () => {
    // malloc grows memory by one page per call and hands out the new page
    const host = reqHost(`(call $report (call $proxy_get_header_map_value (i32.const 0) {{x-a}} (i32.const 96) (i32.const 100))) (call $logret)
      (call $report (call $proxy_get_header_map_pairs (i32.const 0) (i32.const 96) (i32.const 100)))`,
    `(func (export "malloc") (param i32) (result i32) (i32.mul (memory.grow (i32.const 1)) (i32.const 65536)))`);
    const before = host.memoryPages();
    host.newHttpStream().sendRequestHeaders(REQ, true);
    expect(host.logsAt(LogLevel.trace)).toEqual(["00", "00"]);
    expect(host.logsAt(LogLevel.info)).toEqual(["value-a"]);
    expect(host.memoryPages()).toBe(before + 2);
  });
});
