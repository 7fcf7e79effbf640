// A WAT filter with every HTTP callback exported; tests override single callback bodies.

import { createHost } from "../../src/index.ts";
import type { HostOptions, MockHost } from "../../src/index.ts";
import { buildModule } from "./wasm.ts";

export const ALL_ENV = [
  "proxy_get_header_map_value", "proxy_get_header_map_pairs", "proxy_get_header_map_size", "proxy_add_header_map_value",
  "proxy_replace_header_map_value", "proxy_remove_header_map_value", "proxy_set_header_map_pairs",
  "proxy_get_buffer_bytes", "proxy_get_buffer_status", "proxy_set_buffer_bytes",
  "proxy_continue_stream", "proxy_close_stream", "proxy_send_local_response", "proxy_set_effective_context",
  "proxy_get_property", "proxy_set_property", "proxy_set_tick_period_milliseconds", "proxy_done",
  "proxy_get_current_time_nanoseconds", "proxy_get_status", "proxy_http_call",
];

const DEFAULTS: Record<string, [string, string]> = {
  proxy_on_context_create: ["(param i32 i32)", ""],
  proxy_on_vm_start: ["(param i32 i32) (result i32)", "(i32.const 1)"],
  proxy_on_configure: ["(param i32 i32) (result i32)", "(i32.const 1)"],
  proxy_on_tick: ["(param i32)", ""],
  proxy_on_request_headers: ["(param i32 i32 i32) (result i32)", "(i32.const 0)"],
  proxy_on_request_body: ["(param i32 i32 i32) (result i32)", "(i32.const 0)"],
  proxy_on_request_trailers: ["(param i32 i32) (result i32)", "(i32.const 0)"],
  proxy_on_response_headers: ["(param i32 i32 i32) (result i32)", "(i32.const 0)"],
  proxy_on_response_body: ["(param i32 i32 i32) (result i32)", "(i32.const 0)"],
  proxy_on_response_trailers: ["(param i32 i32) (result i32)", "(i32.const 0)"],
  proxy_on_log: ["(param i32)", ""],
  proxy_on_done: ["(param i32) (result i32)", "(i32.const 1)"],
  proxy_on_delete: ["(param i32)", ""],
};

/** Callback bodies by export name; `$a`, `$b`, `$c` are the first three params. */
export function filterModule(bodies: Partial<Record<keyof typeof DEFAULTS, string>>, strings: Record<string, string> = {}, extraFuncs = ""): Uint8Array {
  const funcs = Object.entries(DEFAULTS).map(([name, [sig, body]]) => {
    const named = sig.replace("(param i32 i32 i32)", "(param $a i32) (param $b i32) (param $c i32)")
      .replace("(param i32 i32)", "(param $a i32) (param $b i32)").replace("(param i32)", "(param $a i32)");
    return `(func (export "${name}") ${named} ${bodies[name as keyof typeof DEFAULTS] ?? body})`;
  }).join("\n");
  return buildModule({ env: ALL_ENV, strings, funcs: funcs + extraFuncs }).bytes;
}

export function filterHost(bodies: Parameters<typeof filterModule>[0], strings: Record<string, string> = {}, options: Partial<HostOptions> = {}): MockHost {
  return createHost({ wasm: filterModule(bodies, strings), ...options });
}

/** WAT: log a literal at info */
export const info = (text: string): string => `(drop (call $proxy_log (i32.const 2) {{${text}}}))`;
