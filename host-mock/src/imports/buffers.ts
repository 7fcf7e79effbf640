// Buffer host calls (§6.4): proxy_get_buffer_bytes, proxy_get_buffer_status, proxy_set_buffer_bytes,
// and 0.1.0's proxy_get_configuration. Buffers 6/7 are the VM / plugin configuration (§5.1).

import { BufferType, WasmResult } from "../../../sdk/assembly/abi/enums.ts";
import type { HostFamily, ImportContext } from "./types.ts";

const MAX_BUFFER = BufferType.CallData;
const EMPTY = new Uint8Array(0);

/** What a buffer id resolves to right now. */
type Resolved =
  | { kind: "unavailable" }                       // NotFound
  | { kind: "readonly"; bytes: Uint8Array }
  | { kind: "body"; buf: { bytes: Uint8Array } }   // mutable body buffer inside its window
  | { kind: "empty-body" };                        // body id outside its window: reads Ok+empty, writes BadArgument

export function bufferImports(): HostFamily {
  const IMA = WasmResult.InvalidMemoryAccess;

  const resolve = (h: ImportContext, id: number): Resolved => {
    switch (id) {
      case BufferType.HttpRequestBody:
      case BufferType.HttpResponseBody: {
        const s = h.effective().stream;
        const b = s === null ? null : s.bodyBuffer(id);
        return b === null ? { kind: "empty-body" } : { kind: "body", buf: b };
      }
      case BufferType.VmConfiguration:
        return { kind: "readonly", bytes: h.vmConfiguration() };
      case BufferType.PluginConfiguration: {
        const c = h.pluginConfiguration();
        return c === null ? { kind: "unavailable" } : { kind: "readonly", bytes: c };
      }
      case BufferType.HttpCallResponseBody: {
        const r = h.calloutResponse(); // only inside proxy_on_http_call_response, read-only
        return r === null ? { kind: "unavailable" } : { kind: "readonly", bytes: r.body };
      }
      case BufferType.GrpcReceiveBuffer: // the message inside proxy_on_grpc_receive, empty elsewhere
        return { kind: "readonly", bytes: h.grpcStaged()?.message ?? EMPTY };
      default:
        // TCP data (2/3), call data (8): nothing staged in this mock yet
        return { kind: "unavailable" };
    }
  };
  const bytesOf = (r: Resolved): Uint8Array | null =>
    r.kind === "readonly" ? r.bytes : r.kind === "body" ? r.buf.bytes : r.kind === "empty-body" ? EMPTY : null;

  return {
    proxy_get_buffer_bytes: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext, id: number, start: number, maxSize: number, retPtrPtr: number, retSizePtr: number): number => {
        id >>>= 0; start >>>= 0; maxSize >>>= 0;
        if (id > MAX_BUFFER) return WasmResult.BadArgument;
        const bytes = bytesOf(resolve(h, id));
        if (bytes === null) return WasmResult.NotFound;
        const end = Math.min(bytes.length, start + maxSize);
        const slice = start >= bytes.length || end <= start ? EMPTY : bytes.subarray(start, end);
        h.mem.returnBytes(slice, retPtrPtr >>> 0, retSizePtr >>> 0);
        return WasmResult.Ok;
      },
    },
    proxy_get_buffer_status: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext, id: number, retSizePtr: number, retFlagsPtr: number): number => {
        id >>>= 0;
        if (id > MAX_BUFFER) return WasmResult.BadArgument;
        const bytes = bytesOf(resolve(h, id));
        if (bytes === null) return WasmResult.NotFound;
        h.mem.writeU32(retSizePtr >>> 0, bytes.length);
        h.mem.writeU32(retFlagsPtr >>> 0, 0); // Envoy never sets EndOfStream
        return WasmResult.Ok;
      },
    },
    proxy_set_buffer_bytes: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext, id: number, start: number, size: number, dataPtr: number, dataSize: number): number => {
        id >>>= 0; start >>>= 0; size >>>= 0;
        if (id > MAX_BUFFER) return WasmResult.BadArgument;
        const data = h.mem.readBytes(dataPtr >>> 0, dataSize >>> 0);
        const r = resolve(h, id);
        if (r.kind === "unavailable") return WasmResult.NotFound;
        if (r.kind !== "body") return WasmResult.BadArgument; // immutable, or body outside its callback
        const cur = r.buf.bytes;
        if (start === 0) {
          // size 0 → prepend; size > 0 → drop the first `size` bytes (all if ≥ length), then prepend
          const rest = cur.subarray(Math.min(size, cur.length));
          r.buf.bytes = concat(data, rest);
        } else if (start >= cur.length) {
          r.buf.bytes = concat(cur, data); // append
        } else {
          return WasmResult.BadArgument; // Envoy does no mid-buffer splice
        }
        return WasmResult.Ok;
      },
    },
  };
}

/** 0.1.0 only: proxy_get_configuration → plugin config during configure, else VM config (§6.1). */
export function configurationImports(): HostFamily {
  return {
    proxy_get_configuration: {
      status: "supported", faultCode: WasmResult.InvalidMemoryAccess,
      fn: (h: ImportContext, retPtrPtr: number, retSizePtr: number): number => {
        const bytes = h.pluginConfiguration() ?? h.vmConfiguration();
        h.mem.returnBytes(bytes, retPtrPtr >>> 0, retSizePtr >>> 0);
        return WasmResult.Ok;
      },
    },
  };
}

export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b.slice();
  if (b.length === 0) return a.slice();
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
