// proxy_http_call (§6.8): Envoy's checks in Envoy's order, then the call goes to the VM's scripted
// router (through the VM's HttpCalls, http-calls.ts); the answer comes back later through
// proxy_on_http_call_response on the caller's root.

import { WasmResult } from "../../../sdk/assembly/abi/enums.ts";
import { fromUtf8 } from "../memory.ts";
import { decodePairs } from "../pairs.ts";
import type { HostFamily, ImportContext } from "./types.ts";

export function httpCallImports(): HostFamily {
  return {
    proxy_http_call: {
      status: "supported", faultCode: WasmResult.InvalidMemoryAccess,
      fn: (h: ImportContext, upPtr: number, upSize: number, hdrPtr: number, hdrSize: number, bodyPtr: number, bodySize: number,
        trPtr: number, trSize: number, timeout: number, retIdPtr: number): number => {
        const cluster = h.mem.readString(upPtr >>> 0, upSize >>> 0);
        const headers = decodePairs(h.mem.readBytes(hdrPtr >>> 0, hdrSize >>> 0)).map(([k, v]) => [k.toLowerCase(), v] as [string, string]);
        const body = h.mem.readBytes(bodyPtr >>> 0, bodySize >>> 0);
        const trailers = decodePairs(h.mem.readBytes(trPtr >>> 0, trSize >>> 0)).map(([k, v]) => [k.toLowerCase(), v] as [string, string]);
        h.mem.writeU32(retIdPtr >>> 0, 0); // validates the out-pointer first; stays 0 on failure
        if ((timeout | 0) < 0) return WasmResult.BadArgument; // a signed 32-bit timeout
        if (!h.callouts.knows(cluster)) return WasmResult.BadArgument;
        const get = (name: string) => headers.find(([k]) => k === name)?.[1];
        const method = get(":method");
        const path = get(":path");
        const authority = get(":authority");
        if (method === undefined || path === undefined || authority === undefined) return WasmResult.BadArgument;
        const id = h.httpCalls.call(h.effective().rootId, { cluster, method, path, authority, headers, body, bodyText: fromUtf8(body), trailers, timeoutMs: timeout >>> 0 });
        h.mem.writeU32(retIdPtr >>> 0, id);
        return WasmResult.Ok;
      },
    },
  };
}
