import { describe, expect, it } from "vitest";
import { createHost, encodePairs, LogLevel } from "../src/index.ts";
import { buildModule, reported } from "./helpers/wasm.ts";

const HEADER_IMPORTS = [
  "proxy_get_header_map_value", "proxy_get_header_map_pairs", "proxy_get_header_map_size", "proxy_add_header_map_value",
  "proxy_replace_header_map_value", "proxy_remove_header_map_value", "proxy_set_header_map_pairs",
];

/** (call $report (get map key)) then log the value */
const get = (map: number, key: string): string =>
  `(i64.store (i32.const 96) (i64.const 0)) (call $report (call $proxy_get_header_map_value (i32.const ${map}) {{${key}}} (i32.const 96) (i32.const 100))) (call $logret)`;
const add = (map: number, k: string, v: string): string =>
  `(call $report (call $proxy_add_header_map_value (i32.const ${map}) {{${k}}} {{${v}}}))`;
const pairs = (map: number): string =>
  `(i64.store (i32.const 96) (i64.const 0)) (call $report (call $proxy_get_header_map_pairs (i32.const ${map}) (i32.const 96) (i32.const 100)))`;

function host(funcs: string, strings: Record<string, string>, abi: "0_1_0" | "0_2_1" = "0_2_1", extra: Record<string, string> = {}) {
  const m = buildModule({ abi, env: HEADER_IMPORTS, strings: { ...strings, ...extra }, funcs });
  return createHost({ wasm: m.bytes });
}

const REQ: Array<[string, string]> = [[":method", "GET"], [":path", "/p?q=1"], [":authority", "a"], ["x-foo", "one"], ["x-foo", "two"]];

describe("proxy_get_header_map_value", () => {
  it("lower-cases the key, answers the first of repeats, NotFound for a missing key", () => {
    const h = host(`(func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
      ${get(0, "kFoo")} ${get(0, "kMissing")} (i32.const 0))`, { kFoo: "X-Foo", kMissing: "nope" });
    h.newHttpStream().sendRequestHeaders(REQ, true);
    expect(reported(h.logsAt(LogLevel.trace))).toEqual([0, 1]);
    expect(h.logsAt(LogLevel.info)).toEqual(["one", ""]);
  });

  it("0.1.0: a missing key is Ok with an empty value; callbacks get (ctx, n) only", () => {
    const h = host(`(func (export "proxy_on_request_headers") (param i32 i32) (result i32)
      ${get(0, "kMissing")} (i32.const 0))`, { kMissing: "nope" }, "0_1_0");
    const s = h.newHttpStream();
    s.sendRequestHeaders(REQ, true);
    expect(reported(h.logsAt(LogLevel.trace))).toEqual([0]);
    expect(h.logsAt(LogLevel.info)).toEqual([""]);
    expect(s.callbacks[0]).toEqual({ name: "proxy_on_request_headers", args: [2, 5], result: 0 });
  });

  it("map id > 7 → BadArgument; gRPC / HTTP-call maps on a stream → BadArgument", () => {
    const h = host(`(func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
      ${get(8, "k")} ${get(4, "k")} ${get(6, "k")} ${add(6, "k", "k")} (i32.const 0))`, { k: "k" });
    h.newHttpStream().sendRequestHeaders(REQ, true);
    expect(reported(h.logsAt(LogLevel.trace))).toEqual([2, 2, 2, 2]);
  });
});

describe("header windows (§6.3)", () => {
  it("request headers: readable/writable in on_request_headers, BadArgument after Continue, readable in on_log", () => {
    const h = host(`
      (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32) ${get(0, "kFoo")} ${add(0, "kA", "v")} (i32.const 0))
      (func (export "proxy_on_request_body") (param i32 i32 i32) (result i32) ${get(0, "kFoo")} ${add(0, "kA", "v")} ${pairs(0)} (call $logret) (i32.const 0))
      (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32) ${get(0, "kFoo")} ${get(2, "kStatus")} (i32.const 0))
      (func (export "proxy_on_log") (param i32) ${get(0, "kA")} ${get(1, "kFoo")} ${get(2, "kStatus")} ${add(0, "kA", "v")})`,
    { kFoo: "x-foo", kA: "x-added", kStatus: ":status" });
    const s = h.newHttpStream();
    s.sendRequestHeaders(REQ);
    s.sendRequestBody("b", true);
    s.sendResponseHeaders([[":status", "200"]], true);
    s.complete();
    expect(reported(h.logsAt(LogLevel.trace))).toEqual([
      0, 0, // headers: get ok, add ok
      2, 2, 0, // body: get BadArgument, add BadArgument, pairs Ok (empty)
      2, 0, // response headers: request map gone, response map there
      0, 1, 0, 2, // on_log: map 0 readable, map 1 NotFound, map 2 readable, no writes
    ]);
    expect(h.logsAt(LogLevel.info)).toEqual(["one", "", "", "", "200", "v", "", "200"]);
    expect(s.request.headers).toContainEqual(["x-added", "v"]);
  });

  it("continue_stream drops the request handles at once (BadArgument in the same callback)", () => {
    const m = buildModule({
      env: [...HEADER_IMPORTS, "proxy_continue_stream"], strings: { kFoo: "x-foo" },
      funcs: `(func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
        ${get(0, "kFoo")} (drop (call $proxy_continue_stream (i32.const 0))) ${get(0, "kFoo")} (i32.const 1))`,
    });
    const h = createHost({ wasm: m.bytes });
    const s = h.newHttpStream();
    s.sendRequestHeaders(REQ, true);
    expect(reported(h.logsAt(LogLevel.trace))).toEqual([0, 2]);
    expect(s.paused("request")).toBe(false);
    expect(s.request.headers).toEqual(REQ);
  });

  it("trailers can be created from the last body chunk only", () => {
    const h = host(`(func (export "proxy_on_request_body") (param i32 i32 i32) (result i32)
        ${add(1, "kT", "v")} ${get(1, "kT")} (i32.const 0))`, { kT: "X-Trailer" });
    const s1 = h.newHttpStream();
    s1.sendRequestHeaders(REQ);
    s1.sendRequestBody("a", false);
    s1.sendRequestBody("b", true);
    expect(reported(h.logsAt(LogLevel.trace))).toEqual([2, 2, 0, 0]);
    expect(s1.request.trailers).toEqual([["x-trailer", "v"]]);
    expect(s1.request.bodyText).toBe("ab");
  });
});

