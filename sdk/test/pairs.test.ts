import { describe, expect, it } from "vitest";
import { createHost, LogLevel } from "@filterkit/host-mock";
import { BUILDS, fixtureWasm, prng } from "./helpers.ts";

// Compiled at collection time (outside any test timeout).
const WASM = {
  "pairs": { debug: fixtureWasm("pairs", "debug"), release: fixtureWasm("pairs", "release") },
};

const referenceBytes = "02 00 00 00 01 00 00 00 01 00 00 00 01 00 00 00 02 00 00 00 61 00 31 00 62 00 32 32 00";

function hexBytes(hex: string): Uint8Array {
  return new Uint8Array(hex.split(" ").map((h) => parseInt(h, 16)));
}

describe.each(BUILDS)("pairs codec (%s build)", (build) => {
  it("encodes {a:1, b:22} exactly like the reference example", () => {
    const host = createHost({ wasm: WASM["pairs"][build], rootId: "pairs" });
    host.clearLogs();
    const s = host.newHttpStream();
    s.sendRequestHeaders([[":method", "GET"], [":path", "/"], [":authority", "h"], ["x", "1"], ["x", "2"]], true);
    expect(host.logsAt(LogLevel.info)).toEqual([
      `encoded size=29 hex=${referenceBytes}`,
      "roundtrip 2 a:1 b:22",
    ]);
    // get_headers -> set_headers is the identity (order and repeats kept).
    expect(s.request.headers).toEqual([[":method", "GET"], [":path", "/"], [":authority", "h"], ["x", "1"], ["x", "2"]]);
  });

  it("decodes the reference bytes", () => {
    const host = createHost({ wasm: WASM["pairs"][build], rootId: "pairs", pluginConfig: hexBytes(referenceBytes) });
    expect(host.logsAt(LogLevel.info)).toEqual(["decoded 2 [a=1;b=22]"]);
  });

  const malformed: Array<[string, number[]]> = [
    ["empty", []],
    ["lone NUL", [0]],
    ["short count", [1, 0]],
    ["count without lengths", [1, 0, 0, 0]],
    ["huge count", [0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0, 1, 0, 0, 0, 0x61, 0, 0x62, 0]],
    ["missing key NUL", [1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0x61, 0x62, 0x62, 0]],
    ["missing value NUL", [1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0x61, 0, 0x62, 0x62]],
    ["trailing byte", [1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0x61, 0, 0x62, 0, 0]],
    ["length overrun", [1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0, 0x61, 0, 0x62, 0]],
    ["N=0 with junk", [0, 0, 0, 0, 1]],
  ];
  it.each(malformed)("treats a malformed buffer (%s) as empty", (_name, bytes) => {
    const host = createHost({ wasm: WASM["pairs"][build], rootId: "pairs", pluginConfig: new Uint8Array(bytes) });
    expect(host.configured).toBe(true);
    expect(host.logsAt(LogLevel.info)).toEqual(["decoded 0 []"]);
  });

  it("accepts empty keys and values and N=0", () => {
    const host = createHost({
      wasm: WASM["pairs"][build], rootId: "pairs",
      pluginConfig: new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
    });
    expect(host.logsAt(LogLevel.info)).toEqual(["decoded 1 [=]"]);
    host.clearLogs();
    host.configure(new Uint8Array([0, 0, 0, 0]));
    expect(host.logsAt(LogLevel.info)).toEqual(["decoded 0 []"]);
  });

  it("fuzz: random and corrupted buffers never trap", () => {
    const host = createHost({ wasm: WASM["pairs"][build], rootId: "pairs" });
    const rnd = prng(3);
    const base = hexBytes(referenceBytes);
    for (let i = 0; i < 3000; i++) {
      let bytes: Uint8Array;
      if (i % 2 === 0) {
        bytes = base.slice(0, Math.floor(rnd() * (base.length + 1)));
        if (bytes.length > 0) bytes[Math.floor(rnd() * bytes.length)] = Math.floor(rnd() * 256);
      } else {
        bytes = new Uint8Array(Math.floor(rnd() * 48));
        for (let j = 0; j < bytes.length; j++) bytes[j] = rnd() < 0.5 ? 0 : Math.floor(rnd() * 256);
      }
      host.clearLogs();
      expect(host.configure(bytes)).toBe(true);
      expect(host.logsAt(LogLevel.info)[0]).toMatch(/^decoded \d+ \[/);
    }
  });
});
