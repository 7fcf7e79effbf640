// Loading a .wasm: compile once per process (the only global cache), detect the ABI from the export
// marker (§1.1), check the allocator (§1.3) and every import against what the host links for that ABI
// (§1.2) — all before any instantiation, so failures are readable ModuleLoadErrors, not LinkErrors.

import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { ModuleLoadError } from "./errors.ts";
import { importCatalogue } from "./imports/index.ts";
import type { AbiVersion } from "./imports/types.ts";
import { WasmSourceMap } from "./source-map.ts";

export interface CompiledModule {
  readonly module: WebAssembly.Module;
  readonly abi: AbiVersion;
  readonly allocator: "malloc" | "proxy_on_memory_allocate";
  readonly exportNames: ReadonlySet<string>;
  readonly imports: ReadonlyArray<WebAssembly.ModuleImportDescriptor>;
  /** path of the .wasm when loaded from a file */
  readonly path?: string;
  /** `<path>.map` when it existed at load time */
  readonly sourceMap?: WasmSourceMap;
  /** function index → export name (names frames of functions the name section does not cover) */
  readonly exportedFunctions: ReadonlyMap<number, string>;
}

const ABI_MARKERS: Record<string, AbiVersion> = {
  proxy_abi_version_0_1_0: "0.1.0",
  proxy_abi_version_0_2_0: "0.2.0",
  proxy_abi_version_0_2_1: "0.2.1",
};

/** Process-wide compile cache: path+mtime+size, or a SHA-256 of the bytes. */
const cache = new Map<string, CompiledModule>();
const byBytes = new WeakMap<Uint8Array, CompiledModule>();
let compileCount = 0;

/** How many modules this process compiled (tests use it to prove reuse). */
export function compiledModuleCount(): number {
  return compileCount;
}

export function loadModule(wasm: string | Uint8Array): CompiledModule {
  if (typeof wasm === "string") {
    let st;
    try {
      st = statSync(wasm);
    } catch (e) {
      throw new ModuleLoadError(`cannot read ${wasm}: ${(e as Error).message}`);
    }
    const key = `path:${wasm}:${st.mtimeMs}:${st.size}`;
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const mapPath = `${wasm}.map`;
    const sourceMap = existsSync(mapPath) ? tryReadMap(mapPath) : undefined;
    const compiled = compile(new Uint8Array(readFileSync(wasm)), wasm, sourceMap);
    cache.set(key, compiled);
    return compiled;
  }
  const hitBytes = byBytes.get(wasm);
  if (hitBytes !== undefined) return hitBytes;
  const key = `sha256:${createHash("sha256").update(wasm).digest("hex")}`;
  let compiled = cache.get(key);
  if (compiled === undefined) {
    compiled = compile(wasm, undefined, undefined);
    cache.set(key, compiled);
  }
  byBytes.set(wasm, compiled);
  return compiled;
}

function tryReadMap(p: string): WasmSourceMap | undefined {
  try {
    return new WasmSourceMap(readFileSync(p, "utf8"));
  } catch {
    return undefined; // a broken map must not break loading; traps just lose source positions
  }
}

function compile(bytes: Uint8Array, path: string | undefined, sourceMap: WasmSourceMap | undefined): CompiledModule {
  const where = path ?? "<bytes>";
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  } catch (e) {
    throw new ModuleLoadError(`cannot compile ${where}: ${(e as Error).message}`, { cause: e });
  }
  compileCount++;
  const exports = WebAssembly.Module.exports(module);
  const exportNames = new Set(exports.map((e) => e.name));

  // §1.1: first function export named like a known marker, in export-section order
  let abi: AbiVersion | undefined;
  for (const e of exports) {
    if (e.kind === "function" && e.name in ABI_MARKERS) { abi = ABI_MARKERS[e.name]; break; }
  }
  if (abi === undefined) {
    const unknown = exports.filter((e) => e.name.startsWith("proxy_abi_version_")).map((e) => e.name);
    throw new ModuleLoadError(
      `${where}: Missing or unknown Proxy-Wasm ABI version` +
      (unknown.length > 0 ? ` (unknown marker: ${unknown.join(", ")})` : "") +
      `; expected an export proxy_abi_version_0_1_0 | 0_2_0 | 0_2_1.\nexports found: ` +
      (exports.length === 0 ? "(none)" : exports.map((e) => `${e.name} (${e.kind})`).join(", ")));
  }

  let allocator: CompiledModule["allocator"];
  if (exports.some((e) => e.name === "malloc" && e.kind === "function")) allocator = "malloc";
  else if (exports.some((e) => e.name === "proxy_on_memory_allocate" && e.kind === "function")) allocator = "proxy_on_memory_allocate";
  else throw new ModuleLoadError(`${where}: Wasm module is missing malloc function (exports neither malloc nor proxy_on_memory_allocate)`);

  if (!exports.some((e) => e.name === "memory" && e.kind === "memory")) {
    throw new ModuleLoadError(`${where}: the module does not export its linear memory as "memory"`);
  }

  checkImports(module, abi, where);
  return {
    module, abi, allocator, exportNames, imports: WebAssembly.Module.imports(module), path, sourceMap,
    exportedFunctions: exportedFunctionIndices(bytes),
  };
}

