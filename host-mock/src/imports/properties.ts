// proxy_get_property / proxy_set_property (§6.5) and the property catalogue this mock serves (§10).
//
// Resolution order for a path (segments joined by NUL, §9.3):
//   1. properties set by the test (createHost({ properties }), host.setProperty) — exact path;
//   2. `request.*` / `response.*` derived from the header maps the filter currently holds (or the
//      access-log maps in proxy_on_log); containers alone (["request"], ["xds"], …) →
//      SerializationFailure;
//   3. plugin_name / plugin_root_id / plugin_vm_id;
//   4. filter state written by the stream with proxy_set_property;
//   otherwise NotFound. Encodings (§9.4): strings raw, ints 8-byte LE, bools 1 byte, maps as pairs.

import { WasmResult } from "../../../sdk/assembly/abi/enums.ts";
import { joinedValue } from "../header-map.ts";
import { utf8 } from "../memory.ts";
import { encodePairs } from "../pairs.ts";
import type { HeaderPairs } from "../pairs.ts";
import type { HostFamily, ImportContext, StreamHostSide } from "./types.ts";

export type PropertyValue = string | Uint8Array | number | bigint | boolean;

/** Typed value → bytes as Envoy's serializeValue would produce them (§9.4). */
export function encodePropertyValue(v: PropertyValue): Uint8Array {
  if (typeof v === "string") return utf8(v);
  if (v instanceof Uint8Array) return v.slice();
  if (typeof v === "boolean") return Uint8Array.of(v ? 1 : 0);
  return int64(typeof v === "bigint" ? v : BigInt(Math.trunc(v)));
}

export function int64(v: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigInt64(0, BigInt.asIntN(64, v), true);
  return out;
}

export function propertyKey(path: ReadonlyArray<string>): string {
  return path.join("\0");
}

const CONTAINERS = new Set(["request", "response", "connection", "source", "destination", "upstream", "xds"]);

/** Comma-joined header map (property view of a header map). */
function joinedMap(map: HeaderPairs): HeaderPairs {
  const out: HeaderPairs = [];
  const seen = new Set<string>();
  for (const [k] of map) {
    if (seen.has(k)) continue;
    seen.add(k);
    out.push([k, joinedValue(map, k) ?? ""]);
  }
  return out;
}

function headerDerived(map: HeaderPairs | null, rest: string[], attrs: Record<string, (m: HeaderPairs) => string | undefined>): Uint8Array | number {
  if (map === null) return WasmResult.NotFound;
  const name = rest[0];
  if (name === "headers") {
    if (rest.length === 1) return encodePairs(joinedMap(map));
    if (rest.length !== 2) return WasmResult.NotFound;
    const v = joinedValue(map, rest[1].toLowerCase());
    return v === undefined ? WasmResult.NotFound : utf8(v);
  }
  const f = attrs[name];
  if (f === undefined || rest.length !== 1) return WasmResult.NotFound;
  const v = f(map);
  return v === undefined ? WasmResult.NotFound : utf8(v);
}

const REQUEST_ATTRS: Record<string, (m: HeaderPairs) => string | undefined> = {
  path: (m) => joinedValue(m, ":path"),
  url_path: (m) => joinedValue(m, ":path")?.split("?")[0],
  query: (m) => {
    const p = joinedValue(m, ":path");
    if (p === undefined) return undefined;
    const i = p.indexOf("?");
    return i < 0 ? "" : p.slice(i + 1);
  },
  host: (m) => joinedValue(m, ":authority"),
  scheme: (m) => joinedValue(m, ":scheme"),
  method: (m) => joinedValue(m, ":method"),
  referer: (m) => joinedValue(m, "referer"),
  useragent: (m) => joinedValue(m, "user-agent"),
  id: (m) => joinedValue(m, "x-request-id"),
};

export function resolveProperty(h: ImportContext, path: string[]): Uint8Array | number {
  const key = propertyKey(path);
  const user = h.userProperties.get(key);
  if (user !== undefined) return user;
  const s: StreamHostSide | null = h.effective().stream;
  const top = path[0] ?? "";
  if (path.length === 1) {
    if (top === "plugin_name") return utf8(h.pluginName);
    if (top === "plugin_root_id") return utf8(h.rootIdName);
    if (top === "plugin_vm_id") return utf8(h.vmId);
  }
  if (CONTAINERS.has(top)) {
    if (path.length === 1) return WasmResult.SerializationFailure;
    if (s !== null) {
      const rest = path.slice(1);
      if (top === "request") {
        if (rest.length === 1 && rest[0] === "protocol") return utf8("HTTP/1.1"); // stream info, always there
        const r = headerDerived(s.propertyRequestHeaders(), rest, REQUEST_ATTRS);
        if (typeof r !== "number") return r;
      } else if (top === "response") {
        if (rest.length === 1 && rest[0] === "code_details") {
          const d = s.responseCodeDetails();
          if (d !== null) return utf8(d);
        } else if (rest.length === 1 && rest[0] === "code") {
          const st = s.propertyResponseHeaders();
          const code = st === null ? undefined : joinedValue(st, ":status");
          if (code !== undefined && /^\d+$/.test(code)) return int64(BigInt(code));
        } else {
          const r = headerDerived(s.propertyResponseHeaders(), rest, {});
          if (typeof r !== "number") return r;
        }
      }
    }
  }
  const state = s?.filterState.get(key);
  if (state !== undefined) return state;
  return WasmResult.NotFound;
}

export function propertyImports(): HostFamily {
  const IMA = WasmResult.InvalidMemoryAccess;
  const readPath = (h: ImportContext, ptr: number, size: number): string[] => h.mem.readString(ptr >>> 0, size >>> 0).split("\0");
  return {
    proxy_get_property: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext, pathPtr: number, pathSize: number, retPtrPtr: number, retSizePtr: number): number => {
        const r = resolveProperty(h, readPath(h, pathPtr, pathSize));
        if (typeof r === "number") return r;
        h.mem.returnBytes(r, retPtrPtr >>> 0, retSizePtr >>> 0);
        return WasmResult.Ok;
      },
    },
    proxy_set_property: {
      status: "supported", faultCode: IMA,
      fn: (h: ImportContext, pathPtr: number, pathSize: number, valPtr: number, valSize: number): number => {
        const path = readPath(h, pathPtr, pathSize);
        const value = h.mem.readBytes(valPtr >>> 0, valSize >>> 0);
        const s = h.effective().stream;
        if (s === null) return WasmResult.NotFound; // no stream info (root context)
        s.filterState.set(propertyKey(path), value);
        return WasmResult.Ok;
      },
    },
  };
}
