// Foreign functions: host functions beyond the ABI, called by name (proxy_call_foreign_function).
// Envoy's `clear_route_cache` makes the router pick the route again after a filter changed a header
// the route depends on (`:path`, `:authority`, ...): since Envoy 1.33 a wasm filter's header
// changes no longer do that by themselves.
import { WasmResult } from "./abi/enums";
import { proxy_call_foreign_function } from "./abi/imports";
import { OUT_PTR, OUT_SIZE, clearOut, encode1, releaseOut, scratchBase, takeBytes } from "./abi/memory";

export class ForeignResult {
  result: WasmResult;
  /** what the function returned (empty on failure) */
  data: ArrayBuffer;

  constructor(result: WasmResult, data: ArrayBuffer) {
    this.result = result;
    this.data = data;
  }
}

/** Calls host function `name` with `args`; NotFound when the host has no such function. */
export function call_foreign_function(name: string, args: ArrayBuffer = new ArrayBuffer(0)): ForeignResult {
  const nl = encode1(name);
  clearOut();
  const r = proxy_call_foreign_function(scratchBase(), nl, changetype<usize>(args), <usize>args.byteLength, OUT_PTR, OUT_SIZE);
  if (r != WasmResult.Ok) {
    releaseOut();
    return new ForeignResult(r, new ArrayBuffer(0));
  }
  return new ForeignResult(r, takeBytes());
}

/** Asks Envoy to pick the route again for the current stream (`clear_route_cache`). */
export function clear_route_cache(): WasmResult {
  return call_foreign_function("clear_route_cache").result;
}
