// Emscripten shims Envoy links into `env` (§6.12).

import { WasmResult } from "../../../sdk/assembly/abi/enums.ts";
import type { HostFamily, ImportContext } from "./types.ts";

export function envExtraImports(): HostFamily {
  return {
    pthread_equal: { status: "supported", faultCode: WasmResult.InvalidMemoryAccess, fn: (_h: ImportContext, a: number, b: number): number => (a === b ? 1 : 0) },
    emscripten_notify_memory_growth: { status: "supported", faultCode: WasmResult.InvalidMemoryAccess, fn: (_h: ImportContext): void => undefined },
  };
}
