// Shared queues (§6.7, §11.9): register / resolve / enqueue / dequeue. Queues live in the
// ProxyProcess, keyed by (vm_id, name); proxy_on_queue_ready reaches the root that registered last,
// one notification per enqueue, delivered after the enqueuing callback returned.

import { WasmResult } from "../../../sdk/assembly/abi/enums.ts";
import type { HostFamily, ImportContext } from "./types.ts";

export function queueImports(): HostFamily {
  const IMA = WasmResult.InvalidMemoryAccess;
  return {
    proxy_register_shared_queue: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext, namePtr: number, nameSize: number, retIdPtr: number): number => {
        const name = h.mem.readString(namePtr >>> 0, nameSize >>> 0);
        h.mem.writeU32(retIdPtr >>> 0, h.registerQueue(name));
        return WasmResult.Ok;
      },
    },
    proxy_resolve_shared_queue: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext, vmPtr: number, vmSize: number, namePtr: number, nameSize: number, retIdPtr: number): number => {
        const vmId = h.mem.readString(vmPtr >>> 0, vmSize >>> 0);
        const name = h.mem.readString(namePtr >>> 0, nameSize >>> 0);
        const id = h.process.resolveQueue(vmId === "" ? h.vmId : vmId, name); // empty vm_id: this VM's
        if (id === undefined) return WasmResult.NotFound;
        h.mem.writeU32(retIdPtr >>> 0, id);
        return WasmResult.Ok;
      },
    },
    proxy_enqueue_shared_queue: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext, id: number, valPtr: number, valSize: number): number => {
        const value = h.mem.readBytes(valPtr >>> 0, valSize >>> 0);
        return h.process.enqueue(id >>> 0, value) ? WasmResult.Ok : WasmResult.NotFound;
      },
    },
    proxy_dequeue_shared_queue: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext, id: number, retPtrPtr: number, retSizePtr: number): number => {
        const q = h.process.queue(id >>> 0);
        if (q === undefined) return WasmResult.NotFound;
        const item = q.items.shift();
        if (item === undefined) return WasmResult.Empty;
        h.mem.returnBytes(item, retPtrPtr >>> 0, retSizePtr >>> 0);
        return WasmResult.Ok;
      },
    },
  };
}
