import { describe, expect, it } from "vitest";
import { encodePairs, LogLevel } from "../src/index.ts";
import type { MockHost } from "../src/index.ts";
import {
  encodeBool, encodeBytePairs, encodeDouble, encodeDuration, encodeInt64, encodeList, encodePropertyValue, encodeString,
  encodeTimestamp, encodeUint64, ProtoWriter,
} from "../src/properties/encode.ts";
import { filterHost } from "./helpers/filter.ts";
import { hex } from "./helpers/wasm.ts";

const REQ: Array<[string, string]> = [
  [":method", "GET"], [":path", "/a/b?x=1&y=2"], [":authority", "example.com"], [":scheme", "https"],
  ["x-request-id", "rid-1"], ["x-multi", "1"], ["x-multi", "2"], ["user-agent", "ua"],
];
const prop = (path: string): string =>
  `(i64.store (i32.const 96) (i64.const 0)) (call $report (call $proxy_get_property {{${path}}} (i32.const 96) (i32.const 100))) (call $logret)`;
const propHex = (path: string): string => prop(path).replace("(call $logret)", "(call $loghex)");
/** set_property, logging its status (trace) and the marker "=set" (info) */
const setProp = (path: string, value: string): string =>
  `(call $report (call $proxy_set_property {{${path}}} {{${value}}})) (drop (call $proxy_log (i32.const 2) {{=set}}))`;

/** WAT probing each path (NUL-separated) and logging status (trace) + value bytes in hex (info). */
const probe = (...paths: string[]): string => paths.map(propHex).join(" ");
/** [status, hex value] per probe since the last clearLogs(). */
function results(host: MockHost): Array<[number, string]> {
  const info = host.logsAt(LogLevel.info);
  return host.logsAt(LogLevel.trace).map((s, i) => [Number(s), info[i]]);
}
const OK = 0, NOT_FOUND = 1, SERIALIZATION_FAILURE = 3;
const h = (s: string): string => hex(new TextEncoder().encode(s));
const i64 = (v: bigint | number): string => hex(encodeInt64(v));

const NOW = 1_700_000_000_123_456_789n; // virtual clock start, ns since the epoch

