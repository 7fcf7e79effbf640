// Clock and timer.

import { WasmResult } from "./abi/enums";
import { proxy_get_current_time_nanoseconds, proxy_set_tick_period_milliseconds } from "./abi/imports";
import { OUT_U64 } from "./abi/memory";

/** Wall clock in nanoseconds since the Unix epoch (0 if the host fails). */
export function get_current_time_nanoseconds(): u64 {
  store<u64>(OUT_U64, 0);
  if (proxy_get_current_time_nanoseconds(OUT_U64) != WasmResult.Ok) return 0;
  return load<u64>(OUT_U64);
}

/** Sets the tick period of the effective context's root; 0 stops the timer. */
export function set_tick_period_milliseconds(period_ms: u32): WasmResult {
  return proxy_set_tick_period_milliseconds(period_ms);
}
