import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createHost, LogLevel, TrapError, VmFailedError } from "../src/index.ts";
import { decodeVlq, WasmSourceMap } from "../src/source-map.ts";
import { filterModule } from "./helpers/filter.ts";
import { buildModule } from "./helpers/wasm.ts";

const REQ: Array<[string, string]> = [[":method", "GET"], [":path", "/"], [":authority", "a"]];
const ABORT = "abort: boom: index out of range at assembly/filter.ts:12:7";
const TRAPPING = filterModule({
  proxy_on_request_headers: `(drop (call $proxy_log (i32.const 2) {{before}})) (drop (call $proxy_log (i32.const 5) {{${ABORT}}})) (call $deep) (i32.const 0)`,
}, {}, `(func $deep (call $deeper)) (func $deeper unreachable)`);

function catchTrap(f: () => unknown): TrapError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(TrapError);
    return e as TrapError;
  }
  throw new Error("expected a trap");
}

/** base64 VLQ encoder, independent of the decoder under test */
function vlq(values: number[]): string {
  const B = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  let out = "";
  for (const v of values) {
    let x = v < 0 ? (-v << 1) | 1 : v << 1;
    do {
      let d = x & 31;
      x >>>= 5;
      if (x > 0) d |= 32;
      out += B[d];
    } while (x > 0);
  }
  return out;
}

describe("trap reports (§11.14)", () => {
  it("name the callback and args, context id, AssemblyScript abort, guest stack and last host calls", () => {
    const host = createHost({ wasm: TRAPPING });
    const s = host.newHttpStream();
    const e = catchTrap(() => s.sendRequestHeaders(REQ, true));
    expect(e.callback).toBe("proxy_on_request_headers");
    expect(e.contextId).toBe(2);
    expect(e.abortMessage).toBe("boom: index out of range at assembly/filter.ts:12:7");
    expect(e.frames.map((f) => f.functionName).slice(0, 2)).toEqual(["deeper", "deep"]);
    expect(e.frames[2].functionName).toBe("proxy_on_request_headers"); // no name-section name: the export's
    expect(e.hostCalls.map((c) => [c.name, c.args[0], c.result])).toEqual([["proxy_log", 2, 0], ["proxy_log", 5, 0]]);
    const lines = e.message.split("\n");
    expect(lines[0]).toBe("wasm trap in proxy_on_request_headers(2, 3, 1) [context 2]: unreachable");
    expect(lines[1]).toBe("abort: boom: index out of range at assembly/filter.ts:12:7");
    expect(e.message).toMatch(/guest stack:\n {2}at deeper \(wasm-function\[\d+\]:0x[0-9a-f]+\)\n {2}at deep /);
    expect(e.message).toMatch(/last host calls \(oldest first\):\n {2}proxy_log\(2, \d+, 6\) -> 0\n {2}proxy_log\(5, \d+, \d+\) -> 0/);
    expect(s.callbacks.at(-1)).toEqual({ name: "proxy_on_request_headers", args: [2, 3, 1], result: undefined });
  });

  it("marks the VM failed: later calls throw 'VM failed earlier: <first trap>'", () => {
    const host = createHost({ wasm: TRAPPING });
    const s = host.newHttpStream();
    const first = catchTrap(() => s.sendRequestHeaders(REQ, true));
    expect(host.failure).toBe(first);
    expect(() => s.complete()).toThrow(VmFailedError);
    expect(() => host.tick()).toThrow("VM failed earlier: wasm trap in proxy_on_request_headers(2, 3, 1) [context 2]: unreachable");
    expect(() => host.newHttpStream()).toThrow(VmFailedError);
  });

  it("keeps only the last 16 host calls", () => {
    const many = Array.from({ length: 20 }, (_, i) => `(drop (call $proxy_log (i32.const 0) (i32.const 0) (i32.const ${i})))`).join(" ");
    const host = createHost({ wasm: filterModule({ proxy_on_request_headers: `${many} unreachable` }) });
    const e = catchTrap(() => host.newHttpStream().sendRequestHeaders(REQ));
    expect(e.hostCalls).toHaveLength(16);
    expect(e.hostCalls.map((c) => c.args[2])).toEqual(Array.from({ length: 16 }, (_, i) => i + 4));
  });

  it("maps wasm offsets to source with <module>.wasm.map", () => {
    const probe = catchTrap(() => createHost({ wasm: TRAPPING }).newHttpStream().sendRequestHeaders(REQ));
    const offset = probe.frames[0].offset;
    const dir = mkdtempSync(join(tmpdir(), "hostmock-map-"));
    const path = join(dir, "filter.wasm");
    writeFileSync(path, TRAPPING);
    // segments: [genColDelta, srcDelta, lineDelta, colDelta]
    const mappings = [vlq([0, 0, 0, 0]), vlq([offset, 1, 41, 6]), vlq([1, -1, -41, -6])].join(",");
    writeFileSync(`${path}.map`, JSON.stringify({ version: 3, sources: ["assembly/other.ts", "assembly/filter.ts"], names: [], mappings }));
    const e = catchTrap(() => createHost({ wasm: path }).newHttpStream().sendRequestHeaders(REQ));
    expect(e.frames[0].source).toBe("assembly/filter.ts:42:7");
    expect(e.message).toContain(`at deeper (wasm-function[${e.frames[0].functionIndex}]:0x${offset.toString(16)}) assembly/filter.ts:42:7`);
  });

  it("start functions run under the restricted allow-list (§1.4)", () => {
    const ok = buildModule({
      env: ["proxy_set_tick_period_milliseconds"],
      funcs: `(func (export "_initialize") (drop (call $proxy_log (i32.const 2) {{init}})))
        (func (export "main") (param i32 i32) (result i32) (drop (call $proxy_log (i32.const 2) {{main}})) (i32.const 0))
        (func (export "_start") (drop (call $proxy_log (i32.const 2) {{start-must-not-run}})))`,
    });
    const host = createHost({ wasm: ok.bytes });
    expect(host.logs).toEqual([{ level: LogLevel.info, message: "init", contextId: 0 }, { level: LogLevel.info, message: "main", contextId: 0 }]);
    const bad = buildModule({
      env: ["proxy_set_tick_period_milliseconds"],
      funcs: `(func (export "_start") (drop (call $proxy_set_tick_period_milliseconds (i32.const 5))))`,
    });
    const e = catchTrap(() => createHost({ wasm: bad.bytes }));
    expect(e.callback).toBe("_start");
    expect(e.contextId).toBe(0);
    expect(e.message).toContain("restricted_callback: proxy_set_tick_period_milliseconds may not be called during start functions");
  });
});

