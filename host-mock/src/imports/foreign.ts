// proxy_call_foreign_function (§6.11): Envoy's `clear_route_cache` (counted, see
// MockHost.routeCacheClears), functions a test registers with MockHost.registerForeignFunction, and
// NotFound for names Envoy does not know. Envoy's other built-ins (compress, uncompress,
// set_envoy_filter_state, declare_property, expr_*) answer Unimplemented with a warning here.

import { WasmResult } from "../../../sdk/assembly/abi/enums.ts";
import type { HostFamily, ImportContext } from "./types.ts";

const ENVOY_BUILTINS_NOT_MODELLED = new Set([
  "compress", "uncompress", "set_envoy_filter_state", "declare_property", "expr_create", "expr_evaluate", "expr_delete",
]);

export function foreignFunctionImports(): HostFamily {
  return {
    proxy_call_foreign_function: {
      status: "supported", faultCode: WasmResult.InvalidMemoryAccess,
      fn: (h: ImportContext, namePtr: number, nameSize: number, argsPtr: number, argsSize: number, retPtrPtr: number, retSizePtr: number): number => {
        const name = h.mem.readString(namePtr >>> 0, nameSize >>> 0);
        const args = h.mem.readBytes(argsPtr >>> 0, argsSize >>> 0);
        if (name === "clear_route_cache") {
          h.clearRouteCache();
          return WasmResult.Ok;
        }
        const f = h.foreignFunction(name);
        if (f === undefined) {
          if (!ENVOY_BUILTINS_NOT_MODELLED.has(name)) return WasmResult.NotFound;
          h.warnUnimplemented(`foreign function ${name}`);
          return WasmResult.Unimplemented;
        }
        const out = f(args);
        const result = out instanceof Uint8Array ? { status: WasmResult.Ok, bytes: out } : out;
        // a null results pointer means the caller discards them
        if ((retPtrPtr >>> 0) !== 0 && result.bytes !== undefined) h.mem.returnBytes(result.bytes, retPtrPtr >>> 0, retSizePtr >>> 0);
        return result.status;
      },
    },
  };
}