describe("header mutations", () => {
  it("add keeps repeats in order, lower-cases keys; inline headers comma-merge; cookie entries stay apart (as in Envoy 1.40)", () => {
    const h = host(`(func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
      ${add(0, "kRep", "v1")} ${add(0, "kRep", "v2")} ${add(0, "kXff", "1.1.1.1")} ${add(0, "kXff", "2.2.2.2")}
      ${add(0, "kCookie", "a=1")} ${add(0, "kCookie", "b=2")} ${add(0, "kPath", "x")} (i32.const 0))`,
    { kRep: "X-Rep", kXff: "X-Forwarded-For", kCookie: "cookie", kPath: ":path" },
    "0_2_1", {});
    const s = h.newHttpStream();
    s.sendRequestHeaders([[":path", "/"]], true);
    expect(s.request.headers).toEqual([
      [":path", "/,x"], ["x-rep", "v1"], ["x-rep", "v2"], ["x-forwarded-for", "1.1.1.1,2.2.2.2"], ["cookie", "a=1"], ["cookie", "b=2"],
    ]);
  });

  it("replace removes every entry then appends one; remove removes all (absent key Ok)", () => {
    const h = host(`(func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
      (call $report (call $proxy_replace_header_map_value (i32.const 0) {{kFoo}} {{vNew}}))
      (call $report (call $proxy_remove_header_map_value (i32.const 0) {{kA}}))
      (call $report (call $proxy_remove_header_map_value (i32.const 0) {{kNone}})) (i32.const 0))`,
    { kFoo: "X-FOO", vNew: "new", kA: "a", kNone: "none" });
    const s = h.newHttpStream();
    s.sendRequestHeaders([["x-foo", "1"], ["a", "x"], ["x-foo", "2"], ["b", "y"], ["a", "z"]], true);
    expect(reported(h.logsAt(LogLevel.trace))).toEqual([0, 0, 0]);
    expect(s.request.headers).toEqual([["b", "y"], ["x-foo", "new"]]);
  });

  it("set_header_map_pairs replaces the map (keys lower-cased); malformed input clears it", () => {
    const good = encodePairs([["New", "1"], ["x", "2"]]);
    const hex = (b: Uint8Array): string => String.fromCharCode(...b);
    const h = host(`(func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
      (call $report (call $proxy_set_header_map_pairs (i32.const 0) {{good}})) (i32.const 0))
      (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32)
      (call $report (call $proxy_set_header_map_pairs (i32.const 2) {{bad}})) (i32.const 0))`,
    { good: hex(good), bad: "\u0001\u0000\u0000\u0000junk" });
    const s = h.newHttpStream();
    s.sendRequestHeaders(REQ, true);
    s.sendResponseHeaders([[":status", "200"], ["a", "b"]], true);
    expect(reported(h.logsAt(LogLevel.trace))).toEqual([0, 0]);
    expect(s.request.headers).toEqual([["new", "1"], ["x", "2"]]);
    expect(s.response.headers).toEqual([]);
  });

  it("get_header_map_pairs returns the pairs format in order with repeats", () => {
    const h = host(`(func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32) ${pairs(0)} (call $logret) (i32.const 0))`, {});
    h.newHttpStream().sendRequestHeaders(REQ, true);
    const logged = h.logsAt(LogLevel.info)[0];
    expect(Uint8Array.from(logged, (c) => c.charCodeAt(0))).toEqual(encodePairs(REQ));
  });

  it("get_header_map_size = Σ(key + value) bytes; BadArgument outside the writable window", () => {
    const size = (map: number): string => `(if (i32.eqz (call $proxy_get_header_map_size (i32.const ${map}) (i32.const 104)))
      (then (return (i32.load (i32.const 104)))) (else (return (i32.const 999999))))`;
    const h = host(`(func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32) ${size(0)})
      (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32) ${size(0)})`, {});
    const s = h.newHttpStream();
    const expected = REQ.reduce((n, [k, v]) => n + k.length + v.length, 0);
    expect(s.sendRequestHeaders(REQ, true)).toBe(expected);
    // the filter "paused" with a non-zero status: release it, then check the response side
    const s2 = h.newHttpStream();
    s2.sendRequestHeaders([], true);
    expect(s2.sendResponseHeaders([[":status", "200"]], true)).toBe(999999);
  });
});
