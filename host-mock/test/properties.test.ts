import { describe, expect, it } from "vitest";
import { encodePairs, LogLevel } from "../src/index.ts";
import { filterHost } from "./helpers/filter.ts";
import { hex } from "./helpers/wasm.ts";

const REQ: Array<[string, string]> = [
  [":method", "GET"], [":path", "/a/b?x=1&y=2"], [":authority", "example.com"], [":scheme", "https"],
  ["x-request-id", "rid-1"], ["x-multi", "1"], ["x-multi", "2"], ["user-agent", "ua"],
];
const prop = (path: string): string =>
  `(i64.store (i32.const 96) (i64.const 0)) (call $report (call $proxy_get_property {{${path}}} (i32.const 96) (i32.const 100))) (call $logret)`;
const propHex = (path: string): string => prop(path).replace("(call $logret)", "(call $loghex)");
const setProp = (path: string, value: string): string => `(call $report (call $proxy_set_property {{${path}}} {{${value}}}))`;

describe("properties (§6.5, §10)", () => {
  it("plugin defaults, request.* from the held request headers, encodings", () => {
    const host = filterHost({
      proxy_on_request_headers: [
        "request\0path", "request\0url_path", "request\0query", "request\0host", "request\0scheme", "request\0method",
        "request\0id", "request\0protocol", "request\0headers\0x-multi", "request\0headers\0X-Request-Id", "request\0useragent",
        "plugin_name", "plugin_root_id", "plugin_vm_id",
      ].map(prop).join(" ") + " (i32.const 0)",
    }, {}, { rootId: "root-a", vmId: "vm-1", pluginName: "plug" });
    host.newHttpStream().sendRequestHeaders(REQ, true);
    expect(host.logsAt(LogLevel.trace).every((c) => c === "00")).toBe(true);
    expect(host.logsAt(LogLevel.info)).toEqual([
      "/a/b?x=1&y=2", "/a/b", "x=1&y=2", "example.com", "https", "GET", "rid-1", "HTTP/1.1", "1,2", "rid-1", "ua",
      "plug", "root-a", "vm-1",
    ]);
  });

  it("request.headers whole map is the pairs format with comma-joined values; containers → SerializationFailure", () => {
    const host = filterHost({ proxy_on_request_headers: `${propHex("request\0headers")} ${prop("request")} ${prop("xds")} ${prop("nope")} (i32.const 0)` });
    host.newHttpStream().sendRequestHeaders([["a", "1"], ["b", "2"], ["a", "3"]], true);
    expect(host.logsAt(LogLevel.trace)).toEqual(["00", "03", "03", "01"]);
    expect(host.logsAt(LogLevel.info)[0]).toBe(hex(encodePairs([["a", "1,3"], ["b", "2"]])));
  });

  it("request.* header-derived values are NotFound once the headers were let go; response.code is an 8-byte int", () => {
    const host = filterHost({
      proxy_on_response_headers: `${prop("request\0path")} ${prop("request\0protocol")} ${propHex("response\0code")} ${prop("response\0headers\0x-up")} (i32.const 0)`,
      proxy_on_log: prop("request\0path"),
    });
    const s = host.newHttpStream();
    s.sendRequestHeaders(REQ, true);
    s.sendResponseHeaders([[":status", "404"], ["x-up", "u"]], true);
    s.complete();
    expect(host.logsAt(LogLevel.trace)).toEqual(["01", "00", "00", "00", "00"]);
    const [, proto, code, up, logPath] = host.logsAt(LogLevel.info);
    expect(proto).toBe("HTTP/1.1");
    expect(code).toBe("9401000000000000"); // 404 as int64 LE
    expect(up).toBe("u");
    expect(logPath).toBe("/a/b?x=1&y=2"); // access-log maps in on_log
  });

  it("user properties (options / setProperty) with typed encodings; they win over derived values", () => {
    const host = filterHost({
      proxy_on_request_headers: `${prop("xds\0node\0id")} ${propHex("n")} ${propHex("big")} ${propHex("flag")} ${propHex("raw")} ${prop("request\0path")} (i32.const 0)`,
    }, {}, { properties: { "xds.node.id": "node-1", n: -2, flag: true } });
    host.setProperty(["big"], 1n << 40n);
    host.setProperty("raw", Uint8Array.of(1, 2, 3));
    host.setProperty(["request", "path"], "/override");
    host.newHttpStream().sendRequestHeaders(REQ, true);
    const info = host.logsAt(LogLevel.info);
    expect(info[0]).toBe("node-1");
    expect(info[1]).toBe("feffffffffffffff");
    expect(info[2]).toBe("0000000000010000");
    expect(info[3]).toBe("01");
    expect(info[4]).toBe("010203");
    expect(info[5]).toBe("/override");
  });

  it("set_property stores per stream and reads back; NotFound from the root (no stream)", () => {
    const host = filterHost({
      proxy_on_request_headers: `${setProp("my\0key", "v1")} ${prop("my\0key")} (i32.const 0)`,
      proxy_on_response_headers: `${prop("my\0key")} (i32.const 0)`,
      proxy_on_tick: `${setProp("my\0key", "v2")} ${prop("my\0key")}`,
    });
    const s = host.newHttpStream();
    s.sendRequestHeaders(REQ, true);
    s.sendResponseHeaders([[":status", "200"]], true);
    host.newHttpStream().sendRequestHeaders(REQ, true); // another stream: its own filter state
    host.tick();
    expect(host.logsAt(LogLevel.trace)).toEqual(["00", "00", "00", "00", "00", "01", "01"]);
    expect(host.logsAt(LogLevel.info)).toEqual(["v1", "v1", "v1", ""]);
  });
});