describe("property encodings (§9.4), byte for byte", () => {
  it("scalars: strings raw, int/uint/double/timestamp/duration 8 bytes LE, bool 1 byte", () => {
    expect(hex(encodeString("hé"))).toBe("68c3a9");
    expect(hex(encodeInt64(-2n))).toBe("feffffffffffffff");
    expect(hex(encodeInt64(404))).toBe("9401000000000000");
    expect(hex(encodeUint64(1n << 63n))).toBe("0000000000000080");
    expect(hex(encodeDouble(1.5))).toBe("000000000000f83f");
    expect(hex(encodeBool(true))).toBe("01");
    expect(hex(encodeBool(false))).toBe("00");
    expect(hex(encodeTimestamp(NOW))).toBe("15cd853dfe9c9717"); // 0x17979cfe3d85cd15, little-endian
    expect(hex(encodeDuration(1_500_000_000n))).toBe("002f685900000000");
  });

  it("maps are §9.1 pairs (the reference's example), lists §9.2 pairs with empty values", () => {
    const te = new TextEncoder();
    expect(hex(encodeBytePairs([[te.encode("a"), te.encode("1")], [te.encode("b"), te.encode("22")]])))
      .toBe("02000000" + "0100000001000000" + "0100000002000000" + "6100310062003232" + "00");
    expect(hex(encodeList([te.encode("x"), te.encode("yz")])))
      .toBe("02000000" + "0100000000000000" + "0200000000000000" + "78000079" + "7a0000");
    expect(hex(encodeList([]))).toBe("00000000");
  });

  it("test values: typed forms, maps encode their values recursively", () => {
    expect(hex(encodePropertyValue({ double: -0.5 }))).toBe("000000000000e0bf");
    expect(hex(encodePropertyValue({ uint: 7 }))).toBe("0700000000000000");
    expect(hex(encodePropertyValue({ map: { n: 1 } }))).toBe("01000000" + "0100000008000000" + "6e00" + "0100000000000000" + "00");
    expect(hex(encodePropertyValue({ list: ["a", true] }))).toBe("02000000" + "0100000000000000" + "0100000000000000" + "610000" + "010000");
  });

  it("protobuf wire format of the messages served (Node, Struct)", () => {
    expect(hex(new ProtoWriter().string(1, "id").string(2, "").varintField(4, true).double(2, 1).finish()))
      .toBe("0a026964" + "2001" + "11000000000000f03f");
    expect(hex(new ProtoWriter().bytes(1, new Uint8Array(300)).finish()).slice(0, 6)).toBe("0aac02"); // varint 300
  });
});

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

  it("request stream info: time (timestamp), duration after completion, size, total_size, query without fragment", () => {
    const host = filterHost({
      proxy_on_request_headers: `${probe("request\0time", "request\0duration", "request\0size", "request\0total_size", "request\0query")} (i32.const 0)`,
      proxy_on_request_body: `${probe("request\0size", "request\0total_size", "request\0duration")} (i32.const 0)`,
      proxy_on_log: probe("request\0duration", "request\0time", "request\0size"),
    }, {}, { now: NOW });
    const s = host.newHttpStream();
    const headers: Array<[string, string]> = [[":method", "POST"], [":path", "/p?q=1#frag"], [":authority", "a"], ["content-length", "11"]];
    s.sendRequestHeaders(headers, false);
    const headerBytes = headers.reduce((n, [k, v]) => n + k.length + v.length, 0);
    expect(results(host)).toEqual([
      [OK, hex(encodeTimestamp(NOW))], [NOT_FOUND, ""], [OK, i64(11)], [OK, i64(headerBytes)], [OK, h("q=1")],
    ]);
    host.clearLogs();
    host.advance(5);
    s.sendRequestBody("hello", false); // headers let go: size falls back to the bytes received
    host.advance(20);
    s.sendRequestBody(" world", true);
    expect(results(host)).toEqual([
      [OK, i64(5)], [OK, i64(5)], [NOT_FOUND, ""],
      [OK, i64(11)], [OK, i64(11)], [NOT_FOUND, ""],
    ]);
    host.clearLogs();
    s.sendResponseHeaders([[":status", "200"]], true);
    host.advance(100);
    s.complete();
    // duration = completion − start on the virtual clock; in on_log the access-log headers carry content-length
    expect(results(host)).toEqual([[OK, hex(encodeDuration(125_000_000n))], [OK, hex(encodeTimestamp(NOW))], [OK, i64(11)]]);
  });

  it("response: code, code_details, flags, grpc_status, headers, trailers, sizes, backend_latency", () => {
    const host = filterHost({
      proxy_on_response_headers: `${probe("response\0code", "response\0code_details", "response\0flags", "response\0grpc_status", "response\0backend_latency", "response\0size")} (i32.const 0)`,
      proxy_on_response_trailers: `${probe("response\0trailers", "response\0trailers\0grpc-status", "response\0grpc_status")} (i32.const 0)`,
      proxy_on_log: probe("response\0size", "response\0total_size", "response\0backend_latency", "response\0headers", "response\0trailers\0grpc-status"),
    }, {}, { now: NOW });
    const s = host.newHttpStream();
    s.sendRequestHeaders(REQ, true);
    host.advance(30);
    s.sendResponseHeaders([[":status", "200"], ["content-type", "application/grpc"]], false);
    expect(results(host)).toEqual([
      [OK, i64(200)], [OK, h("via_upstream")], [OK, i64(0)],
      [OK, i64(2)], // no grpc-status yet: from the HTTP code (Envoy httpToGrpcStatus(200) = Unknown)
      [NOT_FOUND, ""], // the upstream response has not ended
      [OK, i64(0)],
    ]);
    host.clearLogs();
    s.sendResponseBody("abcd", false);
    host.advance(12);
    s.sendResponseTrailers([["grpc-status", "5"]]);
    expect(results(host)).toEqual([
      [OK, hex(encodePairs([["grpc-status", "5"]]))], [OK, h("5")], [OK, i64(5)],
    ]);
    host.clearLogs();
    s.complete();
    const hdrBytes = ":status".length + 3 + "content-type".length + "application/grpc".length;
    const trlBytes = "grpc-status".length + 1;
    expect(results(host)).toEqual([
      [OK, i64(4)], [OK, i64(4 + hdrBytes + trlBytes)], [OK, hex(encodeDuration(42_000_000n))],
      [OK, hex(encodePairs([[":status", "200"], ["content-type", "application/grpc"]]))], [OK, h("5")],
    ]);
  });

  it("response: grpc-status from the headers; -1 for a value outside 0..16; local reply details; no response → NotFound", () => {
    const host = filterHost({
      proxy_on_response_headers: `${probe("response\0grpc_status")} (i32.const 0)`,
      proxy_on_request_headers: `${probe("response\0code", "response\0code_details", "response\0grpc_status", "response\0flags")} (i32.const 0)`,
    });
    const a = host.newHttpStream();
    a.sendRequestHeaders(REQ, true);
    a.sendResponseHeaders([[":status", "200"], ["grpc-status", "14"]], true);
    const b = host.newHttpStream();
    b.sendRequestHeaders(REQ, true);
    b.sendResponseHeaders([[":status", "200"], ["grpc-status", "99"]], true);
    expect(results(host)).toEqual([
      [NOT_FOUND, ""], [NOT_FOUND, ""], [NOT_FOUND, ""], [OK, i64(0)], [OK, i64(14)],
      [NOT_FOUND, ""], [NOT_FOUND, ""], [NOT_FOUND, ""], [OK, i64(0)], [OK, i64(-1)],
    ]);

    const lr = filterHost({
      proxy_on_request_headers: `(drop (call $proxy_send_local_response (i32.const 403) {{no way}} {{denied}} (i32.const 0) (i32.const 0) (i32.const -1))) (i32.const 1)`,
      proxy_on_log: probe("response\0code", "response\0code_details", "response\0grpc_status", "response\0size"),
    }, {}, {});
    const c = lr.newHttpStream();
    c.sendRequestHeaders(REQ, true);
    c.complete();
    expect(results(lr)).toEqual([[OK, i64(403)], [OK, h("no_way")], [OK, i64(7)], [OK, i64(6)]]);
  });

  it("connection, source, destination: defaults with their encodings; TLS facts absent on plaintext", () => {
    const host = filterHost({
      proxy_on_request_headers: `${probe(
        "connection\0id", "connection_id", "connection\0mtls", "connection\0requested_server_name", "connection\0tls_version",
        "connection\0subject_peer_certificate", "connection\0termination_details", "connection\0transport_failure_reason",
        "source\0address", "source\0port", "destination\0address", "destination\0port",
      )} (i32.const 0)`,
    });
    host.newHttpStream().sendRequestHeaders(REQ, true);
    expect(results(host)).toEqual([
      [OK, hex(encodeUint64(1))], [OK, hex(encodeUint64(1))], [OK, "00"], [OK, ""], [NOT_FOUND, ""],
      [NOT_FOUND, ""], [NOT_FOUND, ""], [NOT_FOUND, ""],
      [OK, h("10.0.0.1:40000")], [OK, i64(40000)], [OK, h("10.0.0.2:8080")], [OK, i64(8080)],
    ]);
  });

  it("overrides: createHost/setProperty values win, ports follow an overridden address, null makes a default absent", () => {
    const host = filterHost({
      proxy_on_request_headers: `${probe(
        "connection\0mtls", "connection\0tls_version", "source\0address", "source\0port", "connection\0id", "connection_id",
        "request\0protocol", "destination\0address", "connection\0requested_server_name",
      )} (i32.const 0)`,
    }, {}, {
      properties: { "connection.mtls": true, "connection.tls_version": "TLSv1.3", "source.address": "[2001:db8::1]:5555", "connection.id": { uint: 42 } },
    });
    host.setProperty("request.protocol", "HTTP/2");
    host.setProperty(["destination", "address"], null);
    host.setProperty("connection.requested_server_name", "api.example.com");
    host.newHttpStream().sendRequestHeaders(REQ, true);
    expect(results(host)).toEqual([
      [OK, "01"], [OK, h("TLSv1.3")], [OK, h("[2001:db8::1]:5555")], [OK, i64(5555)], [OK, hex(encodeUint64(42))],
      [OK, hex(encodeUint64(42))], [OK, h("HTTP/2")], [NOT_FOUND, ""], [OK, h("api.example.com")],
    ]);
  });

  it("user properties with typed encodings and traversal into test-set maps and lists", () => {
    const host = filterHost({
      proxy_on_request_headers: `${prop("xds\0node\0id")} ${propHex("n")} ${propHex("big")} ${propHex("flag")} ${propHex("raw")} ${prop("request\0path")} ` +
        `${probe("m\0k", "m\0l\0" + "1", "m\0l\0" + "9", "m\0l\0x", "m\0nope", "n\0x", "m")} (i32.const 0)`,
    }, {}, { properties: { "xds.node.id": "node-1", n: -2, flag: true, m: { map: { k: "v", l: { list: ["a", "b"] } } } } });
    host.setProperty(["big"], 1n << 40n);
    host.setProperty("raw", Uint8Array.of(1, 2, 3));
    host.setProperty(["request", "path"], "/override");
    host.newHttpStream().sendRequestHeaders(REQ, true);
    const info = host.logsAt(LogLevel.info);
    expect(info.slice(0, 6)).toEqual(["node-1", "feffffffffffffff", "0000000000010000", "01", "010203", "/override"]);
    expect(results(host).slice(6)).toEqual([
      [OK, h("v")], [OK, h("b")], [NOT_FOUND, ""], [NOT_FOUND, ""], [NOT_FOUND, ""], [NOT_FOUND, ""],
      [OK, hex(encodePropertyValue({ map: { k: "v", l: { list: ["a", "b"] } } }))],
    ]);
  });

  it("upstream.*: absent until the request went upstream, then address/port/local_address/attempts/locality", () => {
    const up = ["upstream\0address", "upstream\0port", "upstream\0local_address", "upstream\0request_attempt_count",
      "upstream\0transport_failure_reason", "upstream\0locality", "upstream\0cx_pool_ready_duration", "upstream\0tls_version",
      "xds\0upstream_host_metadata", "xds\0upstream_host_locality_metadata", "upstream\0num_endpoints"];
    const host = filterHost({
      proxy_on_request_headers: `${probe(...up)} (i32.const 0)`,
      proxy_on_response_headers: `${probe(...up)} (i32.const 0)`,
    });
    const s = host.newHttpStream();
    s.sendRequestHeaders(REQ, true);
    s.sendResponseHeaders([[":status", "200"]], true);
    expect(results(host)).toEqual([
      [NOT_FOUND, ""], [NOT_FOUND, ""], [NOT_FOUND, ""], [OK, hex(encodeUint64(0))], [NOT_FOUND, ""], [NOT_FOUND, ""], [NOT_FOUND, ""], [NOT_FOUND, ""], [NOT_FOUND, ""],
      [NOT_FOUND, ""], [OK, hex(encodeUint64(1))], // num_endpoints: the route's cluster is known before any upstream
      [OK, h("10.0.0.3:80")], [OK, i64(80)], [OK, h("10.0.0.2:40001")], [OK, hex(encodeUint64(1))], [OK, ""], [OK, ""],
      [OK, hex(encodeDuration(0n))], [NOT_FOUND, ""],
      // a STRICT_DNS cluster's host configured without metadata (the kit's bootstrap): an empty Metadata
      [OK, ""], [OK, ""], [OK, hex(encodeUint64(1))],
    ]);
  });

  it("upstream host metadata the test set is a Metadata message; num_endpoints can be overridden", () => {
    const host = filterHost({
      proxy_on_response_headers: `${probe("xds\0upstream_host_metadata", "xds\0upstream_host_metadata\0filter_metadata\0ns\0k", "upstream\0num_endpoints")} (i32.const 0)`,
    }, {}, { properties: { "xds.upstream_host_metadata.filter_metadata.ns.k": "v", "upstream.num_endpoints": { uint: 3 } } });
    const s = host.newHttpStream();
    s.sendRequestHeaders(REQ, true);
    s.sendResponseHeaders([[":status", "200"]], true);
    // Metadata { filter_metadata: { "ns": Struct { "k": "v" } } }
    const struct = "0a08" + "0a01" + h("k") + "1203" + "1a01" + h("v");
    expect(results(host)).toEqual([
      [OK, "0a10" + "0a02" + h("ns") + "120a" + struct], [OK, h("v")], [OK, hex(encodeUint64(3))],
    ]);
  });

  it("header maps the filter does not hold are empty maps (not NotFound); headers_bytes counts the held map or is 0", () => {
    const maps = ["request\0headers", "request\0headers_bytes", "response\0headers", "response\0headers_bytes", "response\0trailers", "request\0headers\0x-multi"];
    const host = filterHost({
      proxy_on_request_headers: `${probe(...maps)} (i32.const 0)`,
      proxy_on_response_headers: `${probe(...maps)} (i32.const 0)`,
    });
    const s = host.newHttpStream();
    s.sendRequestHeaders(REQ, true);
    s.sendResponseHeaders([[":status", "200"], ["x-up", "u"]], true);
    const reqBytes = REQ.reduce((n, [k, v]) => n + k.length + v.length, 0);
    expect(results(host)).toEqual([
      [OK, hex(encodePairs([[":method", "GET"], [":path", "/a/b?x=1&y=2"], [":authority", "example.com"], [":scheme", "https"],
        ["x-request-id", "rid-1"], ["x-multi", "1,2"], ["user-agent", "ua"]]))],
      [OK, i64(reqBytes)], [OK, "00000000"], [OK, i64(0)], [OK, "00000000"], [OK, h("1,2")],
      // response phase: the request headers were let go
      [OK, "00000000"], [OK, i64(0)], [OK, hex(encodePairs([[":status", "200"], ["x-up", "u"]]))],
      [OK, i64(":status".length + 3 + "x-up".length + 1)], [OK, "00000000"], [NOT_FOUND, ""],
    ]);
  });

  it("a local reply from onRequestHeaders: its response callbacks still see the request headers the filter held", () => {
    const host = filterHost({
      proxy_on_request_headers: `(drop (call $proxy_send_local_response (i32.const 403) {{no}} {{denied}} (i32.const 0) (i32.const 0) (i32.const -1))) (i32.const 1)`,
      proxy_on_response_headers: `${probe("request\0path", "request\0headers\0user-agent", "response\0code")} (i32.const 0)`,
    });
    host.newHttpStream().sendRequestHeaders(REQ, true);
    expect(results(host)).toEqual([[OK, h("/a/b?x=1&y=2")], [OK, h("ua")], [OK, i64(403)]]);
  });

  it("xds.*: node as a Node proto and by field, names, direction, metadata messages; NotFound for deprecated aliases", () => {
    const host = filterHost({
      proxy_on_request_headers: `${probe(
        "xds\0node", "xds\0node\0id", "xds\0node\0cluster", "xds\0node\0metadata", "xds\0cluster_name", "xds\0route_name",
        "xds\0virtual_host_name", "xds\0filter_chain_name", "xds\0listener_direction", "xds\0route_metadata", "xds\0cluster_metadata",
        "xds\0listener_metadata", "metadata", "node", "cluster_name", "xds\0nope", "xds\0node\0nope",
      )} (i32.const 0)`,
    });
    host.newHttpStream().sendRequestHeaders(REQ, true);
    const node = "0a09" + h("mock-node") + "120c" + h("mock-service") + "3205" + h("envoy");
    expect(results(host)).toEqual([
      [OK, node], [OK, h("mock-node")], [OK, h("mock-service")], [OK, "00000000"], [OK, h("mock_upstream")], [OK, h("mock_route")],
      [OK, h("mock_vhost")], [OK, ""], [OK, i64(0)], [OK, ""], [OK, ""],
      [OK, ""], [OK, ""], [NOT_FOUND, ""], [NOT_FOUND, ""], [NOT_FOUND, ""], [NOT_FOUND, ""],
    ]);
  });

  it("xds.node and metadata built from the test's leaves: proto bytes, Struct numbers as doubles, traversal", () => {
    const host = filterHost({
      proxy_on_request_headers: `${probe(
        "xds\0node", "xds\0node\0metadata\0REGION", "xds\0node\0metadata\0W", "xds\0node\0locality\0zone",
        "metadata\0filter_metadata\0envoy.lb\0canary", "metadata\0filter_metadata\0envoy.lb", "metadata",
      )} (i32.const 0)`,
    }, {}, {
      properties: {
        "xds.node.id": "n1", "xds.node.cluster": null, "xds.node.metadata": { map: { REGION: "eu" } }, "xds.node.metadata.W": { double: 2 },
        "xds.node.locality.zone": "z1",
      },
    });
    host.setProperty(["metadata", "filter_metadata", "envoy.lb"], { map: { canary: true } }); // a namespace with a dot
    host.newHttpStream().sendRequestHeaders(REQ, true);
    // Node: id=1 "n1", metadata=3 Struct{fields: REGION → string "eu", W → number 2}, locality=4 {zone=2 "z1"}, user_agent_name=6
    const entry = (k: string, value: string): string => {
      const body = "0a" + (k.length).toString(16).padStart(2, "0") + h(k) + "12" + (value.length / 2).toString(16).padStart(2, "0") + value;
      return "0a" + (body.length / 2).toString(16).padStart(2, "0") + body;
    };
    const struct = entry("REGION", "1a02" + h("eu")) + entry("W", "11" + hex(encodeDouble(2)));
    const node = "0a02" + h("n1") + "1a" + (struct.length / 2).toString(16).padStart(2, "0") + struct + "2204" + "1202" + h("z1") + "3205" + h("envoy");
    const lbStruct = entry("canary", "2001");
    const metadata = entry("envoy.lb", lbStruct);
    expect(results(host)).toEqual([
      [OK, node], [OK, h("eu")], [OK, hex(encodeDouble(2))], [OK, h("z1")],
      [OK, "01"], [OK, hex(encodeBytePairs([[new TextEncoder().encode("canary"), Uint8Array.of(1)]]))], [OK, metadata],
    ]);
  });

  it("root context: plugin_* and xds.node served; stream attributes NotFound; containers still SerializationFailure", () => {
    const host = filterHost({
      proxy_on_configure: `${probe("plugin_root_id", "xds\0node\0id", "xds\0cluster_name", "request\0time", "request\0protocol", "connection_id", "source\0address", "request", "xds")} (i32.const 1)`,
    }, {}, { rootId: "r" });
    expect(results(host)).toEqual([
      [OK, h("r")], [OK, h("mock-node")], [NOT_FOUND, ""], [NOT_FOUND, ""], [NOT_FOUND, ""], [NOT_FOUND, ""], [NOT_FOUND, ""],
      [NOT_FOUND, ""], [SERIALIZATION_FAILURE, ""],
    ]);
  });

  it("root context: a test-set value of a stream attribute is NotFound there too; other test-set names are served", () => {
    const host = filterHost({
      proxy_on_configure: `${probe("xds\0cluster_name", "request\0protocol", "source\0address", "xds\0node\0id", "custom\0name")} (i32.const 1)`,
    }, {}, { properties: { "xds.cluster_name": "upstream", "request.protocol": "HTTP/2", "source.address": "1.2.3.4:5", "xds.node.id": "n", "custom.name": "c" } });
    expect(results(host)).toEqual([[NOT_FOUND, ""], [NOT_FOUND, ""], [NOT_FOUND, ""], [OK, h("n")], [OK, h("c")]]);
  });

  it("containers alone → SerializationFailure; unknown names and paths → NotFound", () => {
    const host = filterHost({
      proxy_on_request_headers: `${probe(
        "request", "response", "connection", "source", "destination", "upstream", "xds", "filter_state", "upstream_filter_state",
        "nope", "request\0nope", "request\0path\0x", "connection\0nope", "connection\0id\0x", "plugin_name\0x",
      )} (i32.const 0)`,
    });
    host.newHttpStream().sendRequestHeaders(REQ, true);
    expect(results(host).map(([st]) => st)).toEqual([
      ...Array<number>(9).fill(SERIALIZATION_FAILURE),
      ...Array<number>(6).fill(NOT_FOUND),
    ]);
  });

  it("set_property: filter state under \"wasm.\" + path, read back by its first segment and through filter_state", () => {
    const host = filterHost({
      proxy_on_request_headers: `${setProp("my_key", "v1")} ${setProp("a\0b", "v2")} ${probe("my_key", "filter_state\0wasm.my_key", "a\0b", "a", "my_key\0x")} (i32.const 0)`,
      proxy_on_response_headers: `${probe("my_key")} (i32.const 0)`,
      proxy_on_log: `${setProp("late", "v3")} ${probe("late", "my_key")}`,
      proxy_on_tick: `${setProp("my_key", "v2")} ${probe("my_key")}`,
    });
    const s = host.newHttpStream();
    s.sendRequestHeaders(REQ, true);
    s.sendResponseHeaders([[":status", "200"]], true);
    s.complete();
    host.tick();
    expect(results(host)).toEqual([
      [OK, "=set"], [OK, "=set"], [OK, h("v1")], [OK, h("v1")],
      [NOT_FOUND, ""], // Envoy stored "wasm.a\0b" but looks up "wasm." + the first segment only
      [NOT_FOUND, ""], [NOT_FOUND, ""], // "wasm.a" was never set; bytes cannot be indexed
      [OK, h("v1")], // later callbacks of the same stream
      [OK, "=set"], [OK, h("v3")], [OK, h("v1")], // on_log still has the stream's filter state
      [NOT_FOUND, "=set"], [NOT_FOUND, ""], // root context: no stream info
    ]);
  });

  it("set_property keeps state per stream; a CEL name wins over filter state of the same name", () => {
    const host = filterHost({
      proxy_on_request_headers: `${probe("k")} ${setProp("k", "mine")} ${setProp("request", "x")} ${probe("k", "request")} (i32.const 0)`,
    });
    const a = host.newHttpStream();
    const b = host.newHttpStream();
    a.sendRequestHeaders(REQ, true);
    b.sendRequestHeaders(REQ, true);
    const perStream = [[NOT_FOUND, ""], [OK, "=set"], [OK, "=set"], [OK, h("mine")], [SERIALIZATION_FAILURE, ""]];
    expect(results(host)).toEqual([...perStream, ...perStream]); // b starts without a's state
  });
});
