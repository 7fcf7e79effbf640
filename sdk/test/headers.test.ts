import { describe, expect, it } from "vitest";
import { createHost, FilterHeadersStatus, LogLevel, WasmResult } from "@filterkit/host-mock";
import { fixtureWasm } from "./helpers.ts";

// Compiled at collection time (outside any test timeout).
const WASM = {
  "headers": { debug: fixtureWasm("headers", "debug"), release: fixtureWasm("headers", "release") },
};

const requestHeaders: Array<[string, string]> = [
  [":method", "GET"], [":path", "/"], [":authority", "a"],
  ["x-one", "1"], ["x-rep", "r1"], ["x-rep", "r2"], ["x-remove", "z"],
];

function run(target: "debug" | "release") {
  const host = createHost({ wasm: WASM["headers"][target], rootId: "headers" });
  expect(host.configured).toBe(true);
  const s = host.newHttpStream();
  expect(s.sendRequestHeaders(requestHeaders, false)).toBe(FilterHeadersStatus.Continue);
  return { host, s };
}

describe.each(["debug", "release"] as const)("header maps (%s)", (target) => {
  it("get / has / get_all / size / get_headers see the request map exactly", () => {
    const { host } = run(target);
    const size = requestHeaders.reduce((n, [k, v]) => n + k.length + v.length, 0);
    expect(host.logsAt(LogLevel.info).slice(0, 9)).toEqual([
      "count=7 eos=0",
      "get x-one=1",
      "get X-One=1",
      `get missing=[] status=${WasmResult.NotFound}`,
      "has x-one=1 has missing=0",
      "get x-rep=r1",
      "all x-rep=r1,r2",
      `size=${size}`,
      "pairs=:method=GET;:path=/;:authority=a;x-one=1;x-rep=r1;x-rep=r2;x-remove=z",
    ]);
  });

  it("add (repeated) / replace / remove change the map as Envoy does", () => {
    const { host, s } = run(target);
    const expected: Array<[string, string]> = [
      [":method", "GET"], [":path", "/"], [":authority", "a"], ["x-one", "1"],
      ["x-added", "a1"], ["x-added", "a2"], ["x-rep", "replaced"], ["x-new", "n"],
    ];
    expect(host.logsAt(LogLevel.info)[9]).toBe("after=" + expected.map(([k, v]) => `${k}=${v}`).join(";"));
    s.sendRequestBody("x", true);
    expect(s.request.headers).toEqual(expected);
  });

  it("a map that is no longer available gives \"\" and BadArgument instead of a trap", () => {
    const { host, s } = run(target);
    host.clearLogs();
    s.sendRequestBody("data", true);
    expect(host.logsAt(LogLevel.info)).toEqual([
      `body-phase get=[] status=${WasmResult.BadArgument} add=${WasmResult.BadArgument} pairs=0`,
    ]);
  });

  it("request trailers: read, add, remove", () => {
    const { host, s } = run(target);
    s.sendRequestBody("data", false);
    host.clearLogs();
    s.sendRequestTrailers([["t1", "v1"], ["t-remove", "x"]]);
    expect(host.logsAt(LogLevel.info)).toEqual(["trailers=t1=v1;t-remove=x t1=v1"]);
    expect(s.request.trailers).toEqual([["t1", "v1"], ["t-added", "x"]]);
  });

  it("get_headers -> set_headers round trip keeps order and repeats; response trailers replace", () => {
    const { host, s } = run(target);
    s.sendRequestBody("", true);
    host.clearLogs();
    s.sendResponseHeaders([[":status", "200"], ["a", "1"], ["b", "2"], ["b", "3"]], false);
    const expected: Array<[string, string]> = [
      [":status", "200"], ["b", "3"], ["b", "2"], ["a", "1"], ["x-set", "v"], ["x-set", "w"],
    ];
    expect(host.logsAt(LogLevel.info)).toEqual([
      `set status=${WasmResult.Ok}`,
      "response=" + expected.map(([k, v]) => `${k}=${v}`).join(";"),
    ]);
    s.sendResponseBody("body", false);
    s.sendResponseTrailers([["rt", "old"], ["other", "1"], ["rt", "older"]]);
    s.complete();
    expect(s.response.headers).toEqual(expected);
    expect(s.response.trailers).toEqual([["other", "1"], ["rt", "new"]]);
    expect(host.logsAt(LogLevel.error)).toEqual([]);
    expect(host.logsAt(LogLevel.critical)).toEqual([]);
  });
});