describe("source-map VLQ decoder", () => {
  it("decodes known segments and round-trips", () => {
    expect(decodeVlq("AAAA")).toEqual([0, 0, 0, 0]);
    expect(decodeVlq("CADgB")).toEqual([1, 0, -1, 16]);
    for (const v of [[0], [15, -15], [16, -16, 1023, -1024, 123456789]]) expect(decodeVlq(vlq(v))).toEqual(v);
  });

  it("looks up the greatest mapping at or before an offset", () => {
    const m = new WasmSourceMap(JSON.stringify({ version: 3, sources: ["a.ts", "b.ts"], mappings: [vlq([10, 0, 4, 2]), vlq([10, 1, 1, 1])].join(",") }));
    expect(m.lookup(9)).toBeUndefined();
    expect(m.lookup(10)).toEqual({ source: "a.ts", line: 5, column: 3 });
    expect(m.lookup(19)).toEqual({ source: "a.ts", line: 5, column: 3 });
    expect(m.lookup(25)).toEqual({ source: "b.ts", line: 6, column: 4 });
  });
});

// End to end with a real AssemblyScript module and the .wasm.map asc writes (built by
// scripts/build.ts, which `npm test` runs first).
const AS_FIXTURE = fileURLToPath(new URL("../../sdk/test/fixtures/abort/build/debug.wasm", import.meta.url));
describe("trap reports with an AssemblyScript module", () => {
  it("decodes the SDK's abort line and maps frames to the AssemblyScript source", () => {
    expect(existsSync(AS_FIXTURE) && existsSync(`${AS_FIXTURE}.map`), `${AS_FIXTURE}(.map) missing: run npm run build`).toBe(true);
    const host = createHost({ wasm: AS_FIXTURE, rootId: "abort" });
    const e = catchTrap(() => host.newHttpStream().sendRequestHeaders([[":method", "GET"], [":path", "/throw"], [":authority", "a"]], true));
    expect(e.abortMessage).toMatch(/ at sdk\/test\/fixtures\/abort\/assembly\/index\.ts:\d+:\d+$/);
    expect(e.frames[0].functionName).toMatch(/filterkit_abort$/);
    expect(e.frames.some((f) => /^sdk\/test\/fixtures\/abort\/assembly\/index\.ts:\d+:\d+$/.test(f.source ?? ""))).toBe(true);
    expect(e.hostCalls.at(-1)?.name).toBe("proxy_log");
  });
});

describe("abort messages SDKs log before trapping", () => {
  it("reads AssemblyScript's abort line and both forms of Rust's panic line", async () => {
    const { abortMessage } = await import("../src/trap-report.ts");
    expect(abortMessage("abort: boom at assembly/index.ts:3:5")).toBe("boom at assembly/index.ts:3:5");
    expect(abortMessage("panicked at src/lib.rs:42:9:\nunexpected status: 10")).toBe("unexpected status: 10 at src/lib.rs:42:9");
    expect(abortMessage("panicked at 'index out of bounds', src/lib.rs:7:1")).toBe("index out of bounds at src/lib.rs:7:1");
    expect(abortMessage("some other critical line")).toBeNull();
  });
});
