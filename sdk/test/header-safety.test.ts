// The SDK's header writes refuse CR, LF and NUL by default (sdk/assembly/header-safety.ts): no
// filter built on it can split a response or make Envoy's router refuse the request by accident.
import { describe, expect, it } from "vitest";
import { createHost, LogLevel, WasmResult } from "@filterkit/host-mock";
import { BUILDS, fixtureWasm } from "./helpers.ts";

const WASM = { debug: fixtureWasm("header-safety", "debug"), release: fixtureWasm("header-safety", "release") };
const GET: Array<[string, string]> = [[":method", "GET"], [":path", "/"], [":authority", "a"]];
const BAD = WasmResult.BadArgument;

describe.each(BUILDS)("header write safety (%s build)", (build) => {
  it("refuses CR, LF and NUL in names and values; the unchecked variants and the Allow policy write them", () => {
    const host = createHost({ wasm: WASM[build], rootId: "header_safety" });
    const s = host.newHttpStream();
    s.sendRequestHeaders(GET, true);
    expect(host.logsAt(LogLevel.info)).toEqual([
      `add-crlf=${BAD}`, `add-lf=${BAD}`, `replace-cr=${BAD}`, `add-nul=${BAD}`, `add-name-crlf=${BAD}`, `set-bad=${BAD}`,
      `add-ok=${WasmResult.Ok}`, "refused=6", `add-unchecked=${WasmResult.Ok}`, `add-allowed=${WasmResult.Ok}`, "refused=6",
    ]);
    // nothing refused reached the map; the explicit escapes did
    expect(s.request.headers).toEqual([...GET, ["x-ok", "tab\tand ü"], ["x-raw", "a\nb"], ["x-allowed", "c\rd"]]);
  });

  it("a local reply goes out without the headers that would have split it", () => {
    const host = createHost({ wasm: WASM[build], rootId: "header_safety" });
    const s = host.newHttpStream();
    s.sendRequestHeaders([[":method", "GET"], [":path", "/reply"], [":authority", "a"]], true);
    expect(s.localReply?.status).toBe(403);
    expect(s.response.headers.filter(([k]) => k.startsWith("x-"))).toEqual([["x-good", "1"]]);
    expect(host.logsAt(LogLevel.info)).toEqual(["refused=2"]);
  });
});
