// Host-call families this mock does not implement yet (they land in a later issue): gRPC and Envoy's DNS extension. They link, so
// modules load, and answer Unimplemented (12) plus a warning log entry naming the call.

import { WasmResult } from "../../../sdk/assembly/abi/enums.ts";
import type { HostFamily, ImportContext } from "./types.ts";

export const NOT_YET_IMPLEMENTED = [
  "proxy_grpc_call", "proxy_grpc_stream", "proxy_grpc_send", "proxy_grpc_cancel", "proxy_grpc_close",
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
