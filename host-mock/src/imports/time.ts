// proxy_get_current_time_nanoseconds, proxy_set_tick_period_milliseconds (§6.1, §11.12).

import { WasmResult } from "../../../sdk/assembly/abi/enums.ts";
import type { HostFamily, ImportContext } from "./types.ts";

export function timeImports(): HostFamily {
  const IMA = WasmResult.InvalidMemoryAccess;
  return {
    proxy_get_current_time_nanoseconds: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext, retPtr: number): number => {
        h.mem.writeU64(retPtr >>> 0, h.nowNs());
        return WasmResult.Ok;
      },
    },
    proxy_set_tick_period_milliseconds: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext, ms: number): number => {
        // applies to the root of the effective context; always Ok
        h.setTickPeriod(h.effective().rootId, ms >>> 0);
        return WasmResult.Ok;
      },
    },
  };
}
