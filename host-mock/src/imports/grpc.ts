// proxy_grpc_call / _stream / _send / _cancel / _close (§6.9): argument checks in Envoy's order,
// then the VM's GrpcCalls (grpc-calls.ts) tracks the call and the scripted GrpcRouter answers.

import { WasmResult } from "../../../sdk/assembly/abi/enums.ts";
import { resolveGrpcService } from "../grpc.ts";
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

/**
 * Reads the common arguments; a status when Envoy would refuse the call. As measured on Envoy 1.40
 * (integration/grpc.test.ts): `service` is parsed as a serialized GrpcService first, then taken as a
 * cluster name (resolveGrpcService); a plain name Envoy does not know is ParseFailure; a GrpcService
 * whose cluster it does not know is InternalFailure, and proxy_on_grpc_close(Unavailable, "Cluster
 * not available") for the used-up id follows after the callback (GrpcCalls.failAtStart).
 */
function target(h: ImportContext, kind: "call" | "stream", svcPtr: number, svcSize: number, namePtr: number, nameSize: number,
  methodPtr: number, methodSize: number, mdPtr: number, mdSize: number): Target | number {
  const service = h.mem.readBytes(svcPtr >>> 0, svcSize >>> 0);
  const serviceName = h.mem.readString(namePtr >>> 0, nameSize >>> 0);
  const method = h.mem.readString(methodPtr >>> 0, methodSize >>> 0);
  const initialMetadata = decodePairs(h.mem.readBytes(mdPtr >>> 0, mdSize >>> 0)).map(([k, v]) => [k.toLowerCase(), v] as [string, string]);
  const t = resolveGrpcService(service, (c) => h.grpc.knows(c));
  const call = `proxy_grpc_${kind}`;
  switch (t.kind) {
    case "unparsable":
      return WasmResult.ParseFailure;
    case "no_target":
      h.grpcCalls.envoyWouldAbort(`${call}: the service argument (${service.length} bytes) parses as a GrpcService without envoy_grpc or google_grpc ` +
        "(a name whose bytes are valid protobuf, e.g. the empty string, counts as one): Envoy 1.40 aborts here (\"panic: unset oneof\")");
      return WasmResult.InternalFailure;
    case "google_grpc":
      h.grpcCalls.envoyWouldAbort(`${call}: a GrpcService with google_grpc is not modelled by the mock host; use envoy_grpc or a cluster name`);
      return WasmResult.InternalFailure;
    case "cluster":
      if (!h.grpc.knows(t.cluster)) {
        h.grpcCalls.failAtStart(h.effective().rootId, kind);
        return WasmResult.InternalFailure;
      }
      return { cluster: t.cluster, serviceName, method, initialMetadata };
  }
}

export function grpcImports(): HostFamily {
  return {
    proxy_grpc_call: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext, svcPtr: number, svcSize: number, namePtr: number, nameSize: number, methodPtr: number, methodSize: number,
        mdPtr: number, mdSize: number, msgPtr: number, msgSize: number, timeout: number, retIdPtr: number): number => {
        const message = h.mem.readBytes(msgPtr >>> 0, msgSize >>> 0);
        const t = target(h, "call", svcPtr, svcSize, namePtr, nameSize, methodPtr, methodSize, mdPtr, mdSize);
        // measured on Envoy 1.40: on failure the id is not written (the guest's memory keeps what it held)
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
        const t = target(h, "stream", svcPtr, svcSize, namePtr, nameSize, methodPtr, methodSize, mdPtr, mdSize);
        if (typeof t === "number") return t; // the id is not written (as for calls)
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
