// proxy_grpc_call / _stream / _send / _cancel / _close (§6.9): argument checks in Envoy's order,
// then the VM's GrpcCalls (grpc-calls.ts) tracks the call and the scripted GrpcRouter answers.

import { WasmResult } from "../../../sdk/assembly/abi/enums.ts";
import { serviceCluster } from "../grpc.ts";
import { decodePairs } from "../pairs.ts";
import type { HeaderPairs } from "../pairs.ts";
import type { HostFamily, ImportContext } from "./types.ts";

const IMA = WasmResult.InvalidMemoryAccess;

interface Target {
  cluster: string;
  serviceName: string;
  method: string;
  initialMetadata: HeaderPairs;
}

/** Reads the common arguments; a status when Envoy would refuse the call. */
function target(h: ImportContext, svcPtr: number, svcSize: number, namePtr: number, nameSize: number,
  methodPtr: number, methodSize: number, mdPtr: number, mdSize: number): Target | number {
  const service = h.mem.readBytes(svcPtr >>> 0, svcSize >>> 0);
  const serviceName = h.mem.readString(namePtr >>> 0, nameSize >>> 0);
  const method = h.mem.readString(methodPtr >>> 0, methodSize >>> 0);
  const initialMetadata = decodePairs(h.mem.readBytes(mdPtr >>> 0, mdSize >>> 0)).map(([k, v]) => [k.toLowerCase(), v] as [string, string]);
  const cluster = serviceCluster(service, (c) => h.grpc.knows(c));
  if (cluster === null) return WasmResult.ParseFailure; // neither a known cluster nor a GrpcService
  if (!h.grpc.knows(cluster)) return WasmResult.BadArgument; // the async client cannot be created
  return { cluster, serviceName, method, initialMetadata };
}

export function grpcImports(): HostFamily {
  return {
    proxy_grpc_call: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext, svcPtr: number, svcSize: number, namePtr: number, nameSize: number, methodPtr: number, methodSize: number,
        mdPtr: number, mdSize: number, msgPtr: number, msgSize: number, timeout: number, retIdPtr: number): number => {
        const t = target(h, svcPtr, svcSize, namePtr, nameSize, methodPtr, methodSize, mdPtr, mdSize);
        const message = h.mem.readBytes(msgPtr >>> 0, msgSize >>> 0);
        h.mem.writeU32(retIdPtr >>> 0, 0);
        if (typeof t === "number") return t;
        const id = h.grpcCalls.call(h.effective().rootId, { ...t, message: message.slice(), timeoutMs: timeout >>> 0 });
        h.mem.writeU32(retIdPtr >>> 0, id);
        return WasmResult.Ok;
      },
    },
    proxy_grpc_stream: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext, svcPtr: number, svcSize: number, namePtr: number, nameSize: number, methodPtr: number, methodSize: number,
        mdPtr: number, mdSize: number, retIdPtr: number): number => {
        const t = target(h, svcPtr, svcSize, namePtr, nameSize, methodPtr, methodSize, mdPtr, mdSize);
        h.mem.writeU32(retIdPtr >>> 0, 0);
        if (typeof t === "number") return t;
        const id = h.grpcCalls.stream(h.effective().rootId, t);
        h.mem.writeU32(retIdPtr >>> 0, id);
        return WasmResult.Ok;
      },
    },
    proxy_grpc_send: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext, id: number, msgPtr: number, msgSize: number, endStream: number): number =>
        h.grpcCalls.send(id >>> 0, h.mem.readBytes(msgPtr >>> 0, msgSize >>> 0), endStream !== 0),
    },
    proxy_grpc_cancel: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext, id: number): number => h.grpcCalls.cancel(id >>> 0),
    },
    proxy_grpc_close: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext, id: number): number => h.grpcCalls.close(id >>> 0),
    },
  };
}
