// Builds tiny proxy-wasm test modules from WebAssembly text with binaryen.
//
// Conventions of every module built here:
//   * memory (exported) with a bump `malloc` that grows memory when needed;
//   * `{{name}}` in function text expands to `(i32.const ptr) (i32.const len)` of string `name`;
//   * RP (96) / RS (100) are scratch slots for returned pointer / size;
//   * `(call $report X)` logs X as two decimal digits at trace ("06"), `(call $logret)` logs the
//     bytes at *RP/*RS at info — tests read results back through host.logsAt().

import binaryen from "binaryen";

/** i32 parameter counts of the env imports (all return i32) */
const ENV_SIGS: Record<string, string> = {
  proxy_log: "(param i32 i32 i32) (result i32)",
  proxy_get_log_level: "(param i32) (result i32)",
  proxy_get_current_time_nanoseconds: "(param i32) (result i32)",
  proxy_set_tick_period_milliseconds: "(param i32) (result i32)",
  proxy_get_header_map_value: "(param i32 i32 i32 i32 i32) (result i32)",
  proxy_get_header_map_pairs: "(param i32 i32 i32) (result i32)",
  proxy_get_header_map_size: "(param i32 i32) (result i32)",
  proxy_add_header_map_value: "(param i32 i32 i32 i32 i32) (result i32)",
  proxy_replace_header_map_value: "(param i32 i32 i32 i32 i32) (result i32)",
  proxy_remove_header_map_value: "(param i32 i32 i32) (result i32)",
  proxy_set_header_map_pairs: "(param i32 i32 i32) (result i32)",
  proxy_get_buffer_bytes: "(param i32 i32 i32 i32 i32) (result i32)",
  proxy_get_buffer_status: "(param i32 i32 i32) (result i32)",
  proxy_set_buffer_bytes: "(param i32 i32 i32 i32 i32) (result i32)",
  proxy_get_property: "(param i32 i32 i32 i32) (result i32)",
  proxy_set_property: "(param i32 i32 i32 i32) (result i32)",
  proxy_continue_stream: "(param i32) (result i32)",
  proxy_close_stream: "(param i32) (result i32)",
  proxy_continue_request: "(result i32)",
  proxy_continue_response: "(result i32)",
  proxy_clear_route_cache: "(result i32)",
  proxy_get_configuration: "(param i32 i32) (result i32)",
  proxy_send_local_response: "(param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)",
  proxy_set_effective_context: "(param i32) (result i32)",
  proxy_done: "(result i32)",
  proxy_get_status: "(param i32 i32 i32) (result i32)",
  proxy_http_call: "(param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)",
  proxy_define_metric: "(param i32 i32 i32 i32) (result i32)",
  proxy_increment_metric: "(param i32 i64) (result i32)",
  proxy_record_metric: "(param i32 i64) (result i32)",
  proxy_get_metric: "(param i32 i32) (result i32)",
  proxy_get_shared_data: "(param i32 i32 i32 i32 i32) (result i32)",
  proxy_register_shared_queue: "(param i32 i32 i32) (result i32)",
  proxy_call_foreign_function: "(param i32 i32 i32 i32 i32 i32) (result i32)",
  envoy_resolve_dns: "(param i32 i32 i32) (result i32)",
  proxy_set_shared_data: "(param i32 i32 i32 i32 i32) (result i32)",
  pthread_equal: "(param i32 i32) (result i32)",
  emscripten_notify_memory_growth: "(param i32)",
};

const WASI_SIGS: Record<string, string> = {
  fd_write: "(param i32 i32 i32 i32) (result i32)",
  clock_time_get: "(param i32 i64 i32) (result i32)",
  random_get: "(param i32 i32) (result i32)",
  environ_sizes_get: "(param i32 i32) (result i32)",
  environ_get: "(param i32 i32) (result i32)",
  args_sizes_get: "(param i32 i32) (result i32)",
  proc_exit: "(param i32)",
  fd_read: "(param i32 i32 i32 i32) (result i32)",
};

export interface ModuleSpec {
  /** marker export; null for none; any other string is exported verbatim */
  abi?: "0_1_0" | "0_2_0" | "0_2_1" | null | string;
  /** env imports by name (proxy_log is always imported) */
  env?: string[];
  /** WASI imports by name */
  wasi?: string[];
  wasiModule?: string;
  /** raw extra import declarations */
  rawImports?: string;
  strings?: Record<string, string>;
  /** function definitions (with their exports) */
  funcs?: string;
  /** "malloc" (default), "proxy_on_memory_allocate", or "none" */
  allocator?: "malloc" | "proxy_on_memory_allocate" | "none";
  /** emit the name section (function names in traps); default true */
  names?: boolean;
}

