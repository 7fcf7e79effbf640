// proxy_log, proxy_get_log_level (§6.1).

import { LogLevel, WasmResult } from "../../../sdk/assembly/abi/enums.ts";
import type { HostFamily, ImportContext } from "./types.ts";

export function logImports(): HostFamily {
  const IMA = WasmResult.InvalidMemoryAccess;
  return {
    proxy_log: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext, level: number, ptr: number, size: number): number => {
        level >>>= 0;
        if (level > LogLevel.critical) return WasmResult.BadArgument;
        h.log(level, h.mem.readString(ptr >>> 0, size >>> 0));
        return WasmResult.Ok;
      },
    },
    proxy_get_log_level: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext, retPtr: number): number => {
        h.mem.writeU32(retPtr >>> 0, h.logLevel);
        return WasmResult.Ok;
      },
    },
  };
}
