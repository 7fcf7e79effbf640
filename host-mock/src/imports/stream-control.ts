// Context and stream control host calls (§6.2): proxy_continue_stream, proxy_close_stream,
// proxy_send_local_response, proxy_set_effective_context, proxy_done, proxy_get_status, and
// 0.1.0's proxy_continue_request / proxy_continue_response / proxy_clear_route_cache.
// Every stream action is deferred by the stream until the current callback returns (§11.6, §12).

import { StreamType, WasmResult } from "../../../sdk/assembly/abi/enums.ts";
import { decodePairs } from "../pairs.ts";
import type { HostFamily, ImportContext } from "./types.ts";

export function streamControlImports(): HostFamily {
  const IMA = WasmResult.InvalidMemoryAccess;
  return {
    proxy_send_local_response: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext, status: number, detailsPtr: number, detailsSize: number, bodyPtr: number, bodySize: number,
        headersPtr: number, headersSize: number, grpcStatus: number): number => {
        const details = h.mem.readString(detailsPtr >>> 0, detailsSize >>> 0);
        const body = h.mem.readBytes(bodyPtr >>> 0, bodySize >>> 0);
        const headers = decodePairs(h.mem.readBytes(headersPtr >>> 0, headersSize >>> 0)); // malformed → none
        const s = h.effective().stream;
        if (s === null) return WasmResult.Ok; // no stream: Ok and nothing happens
        const g = grpcStatus | 0;
        s.sendLocalResponse({ status: status >>> 0, details, body, headers, grpcStatus: g >= 0 && g <= 16 ? g : null });
        return WasmResult.Ok;
      },
    },
    proxy_set_effective_context: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext, id: number): number => (h.setEffectiveContext(id >>> 0) ? WasmResult.Ok : WasmResult.BadArgument),
    },
    proxy_done: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext): number => (h.done() ? WasmResult.Ok : WasmResult.NotFound),
    },
    proxy_get_status: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext, codePtr: number, msgPtrPtr: number, msgSizePtr: number): number => {
        const st = h.status(h.effective().rootId);
        h.mem.writeU32(codePtr >>> 0, st.code);
        h.mem.returnString(st.message, msgPtrPtr >>> 0, msgSizePtr >>> 0);
        return WasmResult.Ok;
      },
    },
  };
}

/** 0.2.x: proxy_continue_stream / proxy_close_stream. */
export function streamControlImports02(): HostFamily {
  const IMA = WasmResult.InvalidMemoryAccess;
  return {
    proxy_continue_stream: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext, type: number): number => {
        type >>>= 0;
        if (type > StreamType.Upstream) return WasmResult.BadArgument;
        if (type === StreamType.Upstream) return WasmResult.Unimplemented;
        h.effective().stream?.continueStream(type); // Ok even with nothing paused / no stream
        return WasmResult.Ok;
      },
    },
    proxy_close_stream: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext, type: number): number => {
        type >>>= 0;
        if (type > StreamType.Upstream) return WasmResult.BadArgument;
        h.effective().stream?.closeStream(type);
        return WasmResult.Ok;
      },
    },
  };
}

/** 0.1.0: proxy_continue_request / proxy_continue_response / proxy_clear_route_cache, all () -> i32. */
export function streamControlImports01(): HostFamily {
  const IMA = WasmResult.InvalidMemoryAccess;
  return {
    proxy_continue_request: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext): number => { h.effective().stream?.continueStream(StreamType.Request); return WasmResult.Ok; },
    },
    proxy_continue_response: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext): number => { h.effective().stream?.continueStream(StreamType.Response); return WasmResult.Ok; },
    },
    proxy_clear_route_cache: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext): number => { h.clearRouteCache(); return WasmResult.Ok; },
    },
  };
}
