import { describe, expect, it } from "vitest";
import { createHost, LogLevel } from "../src/index.ts";
import { filterHost } from "./helpers/filter.ts";
import { buildModule } from "./helpers/wasm.ts";

const REQ: Array<[string, string]> = [[":method", "POST"], [":path", "/"], [":authority", "a"]];
const getBuf = (id: number, start = 0, max = 1000): string =>
  `(i64.store (i32.const 96) (i64.const 0)) (call $report (call $proxy_get_buffer_bytes (i32.const ${id}) (i32.const ${start}) (i32.const ${max}) (i32.const 96) (i32.const 100))) (call $logret)`;
const setBuf = (id: number, start: number, size: number, data: string): string =>
  `(call $report (call $proxy_set_buffer_bytes (i32.const ${id}) (i32.const ${start}) (i32.const ${size}) {{${data}}}))`;

describe("set_buffer_bytes on a body (Envoy semantics, §6.4)", () => {
  const cases: Array<[string, number, number, string, number, string]> = [
    // label, start, size, data, status, resulting body of "hello"
    ["start 0 size 0 prepends", 0, 0, ">>", 0, ">>hello"],
    ["start 0 size 2 replaces the prefix", 0, 2, "J", 0, "Jllo"],
    ["start 0 size ≥ length replaces everything", 0, 99, "bye", 0, "bye"],
    ["start = length appends", 5, 0, "!", 0, "hello!"],
    ["start > length appends", 50, 3, "!", 0, "hello!"],
    ["0 < start < length → BadArgument, unchanged", 2, 1, "X", 2, "hello"],
  ];
  for (const [label, start, size, data, status, body] of cases) {
    it(label, () => {
      const host = filterHost({ proxy_on_request_body: `${setBuf(0, start, size, data)} (i32.const 0)` });
      const s = host.newHttpStream();
      s.sendRequestHeaders(REQ);
      s.sendRequestBody("hello", true);
      expect(host.logsAt(LogLevel.trace)).toEqual([String(status).padStart(2, "0")]);
      expect(s.request.bodyText).toBe(body);
    });
  }

  it("response body buffer 1 works the same; body buffers outside their callback: reads Ok+empty, writes BadArgument", () => {
    const host = filterHost({
      proxy_on_response_body: `${setBuf(1, 0, 0, "<")} ${getBuf(1)} (i32.const 0)`,
      proxy_on_request_headers: `${getBuf(0)} ${setBuf(0, 0, 0, "x")}
        (call $report (call $proxy_get_buffer_status (i32.const 0) (i32.const 104) (i32.const 108))) (i32.const 0)`,
    });
    const s = host.newHttpStream();
    s.sendRequestHeaders(REQ, true);
    s.sendResponseHeaders([[":status", "200"]]);
    s.sendResponseBody("ok", true);
    expect(host.logsAt(LogLevel.trace)).toEqual(["00", "02", "00", "00", "00"]);
    expect(host.logsAt(LogLevel.info)).toEqual(["", "<ok"]);
    expect(s.response.bodyText).toBe("<ok");
  });

  it("get_buffer_bytes clamps, start past the end → empty; ids > 8 → BadArgument; unavailable → NotFound", () => {
    const host = filterHost({
      proxy_on_request_body: `${getBuf(0, 1, 2)} ${getBuf(0, 3, 100)} ${getBuf(0, 9, 1)} ${getBuf(9)} ${getBuf(4)} ${getBuf(8)}
        (call $report (call $proxy_get_buffer_status (i32.const 0) (i32.const 104) (i32.const 108)))
        (call $report (i32.load (i32.const 104))) (call $report (call $proxy_get_buffer_status (i32.const 4) (i32.const 104) (i32.const 108)))
        ${setBuf(6, 0, 0, "x")} (i32.const 0)`,
    });
    const s = host.newHttpStream();
    s.sendRequestHeaders(REQ);
    s.sendRequestBody("hello", true);
    expect(host.logsAt(LogLevel.trace)).toEqual(["00", "00", "00", "02", "01", "01", "00", "05", "01", "02"]);
    expect(host.logsAt(LogLevel.info)).toEqual(["el", "lo", "", "", "", ""]);
  });
});

describe("configuration buffers 6/7 (§5.1, §6.4)", () => {
  it("VM config is readable always; plugin config only in on_configure (and root context_create)", () => {
    const host = filterHost({
      proxy_on_context_create: `(if (i32.eqz (local.get $b)) (then ${getBuf(7)}))`,
      proxy_on_vm_start: `${getBuf(6)} ${getBuf(7)} (i32.const 1)`,
      proxy_on_configure: `${getBuf(7)} ${getBuf(6)} (i32.eq (local.get $b) (i32.const 13))`,
      proxy_on_tick: `${getBuf(6)} ${getBuf(7)}`,
      proxy_on_request_headers: `${getBuf(7)} (i32.const 0)`,
    }, {}, { vmConfig: "vm-cfg", pluginConfig: { a: [1, "x"] } });
    expect(host.started).toBe(true);
    expect(host.configured).toBe(true); // plugin_configuration_size = 13 = '{"a":[1,"x"]}'.length
    expect(host.logsAt(LogLevel.trace)).toEqual(["00", "00", "01", "00", "00"]);
    expect(host.logsAt(LogLevel.info)).toEqual(['{"a":[1,"x"]}', "vm-cfg", "", '{"a":[1,"x"]}', "vm-cfg"]);
    host.clearLogs();
    host.tick();
    host.newHttpStream().sendRequestHeaders(REQ, true);
    expect(host.logsAt(LogLevel.trace)).toEqual(["00", "01", "01"]);
    expect(host.configure("new")).toBe(false); // size 3 ≠ 13
    expect(host.logsAt(LogLevel.info).slice(-2)).toEqual(["new", "vm-cfg"]);
  });

  it("on_vm_start returning 0 → started false, on_configure not called", () => {
    const host = filterHost({ proxy_on_vm_start: "(i32.const 0)", proxy_on_configure: `(drop (call $proxy_log (i32.const 2) {{configure}})) (i32.const 1)` });
    expect(host.started).toBe(false);
    expect(host.configured).toBe(false);
    expect(host.logsAt(LogLevel.info)).toEqual([]);
  });

  it("0.1.0 proxy_get_configuration: plugin config during configure, VM config elsewhere", () => {
    const m = buildModule({
      abi: "0_1_0", env: ["proxy_get_configuration"],
      funcs: `(func (export "proxy_on_configure") (param i32 i32) (result i32)
          (call $report (call $proxy_get_configuration (i32.const 96) (i32.const 100))) (call $logret) (i32.const 1))
        (func (export "proxy_on_tick") (param i32) (call $report (call $proxy_get_configuration (i32.const 96) (i32.const 100))) (call $logret))`,
    });
    const host = createHost({ wasm: m.bytes, pluginConfig: "plugin", vmConfig: "vm" });
    host.tick();
    expect(host.logsAt(LogLevel.info)).toEqual(["plugin", "vm"]);
  });
});
