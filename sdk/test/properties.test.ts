import { describe, expect, it } from "vitest";
import { createHost, LogLevel, WasmResult } from "@filterkit/host-mock";
import { BUILDS, fixtureWasm } from "./helpers.ts";

// Compiled at collection time (outside any test timeout).
const WASM = {
  "properties": { debug: fixtureWasm("properties", "debug"), release: fixtureWasm("properties", "release") },
};

describe.each(BUILDS)("properties (%s build)", (build) => {
  it("typed getters, array and dotted paths; multi-segment setters do not read back (Envoy)", () => {
    const host = createHost({
      wasm: WASM["properties"][build],
      rootId: "properties",
      properties: {
        "test.str": "sv",
        "test.int": -5n,
        "test.big": 1n << 40n,
        "test.flag": true,
        "test.off": false,
      },
    });
    host.setProperty(["test", "a.b"], "dot");
    host.setProperty(["test", "double"], new Uint8Array(new Float64Array([1.5]).buffer));
    const s = host.newHttpStream();
    s.sendRequestHeaders([[":method", "GET"], [":path", "/"], [":authority", "a"]], true);
    expect(host.logsAt(LogLevel.info)).toEqual([
      "root_id=properties",
      "str.dotted=sv",
      "str.array=sv",
      "dotted-key=dot",
      "i64=-5",
      `u64=${1n << 40n}`,
      "bool=true",
      "bool-false=false",
      "f64=1.5",
      `missing=null status=${WasmResult.NotFound}`,
      "missing-default=-7",
      "raw-len=2 compat-missing-len=0",
      "raw-int-len=8",
      // The fixture writes multi-segment paths ("my.str" → my\0str). Envoy stores them as filter state
      // "wasm.my\0str" but get_property looks up "wasm." + the FIRST segment ("wasm.my"), so they never
      // read back (host-mock README, Properties). Single-segment names do: host-mock/test/properties.test.ts.
      `set-str=${WasmResult.Ok} read=`,
      `set-i64=${WasmResult.Ok} read=0`,
      `set-bool=${WasmResult.Ok} read=false`,
      "bytes=null",
    ]);
  });
});
