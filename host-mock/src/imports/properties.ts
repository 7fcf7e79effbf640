// proxy_get_property / proxy_set_property (§6.5): the raw ABI layer. What is served, from where and
// with which encoding lives in ../properties/catalogue.ts (attributes) and ../properties/encode.ts
// (Envoy's byte formats, §9.4).

import { WasmResult } from "../../../sdk/assembly/abi/enums.ts";
import { filterStateKey, resolveProperty } from "../properties/catalogue.ts";
import type { HostFamily, ImportContext } from "./types.ts";

export { encodePropertyValue, propertyKey } from "../properties/encode.ts";
export type { PropertyValue } from "../properties/encode.ts";
export { resolveProperty } from "../properties/catalogue.ts";

export function propertyImports(): HostFamily {
  const IMA = WasmResult.InvalidMemoryAccess;
  // §9.3: segments joined by NUL; a path without NUL is one top-level name
  const readPath = (h: ImportContext, ptr: number, size: number): string[] => h.mem.readString(ptr >>> 0, size >>> 0).split("\0");
  return {
    proxy_get_property: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext, pathPtr: number, pathSize: number, retPtrPtr: number, retSizePtr: number): number => {
        const r = resolveProperty(h, readPath(h, pathPtr, pathSize));
        if (typeof r === "number") return r;
        h.mem.returnBytes(r, retPtrPtr >>> 0, retSizePtr >>> 0);
        return WasmResult.Ok;
      },
    },
    proxy_set_property: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext, pathPtr: number, pathSize: number, valPtr: number, valSize: number): number => {
        const path = readPath(h, pathPtr, pathSize);
        const value = h.mem.readBytes(valPtr >>> 0, valSize >>> 0);
        const s = h.effective().stream;
        if (s === null) return WasmResult.NotFound; // no stream info (root context)
        // Envoy: a CelState under "wasm." + the raw path; read back by get_property(first segment)
        s.filterState.set(filterStateKey(path), value);
        return WasmResult.Ok;
      },
    },
  };
}