export type ImportStatus = "supported" | "stubbed" | "unknown";

export interface ImportRow {
  module: string;
  name: string;
  kind: string;
  status: ImportStatus;
  note?: string;
}

/** Classifies every import of the module against what the host links for `abi`. */
export function describeImports(module: WebAssembly.Module, abi: AbiVersion): ImportRow[] {
  const cat = importCatalogue(abi);
  const versioned = new Map<string, string>([
    ["proxy_get_configuration", "0.1.0"], ["proxy_continue_request", "0.1.0"], ["proxy_continue_response", "0.1.0"],
    ["proxy_clear_route_cache", "0.1.0"], ["proxy_continue_stream", "0.2.x"], ["proxy_close_stream", "0.2.x"],
    ["proxy_get_log_level", "0.2.1"],
  ]);
  return WebAssembly.Module.imports(module).map((imp) => {
    const spec = cat[imp.module]?.[imp.name];
    if (spec !== undefined && imp.kind === "function") {
      return { module: imp.module, name: imp.name, kind: imp.kind, status: spec.status };
    }
    let note: string | undefined;
    if (imp.kind !== "function") note = `the host provides functions only, not a ${imp.kind}`;
    else if (imp.module === "env" && versioned.has(imp.name)) note = `only registered for ABI ${versioned.get(imp.name)}; this module is ${abi}`;
    else if (imp.module === "env" && imp.name === "abort") note = "AssemblyScript's default abort: build with --use abort=<your handler>";
    else if (imp.module === "env" && (imp.name === "seed" || imp.name === "trace")) note = "AssemblyScript runtime import Envoy does not provide";
    return { module: imp.module, name: imp.name, kind: imp.kind, status: "unknown", ...(note !== undefined ? { note } : {}) };
  });
}

export function formatImportTable(rows: ImportRow[]): string {
  const head = ["import", "kind", "status"];
  const body = rows.map((r) => [`${r.module}.${r.name}`, r.kind, r.status + (r.note !== undefined ? ` (${r.note})` : "")]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(w[i])).join(" | ").trimEnd();
  return [line(head), w.map((n) => "-".repeat(n)).join("-|-"), ...body.map(line)].join("\n");
}

function checkImports(module: WebAssembly.Module, abi: AbiVersion, where: string): void {
  const rows = describeImports(module, abi);
  const unknown = rows.filter((r) => r.status === "unknown");
  if (unknown.length === 0) return;
  throw new ModuleLoadError(
    `${where}: ${unknown.length} import(s) the host does not provide for ABI ${abi}: ` +
    `${unknown.map((r) => `${r.module}.${r.name}`).join(", ")}\n${formatImportTable(rows)}`);
}

/**
 * Reads the export section for function exports (index → name). JS cannot ask a compiled module for
 * export indices, so this walks the binary: sections are (id, LEB128 size, payload); the export
 * section (id 7) is a vector of (name, kind, LEB128 index). Malformed input yields what was read.
 */
export function exportedFunctionIndices(bytes: Uint8Array): Map<number, string> {
  const out = new Map<number, string>();
  let p = 8; // magic + version
  const leb = (): number => {
    let result = 0, shift = 0, b: number;
    do {
      b = bytes[p++] ?? 0;
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80 && p < bytes.length);
    return result;
  };
  const dec = new TextDecoder();
  while (p < bytes.length) {
    const id = bytes[p++];
    const size = leb();
    const end = p + size;
    if (id === 7) {
      const n = leb();
      for (let i = 0; i < n && p < end; i++) {
        const len = leb();
        const name = dec.decode(bytes.subarray(p, p + len));
        p += len;
        const kind = bytes[p++];
        const index = leb();
        if (kind === 0 && !out.has(index)) out.set(index, name);
      }
      return out;
    }
    p = end;
  }
  return out;
}
