// Header / trailer / metadata map host calls (§6.3). Availability windows are decided by the
// stream (stream.ts); this file only speaks the raw ABI: map id checks, key lower-casing, codes.

import { HeaderMapType, WasmResult } from "../../../sdk/assembly/abi/enums.ts";
import { addValue, byteSize, getFirst, inlineFor, removeAll, replaceValue, setPairs } from "../header-map.ts";
import { decodePairs, encodePairs } from "../pairs.ts";
import type { HeaderPairs } from "../pairs.ts";
import type { HostFamily, HostFunctionSpec, ImportContext } from "./types.ts";

const MAX_MAP = 7;

/** add and replace differ only in what they do to the map once key and value are read. */
function keyValueWrite(apply: (map: HeaderPairs, key: string, value: string, inline: ReadonlySet<string>) => void): HostFunctionSpec {
  return {
    status: "supported", faultCode: WasmResult.InvalidMemoryAccess,
    fn: (h: ImportContext, map: number, keyPtr: number, keySize: number, valPtr: number, valSize: number): number => {
      map >>>= 0;
      if (map > MAX_MAP) return WasmResult.BadArgument;
      const key = h.mem.readLowerString(keyPtr >>> 0, keySize >>> 0);
      const value = h.mem.readString(valPtr >>> 0, valSize >>> 0);
      const s = h.effective().stream;
      const m = s === null ? null : s.writableMap(map);
      if (m === null) return WasmResult.BadArgument;
      apply(m, key, value, inlineFor(map));
      return WasmResult.Ok;
    },
  };
}

export function headerImports(): HostFamily {
  const IMA = WasmResult.InvalidMemoryAccess;

  const readable = (h: ImportContext, map: number): HeaderPairs | number => {
    // maps 6/7: the callout response, only inside proxy_on_http_call_response (never writable)
    if (map === HeaderMapType.HttpCallResponseHeaders || map === HeaderMapType.HttpCallResponseTrailers) {
      const r = h.calloutResponse();
      if (r === null) return WasmResult.BadArgument;
      return map === HeaderMapType.HttpCallResponseHeaders ? r.headers : r.trailers;
    }
    // maps 4/5: gRPC metadata, only inside the matching gRPC callback
    if (map === HeaderMapType.GrpcReceiveInitialMetadata || map === HeaderMapType.GrpcReceiveTrailingMetadata) {
      const g = h.grpcStaged();
      const md = map === HeaderMapType.GrpcReceiveInitialMetadata ? g?.initialMetadata : g?.trailingMetadata;
      return md ?? WasmResult.BadArgument;
    }
    const s = h.effective().stream;
    if (s === null) return WasmResult.BadArgument;
    return s.readableMap(map);
  };
  const writable = (h: ImportContext, map: number): HeaderPairs | null => {
    const s = h.effective().stream;
    return s === null ? null : s.writableMap(map);
  };

  return {
    proxy_get_header_map_value: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext, map: number, keyPtr: number, keySize: number, retPtrPtr: number, retSizePtr: number): number => {
        map >>>= 0;
        if (map > MAX_MAP) return WasmResult.BadArgument;
        const key = h.mem.readLowerString(keyPtr >>> 0, keySize >>> 0);
        const m = readable(h, map);
        if (typeof m === "number") return m;
        const v = getFirst(m, key);
        if (v === undefined) {
          if (h.abi !== "0.1.0") return WasmResult.NotFound;
          h.mem.returnString("", retPtrPtr >>> 0, retSizePtr >>> 0); // 0.1.0: Ok + empty value
          return WasmResult.Ok;
        }
        h.mem.returnString(v, retPtrPtr >>> 0, retSizePtr >>> 0);
        return WasmResult.Ok;
      },
    },
    proxy_get_header_map_pairs: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext, map: number, retPtrPtr: number, retSizePtr: number): number => {
        map >>>= 0;
        if (map > MAX_MAP) return WasmResult.BadArgument;
        const m = readable(h, map);
        // unavailable map → empty, still Ok
        const bytes = typeof m === "number" || m.length === 0 ? new Uint8Array(0) : encodePairs(m);
        h.mem.returnBytes(bytes, retPtrPtr >>> 0, retSizePtr >>> 0);
        return WasmResult.Ok;
      },
    },
    proxy_get_header_map_size: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext, map: number, retSizePtr: number): number => {
        map >>>= 0;
        if (map > MAX_MAP) return WasmResult.BadArgument;
        const m = writable(h, map); // Envoy uses the writable lookup here
        if (m === null) return WasmResult.BadArgument;
        h.mem.writeU32(retSizePtr >>> 0, byteSize(m));
        return WasmResult.Ok;
      },
    },
    proxy_add_header_map_value: keyValueWrite(addValue),
    proxy_replace_header_map_value: keyValueWrite((m, key, value) => replaceValue(m, key, value)),
    proxy_remove_header_map_value: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext, map: number, keyPtr: number, keySize: number): number => {
        map >>>= 0;
        if (map > MAX_MAP) return WasmResult.BadArgument;
        const key = h.mem.readLowerString(keyPtr >>> 0, keySize >>> 0);
        const m = writable(h, map);
        if (m === null) return WasmResult.BadArgument;
        removeAll(m, key); // absent key is still Ok
        return WasmResult.Ok;
      },
    },
    proxy_set_header_map_pairs: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext, map: number, ptr: number, size: number): number => {
        map >>>= 0;
        if (map > MAX_MAP) return WasmResult.BadArgument;
        const pairs = decodePairs(h.mem.readBytes(ptr >>> 0, size >>> 0)); // malformed → [] → clears
        const m = writable(h, map);
        if (m === null) return WasmResult.BadArgument;
        setPairs(m, pairs, inlineFor(map));
        return WasmResult.Ok;
      },
    },
  };
}
