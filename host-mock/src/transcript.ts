// Readable transcript lines for host calls: the strings and enum values behind the raw pointer and
// integer arguments, read from guest memory while the call runs (afterwards the pointers may be
// reused). Only used when a transcript is recording, so the hot path never pays for it.

import { BufferType, HeaderMapType, LogLevel, MetricType, StreamType, WasmResult } from "../../sdk/assembly/abi/enums.ts";
import type { GuestMemory } from "./memory.ts";

type Arg = number | bigint;

const MAX_SHOWN = 64;

function quoted(mem: GuestMemory, ptr: Arg, len: Arg): string {
  try {
    const s = mem.readString(Number(ptr) >>> 0, Number(len) >>> 0);
    return JSON.stringify(s.length > MAX_SHOWN ? `${s.slice(0, MAX_SHOWN)}…` : s);
  } catch {
    return `<bad pointer ${String(ptr)}+${String(len)}>`;
  }
}

/** A property path: segments separated by NUL, shown dotted. */
function path(mem: GuestMemory, ptr: Arg, len: Arg): string {
  try {
    return mem.readString(Number(ptr) >>> 0, Number(len) >>> 0).split("\0").join(".");
  } catch {
    return "<bad pointer>";
  }
}

const named = (e: Record<number, string>, v: Arg): string => e[Number(v)] ?? String(v);
const map = (v: Arg): string => named(HeaderMapType, v);
const buffer = (v: Arg): string => named(BufferType, v);

/** Arguments of a host call as a reader wants them, or undefined to show the raw numbers. */
export function describeHostCall(name: string, a: ReadonlyArray<Arg>, mem: GuestMemory): string | undefined {
  switch (name) {
    case "proxy_log": return `${named(LogLevel, a[0])}, ${quoted(mem, a[1], a[2])}`;
    case "proxy_get_header_map_value":
    case "proxy_remove_header_map_value": return `${map(a[0])}, ${quoted(mem, a[1], a[2])}`;
    case "proxy_add_header_map_value":
    case "proxy_replace_header_map_value": return `${map(a[0])}, ${quoted(mem, a[1], a[2])}, ${quoted(mem, a[3], a[4])}`;
    case "proxy_get_header_map_pairs":
    case "proxy_set_header_map_pairs":
    case "proxy_get_header_map_size": return map(a[0]);
    case "proxy_get_buffer_bytes": return `${buffer(a[0])}, start ${String(a[1])}, length ${String(a[2])}`;
    case "proxy_set_buffer_bytes": return `${buffer(a[0])}, start ${String(a[1])}, length ${String(a[2])}, ${quoted(mem, a[3], a[4])}`;
    case "proxy_get_buffer_status": return buffer(a[0]);
    case "proxy_get_property": return path(mem, a[0], a[1]);
    case "proxy_set_property": return `${path(mem, a[0], a[1])}, ${quoted(mem, a[2], a[3])}`;
    case "proxy_http_call": return `cluster ${quoted(mem, a[0], a[1])}, timeout ${String(a[8])} ms`;
    case "proxy_send_local_response": return `${String(a[0])}, details ${quoted(mem, a[1], a[2])}, body ${quoted(mem, a[3], a[4])}`;
    case "proxy_get_shared_data": return quoted(mem, a[0], a[1]);
    case "proxy_set_shared_data": return `${quoted(mem, a[0], a[1])}, ${quoted(mem, a[2], a[3])}, cas ${String(a[4])}`;
    case "proxy_register_shared_queue": return quoted(mem, a[0], a[1]);
    case "proxy_resolve_shared_queue": return `vm ${quoted(mem, a[0], a[1])}, ${quoted(mem, a[2], a[3])}`;
    case "proxy_enqueue_shared_queue": return `queue ${String(a[0])}, ${quoted(mem, a[1], a[2])}`;
    case "proxy_define_metric": return `${named(MetricType, a[0])}, ${quoted(mem, a[1], a[2])}`;
    case "proxy_continue_stream":
    case "proxy_close_stream": return named(StreamType, a[0]);
    case "proxy_call_foreign_function": return quoted(mem, a[0], a[1]);
    case "proxy_set_tick_period_milliseconds": return `${String(a[0])} ms`;
    default: return undefined;
  }
}

/** WasmResult name of a status, for host calls that return one. */
export function describeStatus(result: Arg | undefined): string | undefined {
  if (typeof result !== "number") return undefined;
  return WasmResult[result] ?? String(result);
}