export function wat2wasm(text: string, names = true): Uint8Array {
  const m = binaryen.parseText(text);
  binaryen.setDebugInfo(names);
  const bytes = m.emitBinary();
  m.dispose();
  return bytes;
}

export interface BuiltModule {
  bytes: Uint8Array;
  text: string;
  /** string name → [ptr, len] */
  strings: Record<string, [number, number]>;
}

export function buildModule(spec: ModuleSpec): BuiltModule {
  const env = new Set(["proxy_log", ...(spec.env ?? [])]);
  const imports: string[] = [];
  for (const n of env) imports.push(`(import "env" "${n}" (func $${n} ${ENV_SIGS[n] ?? missing(n)}))`);
  for (const n of spec.wasi ?? []) imports.push(`(import "${spec.wasiModule ?? "wasi_snapshot_preview1"}" "${n}" (func $${n} ${WASI_SIGS[n] ?? missing(n)}))`);
  if (spec.rawImports !== undefined) imports.push(spec.rawImports);

  const strings: Record<string, [number, number]> = {};
  const data: string[] = [];
  let off = 1024;
  const enc = new TextEncoder();
  // `{{text}}` naming no declared string stands for the literal text
  const all: Record<string, string> = { ...(spec.strings ?? {}) };
  for (const m of (spec.funcs ?? "").matchAll(/\{\{([^}]+)\}\}/g)) all[m[1]] ??= m[1];
  for (const [name, s] of Object.entries(all)) {
    const b = enc.encode(s);
    strings[name] = [off, b.length];
    data.push(`(data (i32.const ${off}) "${[...b].map((x) => "\\" + x.toString(16).padStart(2, "0")).join("")}")`);
    off += b.length + 8;
  }
  let funcs = spec.funcs ?? "";
  funcs = funcs.replace(/\{\{([^}]+)\}\}/g, (_, n: string) => {
    const s = strings[n];
    if (s === undefined) throw new Error(`unknown string ${n}`);
    return `(i32.const ${s[0]}) (i32.const ${s[1]})`;
  });
  const abi = spec.abi === undefined ? "0_2_1" : spec.abi;
  const marker = abi === null ? "" : `(func (export "${abi.startsWith("proxy_") ? abi : "proxy_abi_version_" + abi}"))`;
  const allocator = spec.allocator ?? "malloc";
  const malloc = allocator === "none" ? "" : `
  (func $malloc (export "${allocator}") (param $n i32) (result i32) (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (local.get $p) (i32.and (i32.add (local.get $n) (i32.const 7)) (i32.const -8))))
    (if (i32.gt_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536)))
      (then (drop (memory.grow (i32.add (i32.shr_u (i32.sub (global.get $heap) (i32.mul (memory.size) (i32.const 65536))) (i32.const 16)) (i32.const 1))))))
    (local.get $p))`;
  const text = `(module
  ${imports.join("\n  ")}
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 16384))
  ${data.join("\n  ")}
  ${marker}
  ${malloc}
  (func $report (param $c i32)
    (i32.store8 (i32.const 200) (i32.add (i32.const 48) (i32.div_u (local.get $c) (i32.const 10))))
    (i32.store8 (i32.const 201) (i32.add (i32.const 48) (i32.rem_u (local.get $c) (i32.const 10))))
    (drop (call $proxy_log (i32.const 0) (i32.const 200) (i32.const 2))))
  (func $logret
    (drop (call $proxy_log (i32.const 2) (i32.load (i32.const 96)) (i32.load (i32.const 100)))))
  (data (i32.const 240) "0123456789abcdef")
  (func $loghex (local $i i32) (local $p i32) (local $n i32) (local $b i32)
    (local.set $p (i32.load (i32.const 96))) (local.set $n (i32.load (i32.const 100)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $b (i32.load8_u (i32.add (local.get $p) (local.get $i))))
      (i32.store8 (i32.add (i32.const 8192) (i32.shl (local.get $i) (i32.const 1))) (i32.load8_u (i32.add (i32.const 240) (i32.shr_u (local.get $b) (i32.const 4)))))
      (i32.store8 (i32.add (i32.const 8193) (i32.shl (local.get $i) (i32.const 1))) (i32.load8_u (i32.add (i32.const 240) (i32.and (local.get $b) (i32.const 15)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (drop (call $proxy_log (i32.const 2) (i32.const 8192) (i32.shl (local.get $n) (i32.const 1)))))
  ${funcs}
)`;
  return { bytes: wat2wasm(text, spec.names ?? true), text, strings };
}

function missing(n: string): never {
  throw new Error(`no signature for import ${n} in the test helper`);
}

export function hex(bytes: ArrayLike<number>): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Codes reported with $report, as numbers. */
export function reported(logs: string[]): number[] {
  return logs.map(Number);
}
