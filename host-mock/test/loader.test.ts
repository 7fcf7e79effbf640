import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compiledModuleCount, createHost, ModuleLoadError } from "../src/index.ts";
import { buildModule, wat2wasm } from "./helpers/wasm.ts";

function loadError(f: () => unknown): ModuleLoadError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ModuleLoadError);
    return e as ModuleLoadError;
  }
  throw new Error("expected a ModuleLoadError");
}

describe("ABI detection (§1.1)", () => {
  for (const [marker, abi] of [["0_1_0", "0.1.0"], ["0_2_0", "0.2.0"], ["0_2_1", "0.2.1"]] as const) {
    it(`proxy_abi_version_${marker} → ${abi}`, () => {
      const host = createHost({ wasm: buildModule({ abi: marker }).bytes });
      expect(host.abiVersion).toBe(abi);
    });
  }

  it("the first marker in export order wins", () => {
    const bytes = wat2wasm(`(module (memory (export "memory") 1)
      (func (export "proxy_abi_version_0_2_0")) (func (export "proxy_abi_version_0_1_0"))
      (func (export "malloc") (param i32) (result i32) (i32.const 0)))`);
    expect(createHost({ wasm: bytes }).abiVersion).toBe("0.2.0");
  });

  it("a missing marker fails and lists the exports found", () => {
    const e = loadError(() => createHost({ wasm: buildModule({ abi: null }).bytes }));
    expect(e.message).toContain("Missing or unknown Proxy-Wasm ABI version");
    expect(e.message).toMatch(/exports found: memory \(memory\), malloc \(function\)/);
  });

  it("an unknown marker fails, names it and lists the exports", () => {
    const e = loadError(() => createHost({ wasm: buildModule({ abi: "proxy_abi_version_0_x_x" }).bytes }));
    expect(e.message).toContain("unknown marker: proxy_abi_version_0_x_x");
    expect(e.message).toContain("proxy_abi_version_0_x_x (function)");
  });
});

describe("module checks before instantiation", () => {
  it("compile failure → ModuleLoadError with the engine's message", () => {
    const e = loadError(() => createHost({ wasm: Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0xff) }));
    expect(e.message).toMatch(/cannot compile <bytes>: WebAssembly.Module\(\)/);
  });

  it("missing allocator → ModuleLoadError", () => {
    const e = loadError(() => createHost({ wasm: buildModule({ allocator: "none" }).bytes }));
    expect(e.message).toContain("missing malloc");
  });

  it("unknown imports → a table of every import with its status", () => {
    const m = buildModule({
      abi: "0_2_0",
      env: ["envoy_resolve_dns", "proxy_get_log_level"],
      wasi: ["fd_write", "fd_read"],
      rawImports: `(import "env" "frobnicate" (func $frob (param i32))) (import "env" "abort" (func $abort (param i32 i32 i32 i32)))`,
    });
    const e = loadError(() => createHost({ wasm: m.bytes }));
    const lines = e.message.split("\n");
    expect(lines[0]).toContain("3 import(s) the host does not provide for ABI 0.2.0");
    const row = (name: string): string => lines.find((l) => l.startsWith(name + " ")) ?? "";
    expect(row("env.proxy_log")).toMatch(/\| function \| supported$/);
    expect(row("env.envoy_resolve_dns")).toMatch(/\| stubbed$/);
    expect(row("env.proxy_get_log_level")).toMatch(/unknown \(only registered for ABI 0\.2\.1; this module is 0\.2\.0\)/);
    expect(row("env.frobnicate")).toMatch(/\| unknown$/);
    expect(row("env.abort")).toMatch(/unknown \(AssemblyScript's default abort/);
    expect(row("wasi_snapshot_preview1.fd_write")).toMatch(/supported$/);
    expect(row("wasi_snapshot_preview1.fd_read")).toMatch(/stubbed$/);
  });

  it("registers ABI-specific imports only for their version", () => {
    const v01 = ["proxy_continue_request", "proxy_continue_response", "proxy_clear_route_cache", "proxy_get_configuration"];
    expect(() => createHost({ wasm: buildModule({ abi: "0_1_0", env: v01 }).bytes })).not.toThrow();
    expect(() => createHost({ wasm: buildModule({ abi: "0_2_1", env: ["proxy_continue_request"] }).bytes })).toThrow(ModuleLoadError);
    expect(() => createHost({ wasm: buildModule({ abi: "0_1_0", env: ["proxy_continue_stream"] }).bytes })).toThrow(ModuleLoadError);
    expect(() => createHost({ wasm: buildModule({ abi: "0_1_0", env: ["proxy_close_stream"] }).bytes })).toThrow(ModuleLoadError);
    expect(() => createHost({ wasm: buildModule({ abi: "0_2_0", env: ["proxy_continue_stream", "proxy_close_stream"] }).bytes })).not.toThrow();
    expect(() => createHost({ wasm: buildModule({ abi: "0_2_1", env: ["proxy_get_log_level"] }).bytes })).not.toThrow();
  });

  it("a path that does not exist → ModuleLoadError", () => {
    expect(() => createHost({ wasm: "/nonexistent/x.wasm" })).toThrow(/cannot read \/nonexistent\/x.wasm/);
  });
});

describe("compile cache and instantiation", () => {
  it("compiles a file once per process and instantiates every host from that module", () => {
    const dir = mkdtempSync(join(tmpdir(), "hostmock-"));
    const path = join(dir, "m.wasm");
    writeFileSync(path, buildModule({ funcs: `(func (export "proxy_on_configure") (param i32 i32) (result i32) (i32.const 1))` }).bytes);
    const before = compiledModuleCount();
    const first = createHost({ wasm: path });
    expect(compiledModuleCount()).toBe(before + 1);
    const hosts = Array.from({ length: 50 }, () => createHost({ wasm: path }));
    expect(hosts.every((h) => h.configured && h.rootContextId === 1)).toBe(true);
    expect(compiledModuleCount()).toBe(before + 1);
    expect(first.rootContextId).toBe(1);
    // how fast that is is a benchmark figure (`npm run bench`), not a test
  });

  it("compiles equal bytes once (content hash)", () => {
    const a = buildModule({ strings: { unique: "cache-by-hash" } }).bytes;
    const b = a.slice();
    const before = compiledModuleCount();
    createHost({ wasm: a });
    createHost({ wasm: b });
    createHost({ wasm: a });
    expect(compiledModuleCount()).toBe(before + 1);
  });

  it("uses proxy_on_memory_allocate when malloc is absent", () => {
    const m = buildModule({
      allocator: "proxy_on_memory_allocate",
      env: ["proxy_get_buffer_bytes"],
      funcs: `(func (export "proxy_on_configure") (param i32 i32) (result i32)
        (call $report (call $proxy_get_buffer_bytes (i32.const 7) (i32.const 0) (i32.const 100) (i32.const 96) (i32.const 100)))
        (call $logret) (i32.const 1))`,
    });
    const host = createHost({ wasm: m.bytes, pluginConfig: "cfg" });
    expect(host.logsAt(0)).toEqual(["00"]);
    expect(host.logsAt(2)).toEqual(["cfg"]);
  });
});
