// proxy_get_shared_data / proxy_set_shared_data (§6.6, §11.8): one namespace per vm_id, shared by
// every VM of the same ProxyProcess; cas 0 writes unconditionally; every write takes the next
// process-wide CAS.

import { WasmResult } from "../../../sdk/assembly/abi/enums.ts";
import type { HostFamily, ImportContext } from "./types.ts";

export function sharedDataImports(): HostFamily {
  const IMA = WasmResult.InvalidMemoryAccess;
  return {
    proxy_get_shared_data: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext, keyPtr: number, keySize: number, retPtrPtr: number, retSizePtr: number, retCasPtr: number): number => {
        const key = h.mem.readString(keyPtr >>> 0, keySize >>> 0);
        const v = h.process.getShared(h.vmId, key);
        if (v === undefined) return WasmResult.NotFound;
        h.mem.returnBytes(v.value, retPtrPtr >>> 0, retSizePtr >>> 0);
        h.mem.writeU32(retCasPtr >>> 0, v.cas);
        return WasmResult.Ok;
      },
    },
    proxy_set_shared_data: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext, keyPtr: number, keySize: number, valPtr: number, valSize: number, cas: number): number => {
        const key = h.mem.readString(keyPtr >>> 0, keySize >>> 0);
        const value = h.mem.readBytes(valPtr >>> 0, valSize >>> 0);
        return h.process.setShared(h.vmId, key, value, cas >>> 0) === "ok" ? WasmResult.Ok : WasmResult.CasMismatch;
      },
    },
  };
}
