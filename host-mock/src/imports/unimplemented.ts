// Host calls this mock does not implement: Envoy's DNS extension. They link, so modules load, and
// answer Unimplemented (12) plus a warning log entry naming the call.

import { WasmResult } from "../../../sdk/assembly/abi/enums.ts";
import type { HostFamily, ImportContext } from "./types.ts";

export const NOT_YET_IMPLEMENTED = [
  "envoy_resolve_dns",
] as const;

export function unimplementedImports(): HostFamily {
  const out: HostFamily = {};
  for (const name of NOT_YET_IMPLEMENTED) {
    out[name] = {
      status: "stubbed",
      faultCode: WasmResult.InvalidMemoryAccess,
      fn: (h: ImportContext): number => {
        h.warnUnimplemented(name);
        return WasmResult.Unimplemented;
      },
    };
  }
  return out;
}
