// The attribute catalogue: every property `proxy_get_property` serves, where its value comes from and
// how it is encoded (§6.5, §9.2–§9.4, §10). The README's properties table mirrors this file.
//
// Resolution of a path (segments split on NUL, §9.3), in order:
//   0. properties set by the test (createHost({ properties }), host.setProperty): the exact path, or a
//      shorter path holding a test-set `{ map }` / `{ list }` that the rest indexes into; `null`
//      means absent (NotFound). This is how tests override every default below — except that in a
//      root context a path under an attribute that needs a stream is NotFound even when set.
//   1. Envoy's CEL activation: request, response, connection, upstream, source, destination,
//      metadata, filter_state, upstream_filter_state, xds. All of them need a stream except
//      `xds.node` (Envoy reads it from the local info, also in a root context).
//   2. Wasm-specific names: plugin_name, plugin_root_id, plugin_vm_id, connection_id.
//   3. Filter state written by proxy_set_property: key "wasm." + the FIRST segment (Envoy's
//      findValue), on the current stream only.
//   otherwise NotFound. Later segments index into maps (string key), messages (field name) and
//   lists (decimal index); anything else is NotFound.
//
// Values are CEL values (Cel below) serialized by `serialize` exactly as Envoy's serializeValue:
// attribute groups (`request`, `connection`, `xds`, `filter_state`, …) are maps that cannot list their
// keys, so reading one whole is SerializationFailure; header maps can, and give pairs (§9.1).

import { HeaderMapType, WasmResult } from "../../../sdk/assembly/abi/enums.ts";
import { byteSize, joinedValue } from "../header-map.ts";
import { httpToGrpcStatus } from "../grpc.ts";
import { fromUtf8 } from "../memory.ts";
import type { HeaderPairs } from "../pairs.ts";
import type { ImportContext, StreamHostSide, StreamInfoView } from "../imports/types.ts";
import {
  ABSENT, encodeBool, encodeBytePairs, encodeDouble, encodeDuration, encodeInt64, encodeList, encodeString,
  encodeTimestamp, encodeUint64, mapEntries, propertyKey, ProtoWriter, typedOf,
} from "./encode.ts";
import type { PropertyValue } from "./encode.ts";

// ---- defaults for what a mock cannot know ---------------------------------------------------------

/** What the mock answers when the test set nothing (override any of them by path, or with `null`). */
export const PROPERTY_DEFAULTS = {
  "request.protocol": "HTTP/1.1",
  "connection.id": 1n,
  "connection.mtls": false,
  "connection.requested_server_name": "",
  "source.address": "10.0.0.1:40000",
  "destination.address": "10.0.0.2:8080",
  "upstream.address": "10.0.0.3:80",
  "upstream.local_address": "10.0.0.2:40001",
  "upstream.transport_failure_reason": "",
  "upstream.num_endpoints": 1n,
  "response.flags": 0n,
  "xds.node.id": "mock-node",
  "xds.node.cluster": "mock-service",
  "xds.node.user_agent_name": "envoy",
  "xds.cluster_name": "mock_upstream",
  "xds.route_name": "mock_route",
  "xds.virtual_host_name": "mock_vhost",
  "xds.filter_chain_name": "",
  "xds.listener_direction": 0n,
} as const;

/** Prefix of the filter-state key proxy_set_property writes (Envoy's CelStateKeyPrefix). */
export const FILTER_STATE_PREFIX = "wasm.";

// ---- CEL values ---------------------------------------------------------------------------------

export type Cel =
  | { kind: "string"; value: string }
  | { kind: "bytes"; value: Uint8Array }
  | { kind: "int"; value: bigint }
  | { kind: "uint"; value: bigint }
  | { kind: "double"; value: number }
  | { kind: "bool"; value: boolean }
  | { kind: "duration"; ns: bigint }
  | { kind: "timestamp"; ns: bigint }
  | { kind: "null" }
  /** `keys` null: the map cannot list its keys (attribute groups) → SerializationFailure when read whole */
  | { kind: "map"; get(key: string): Cel | undefined; keys: (() => string[]) | null }
  | { kind: "list"; items: Cel[] }
  /** a protobuf message: its wire bytes, and its fields for traversal */
  | { kind: "message"; bytes(): Uint8Array; field(name: string): Cel | undefined };

const str = (value: string): Cel => ({ kind: "string", value });
const int = (value: bigint | number): Cel => ({ kind: "int", value: BigInt(value) });
const uint = (value: bigint | number): Cel => ({ kind: "uint", value: BigInt(value) });
const bool = (value: boolean): Cel => ({ kind: "bool", value });

/** An attribute group: fields resolved lazily, not enumerable (Envoy's wrappers). */
function group(fields: Record<string, () => Cel | undefined>): Cel {
  return { kind: "map", get: (k) => (Object.hasOwn(fields, k) ? fields[k]() : undefined), keys: null };
}

function listableMap(entries: ReadonlyArray<readonly [string, Cel]>): Cel {
  const m = new Map(entries);
  return { kind: "map", get: (k) => m.get(k), keys: () => [...m.keys()] };
}

/** Envoy serializeValue (§9.4); a number is the status to return. */
export function serialize(v: Cel): Uint8Array | number {
  switch (v.kind) {
    case "string": return encodeString(v.value);
    case "bytes": return v.value;
    case "int": return encodeInt64(v.value);
    case "uint": return encodeUint64(v.value);
    case "double": return encodeDouble(v.value);
    case "bool": return encodeBool(v.value);
    case "duration": return encodeDuration(v.ns);
    case "timestamp": return encodeTimestamp(v.ns);
    case "message": return v.bytes();
    case "null": return WasmResult.SerializationFailure;
    case "list": {
      const items: Uint8Array[] = [];
      for (const item of v.items) {
        const b = serialize(item);
        if (typeof b === "number") return WasmResult.SerializationFailure;
        items.push(b);
      }
      return encodeList(items);
    }
    case "map": {
      if (v.keys === null) return WasmResult.SerializationFailure;
      const pairs: Array<[Uint8Array, Uint8Array]> = [];
      for (const k of v.keys()) {
        const val = v.get(k);
        const b = val === undefined ? WasmResult.SerializationFailure : serialize(val);
        if (typeof b === "number") return WasmResult.SerializationFailure;
        pairs.push([encodeString(k), b]);
      }
      return encodeBytePairs(pairs);
    }
  }
}

/** One traversal step (§9.3): map key, message field, list index; anything else → undefined. */
function step(v: Cel, seg: string): Cel | undefined {
  switch (v.kind) {
    case "map": return v.get(seg);
    case "message": return v.field(seg);
    case "list": {
      if (!/^[+-]?\d+$/.test(seg)) return undefined;
      const i = Number(seg);
      return i >= 0 && i < v.items.length ? v.items[i] : undefined;
    }
    default: return undefined;
  }
}

// ---- test-set values ----------------------------------------------------------------------------

/** A test-set typed value as a CEL value (bytes stored without a typed source stay bytes). */
function celOfTyped(v: PropertyValue): Cel | undefined {
  if (v === null) return undefined;
  if (typeof v === "string") return str(v);
  if (v instanceof Uint8Array) return { kind: "bytes", value: v };
  if (typeof v === "boolean") return bool(v);
  if (typeof v === "number" || typeof v === "bigint") return int(typeof v === "number" ? Math.trunc(v) : v);
  if ("double" in v) return { kind: "double", value: v.double };
  if ("uint" in v) return uint(v.uint);
  if ("list" in v) return { kind: "list", items: v.list.map(celOfTyped).filter((c): c is Cel => c !== undefined) };
  return listableMap(mapEntries(v).flatMap(([k, x]) => {
    const c = celOfTyped(x);
    return c === undefined ? [] : [[k, c] as const];
  }));
}

/** Step 0: the test's value for `path`, NotFound for a test-set `null`, or undefined (not set). */
function userValue(h: ImportContext, path: string[]): Uint8Array | number | undefined {
  const user = h.userProperties;
  for (let i = path.length; i >= 1; i--) {
    const bytes = user.get(propertyKey(path.slice(0, i)));
    if (bytes === undefined) continue;
    if (bytes === ABSENT) return WasmResult.NotFound;
    if (i === path.length) return bytes;
    const typed = typedOf(bytes);
    let v: Cel | undefined = typed === undefined ? { kind: "bytes", value: bytes } : celOfTyped(typed);
    for (const seg of path.slice(i)) {
      if (v === undefined) break;
      v = step(v, seg);
    }
    return v === undefined ? WasmResult.NotFound : serialize(v);
  }
  return undefined;
}

/** The test's override of a scalar default, as a typed value (undefined: not set). */
function override(h: ImportContext, dotted: string): PropertyValue | undefined {
  const bytes = h.userProperties.get(propertyKey(dotted.split(".")));
  if (bytes === undefined) return undefined;
  if (bytes === ABSENT) return null;
  return typedOf(bytes) ?? bytes;
}

function stringOf(v: PropertyValue | undefined): string | undefined {
  if (typeof v === "string") return v;
  if (v instanceof Uint8Array) return fromUtf8(v);
  return undefined;
}

/** Default string attribute, or the test's override (which also feeds derived values such as ports). */
function defaultString(h: ImportContext, dotted: keyof typeof PROPERTY_DEFAULTS): string | undefined {
  const o = override(h, dotted);
  if (o === null) return undefined;
  return stringOf(o) ?? String(PROPERTY_DEFAULTS[dotted]);
}

/** Port of an "ip:port" address (IPv6 as "[::1]:80"). */
function portOf(address: string | undefined): Cel | undefined {
  const m = address === undefined ? null : /:(\d+)$/.exec(address);
  return m === null ? undefined : int(Number(m[1]));
}

// Overlay trees: every test property under a prefix, nested, to build whole messages (xds.node,
// metadata) that agree with the leaves a test set.
interface Tree {
  value?: PropertyValue;
  children: Map<string, Tree>;
}

function overlay(h: ImportContext, prefix: string[]): Tree {
  const root: Tree = { children: new Map() };
  const head = propertyKey(prefix) + "\0";
  for (const [key, bytes] of h.userProperties) {
    if (!key.startsWith(head)) continue;
    let node = root;
    for (const seg of key.slice(head.length).split("\0")) {
      let next = node.children.get(seg);
      if (next === undefined) node.children.set(seg, (next = { children: new Map() }));
      node = next;
    }
    node.value = bytes === ABSENT ? null : typedOf(bytes) ?? bytes;
  }
  return root;
}

/** google.protobuf.Value content as plain data. */
type StructValue = null | number | string | boolean | StructValue[] | Map<string, StructValue>;

function structValueOf(v: PropertyValue | undefined): StructValue {
  if (v === undefined || v === null) return null;
  if (typeof v === "string" || typeof v === "boolean") return v;
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  if (v instanceof Uint8Array) return fromUtf8(v);
  if ("double" in v) return v.double;
  if ("uint" in v) return Number(v.uint);
  if ("list" in v) return v.list.map(structValueOf);
  return new Map(mapEntries(v).map(([k, x]) => [k, structValueOf(x)] as const));
}

function treeValue(t: Tree | undefined): StructValue | undefined {
  if (t === undefined) return undefined;
  let v: StructValue = t.value === undefined ? null : structValueOf(t.value);
  if (t.children.size > 0) {
    const m = v instanceof Map ? v : new Map<string, StructValue>();
    for (const [k, c] of t.children) {
      if (c.value === null) m.delete(k);
      else m.set(k, treeValue(c) ?? null);
    }
    v = m;
  }
  return v;
}

function encodeValue(v: StructValue): Uint8Array {
  const w = new ProtoWriter();
  if (v === null) w.varintField(1, 0);
  else if (typeof v === "number") w.double(2, v);
  else if (typeof v === "string") w.bytes(3, encodeString(v));
  else if (typeof v === "boolean") w.varintField(4, v);
  else if (v instanceof Map) w.message(5, encodeStruct(v));
  else {
    const list = new ProtoWriter();
    for (const x of v) list.message(1, encodeValue(x));
    w.message(6, list.finish());
  }
  return w.finish();
}

/** google.protobuf.Struct { map<string, Value> fields = 1 } */
function encodeStruct(m: Map<string, StructValue>): Uint8Array {
  const w = new ProtoWriter();
  for (const [k, v] of m) w.message(1, new ProtoWriter().bytes(1, encodeString(k)).message(2, encodeValue(v)).finish());
  return w.finish();
}

/** CEL view of Struct content: numbers are doubles, structs listable maps. */
function celOfStruct(v: StructValue): Cel {
  if (v === null) return { kind: "null" };
  if (typeof v === "number") return { kind: "double", value: v };
  if (typeof v === "string") return str(v);
  if (typeof v === "boolean") return bool(v);
  if (v instanceof Map) return listableMap([...v].map(([k, x]) => [k, celOfStruct(x)] as const));
  return { kind: "list", items: v.map(celOfStruct) };
}

function asStructMap(v: StructValue | undefined): Map<string, StructValue> {
  return v instanceof Map ? v : new Map();
}

/** envoy.config.core.v3.Metadata { map<string, Struct> filter_metadata = 1 }, from the test's overlay. */
function metadataMessage(h: ImportContext, dotted: string): Cel {
  const fm = new Map<string, Map<string, StructValue>>();
  for (const [ns, v] of asStructMap(treeValue(overlay(h, [...dotted.split("."), "filter_metadata"])))) fm.set(ns, asStructMap(v));
  return {
    kind: "message",
    bytes: () => {
      const w = new ProtoWriter();
      for (const [ns, s] of fm) w.message(1, new ProtoWriter().bytes(1, encodeString(ns)).message(2, encodeStruct(s)).finish());
      return w.finish();
    },
    field: (name) => (name === "filter_metadata" ? celOfStruct(new Map<string, StructValue>(fm)) : name === "typed_filter_metadata" ? listableMap([]) : undefined),
  };
}

/**
 * An upstream host's metadata / locality metadata, as Envoy gives them for a host of a STRICT_DNS
 * cluster (the kit's bootstrap, envoy/src/bootstrap.ts): a Metadata message, empty unless the test set
 * some `<attr>.filter_metadata…` value. (A STATIC cluster's host configured without metadata has a
 * null pointer instead: SerializationFailure read whole. Measured in Envoy 1.40, both.)
 */
function hostMetadata(h: ImportContext, dotted: string): Cel {
  return metadataMessage(h, dotted);
}

/** envoy.config.core.v3.Locality { region = 1, zone = 2, sub_zone = 3 } */
function localityMessage(t: Tree | undefined): Cel {
  const f = (n: string): string => stringOf(t?.children.get(n)?.value ?? undefined) ?? "";
  const fields = { region: f("region"), zone: f("zone"), sub_zone: f("sub_zone") };
  return {
    kind: "message",
    bytes: () => new ProtoWriter().string(1, fields.region).string(2, fields.zone).string(3, fields.sub_zone).finish(),
    field: (name) => (Object.hasOwn(fields, name) ? str(fields[name as keyof typeof fields]) : undefined),
  };
}

/** envoy.config.core.v3.Node { id = 1, cluster = 2, metadata = 3 (Struct), locality = 4, user_agent_name = 6 } */
function nodeMessage(h: ImportContext): Cel | undefined {
  const t = overlay(h, ["xds", "node"]);
  if (t.value === null) return undefined;
  const s = (n: "id" | "cluster" | "user_agent_name"): string => {
    const c = t.children.get(n);
    if (c !== undefined && c.value === null) return "";
    return stringOf(c?.value) ?? PROPERTY_DEFAULTS[`xds.node.${n}`];
  };
  const id = s("id"), cluster = s("cluster"), userAgent = s("user_agent_name");
  const metadata = asStructMap(treeValue(t.children.get("metadata")));
  const locality = localityMessage(t.children.get("locality"));
  return {
    kind: "message",
    bytes: () => {
      const w = new ProtoWriter().string(1, id).string(2, cluster);
      if (metadata.size > 0) w.message(3, encodeStruct(metadata));
      const loc = locality.kind === "message" ? locality.bytes() : new Uint8Array(0);
      if (loc.length > 0) w.message(4, loc);
      return w.string(6, userAgent).finish();
    },
    field: (name) => {
      switch (name) {
        case "id": return str(id);
        case "cluster": return str(cluster);
        case "user_agent_name": return str(userAgent);
        case "metadata": return celOfStruct(metadata);
        case "locality": return locality;
        default: return undefined;
      }
    },
  };
}

// ---- attribute groups ---------------------------------------------------------------------------

/**
 * A header map as CEL sees it: lower-cased lookups, repeated headers comma-joined, listable. A map
 * the filter does not hold is an empty map, not absent (Envoy's HeadersWrapper over a null map:
 * size 0, so `request.headers` read whole is `00000000`; a key in it is NotFound).
 */
function headerMap(map: HeaderPairs | null): Cel {
  if (map === null) return listableMap([]);
  return {
    kind: "map",
    get: (k) => {
      const v = joinedValue(map, k.toLowerCase());
      return v === undefined ? undefined : str(v);
    },
    keys: () => [...new Set(map.map(([k]) => k))],
  };
}

function mapOrNull(r: HeaderPairs | number): HeaderPairs | null {
  return typeof r === "number" ? null : r;
}


/** Grpc::Common::getGrpcStatus: trailers, then headers, then the HTTP code; unparsable or > 16 → -1. */
function grpcStatus(trailers: HeaderPairs | null, headers: HeaderPairs | null, code: number | null): number | undefined {
  for (const m of [trailers, headers]) {
    const v = m === null ? undefined : joinedValue(m, "grpc-status");
    if (v === undefined) continue;
    return /^\d+$/.test(v) && Number(v) <= 16 ? Number(v) : -1;
  }
  return code === null ? undefined : httpToGrpcStatus(code);
}

function requestGroup(h: ImportContext, s: StreamHostSide, info: StreamInfoView): Cel {
  const headers = s.propertyRequestHeaders();
  const hv = (name: string) => (): Cel | undefined => {
    const v = headers === null ? undefined : joinedValue(headers, name);
    return v === undefined ? undefined : str(v);
  };
  const path = (): string | undefined => (headers === null ? undefined : joinedValue(headers, ":path"));
  return group({
    path: hv(":path"),
    url_path: () => {
      const p = path();
      return p === undefined ? undefined : str(p.split("?")[0]);
    },
    query: () => {
      const p = path();
      if (p === undefined) return undefined;
      const i = p.indexOf("?");
      return str(i < 0 ? "" : p.slice(i + 1).split("#")[0]);
    },
    host: hv(":authority"),
    scheme: hv(":scheme"),
    method: hv(":method"),
    referer: hv("referer"),
    useragent: hv("user-agent"),
    id: hv("x-request-id"),
    headers: () => headerMap(headers),
    headers_bytes: () => int(headers === null ? 0 : byteSize(headers)),
    time: () => (info.startNs === null ? undefined : { kind: "timestamp", ns: info.startNs }),
    duration: () => (info.startNs === null || info.completeNs === null ? undefined : { kind: "duration", ns: info.completeNs - info.startNs }),
    size: () => {
      const cl = headers === null ? undefined : joinedValue(headers, "content-length");
      if (cl !== undefined && /^\d+$/.test(cl)) return int(BigInt(cl));
      return int(info.bytesReceived);
    },
    total_size: () => int(info.bytesReceived + (headers === null ? 0 : byteSize(headers))),
    protocol: () => {
      const p = defaultString(h, "request.protocol");
      return p === undefined ? undefined : str(p);
    },
  });
}

function responseGroup(h: ImportContext, s: StreamHostSide, info: StreamInfoView): Cel {
  const headers = s.propertyResponseHeaders();
  const trailers = mapOrNull(s.readableMap(HeaderMapType.ResponseTrailers));
  return group({
    code: () => (info.responseCode === null ? undefined : int(info.responseCode)),
    code_details: () => {
      const d = s.responseCodeDetails() ?? (info.responseCode !== null ? "via_upstream" : null);
      return d === null ? undefined : str(d);
    },
    flags: () => int(PROPERTY_DEFAULTS["response.flags"]),
    grpc_status: () => {
      const g = grpcStatus(trailers, headers, info.responseCode);
      return g === undefined ? undefined : int(g);
    },
    headers: () => headerMap(headers),
    headers_bytes: () => int(headers === null ? 0 : byteSize(headers)),
    trailers: () => headerMap(trailers),
    size: () => int(info.bytesSent),
    total_size: () => int(info.bytesSent + (headers === null ? 0 : byteSize(headers)) + (trailers === null ? 0 : byteSize(trailers))),
    backend_latency: () => (info.upstreamTxNs === null || info.upstreamRxEndNs === null ? undefined : { kind: "duration", ns: info.upstreamRxEndNs - info.upstreamTxNs }),
  });
}

function connectionId(h: ImportContext): Cel | undefined {
  const o = override(h, "connection.id");
  if (o === null) return undefined;
  if (typeof o === "bigint" || typeof o === "number") return uint(o);
  if (o !== undefined && typeof o === "object" && "uint" in o) return uint(o.uint);
  return uint(PROPERTY_DEFAULTS["connection.id"]);
}

function connectionGroup(h: ImportContext): Cel {
  return group({
    id: () => connectionId(h),
    mtls: () => bool(PROPERTY_DEFAULTS["connection.mtls"]),
    requested_server_name: () => str(PROPERTY_DEFAULTS["connection.requested_server_name"]),
    // TLS facts (tls_version, subject_*, dns_san_*, uri_san_*, sha256_peer_certificate_digest) and
    // termination_details / transport_failure_reason: a plaintext connection has none → absent
    // unless the test sets them.
  });
}

function peerGroup(h: ImportContext, which: "source" | "destination"): Cel {
  const address = (): string | undefined => defaultString(h, `${which}.address`);
  return group({
    address: () => {
      const a = address();
      return a === undefined ? undefined : str(a);
    },
    port: () => portOf(address()),
  });
}

function upstreamGroup(h: ImportContext, info: StreamInfoView): Cel {
  const known = info.upstreamTxNs !== null; // the request went upstream: Envoy's router picked a host
  const s = (dotted: "upstream.address" | "upstream.local_address" | "upstream.transport_failure_reason") => (): Cel | undefined => {
    if (!known) return undefined;
    const v = defaultString(h, dotted);
    return v === undefined ? undefined : str(v);
  };
  return group({
    address: s("upstream.address"),
    port: () => (known ? portOf(defaultString(h, "upstream.address")) : undefined),
    local_address: s("upstream.local_address"),
    transport_failure_reason: s("upstream.transport_failure_reason"),
    request_attempt_count: () => uint(known ? 1 : 0),
    locality: () => (known ? localityMessage(overlay(h, ["upstream", "locality"])) : undefined),
    cx_pool_ready_duration: () => (known ? { kind: "duration", ns: 0n } : undefined),
    // membership_total of the route's cluster: known from route resolution on, before any upstream
    num_endpoints: () => {
      const o = override(h, "upstream.num_endpoints");
      if (o === null) return undefined;
      if (typeof o === "bigint" || typeof o === "number") return uint(o);
      if (o !== undefined && typeof o === "object" && "uint" in o) return uint(o.uint);
      return uint(PROPERTY_DEFAULTS["upstream.num_endpoints"]);
    },
    // TLS facts of the upstream connection: plaintext by default → absent unless set
  });
}

function xdsGroup(h: ImportContext, info: StreamInfoView | null): Cel {
  const onStream = (f: () => Cel | undefined) => (): Cel | undefined => (info === null ? undefined : f());
  const s = (dotted: "xds.cluster_name" | "xds.route_name" | "xds.virtual_host_name" | "xds.filter_chain_name") => onStream(() => {
    const v = defaultString(h, dotted);
    return v === undefined ? undefined : str(v);
  });
  const md = (dotted: string) => onStream(() => metadataMessage(h, dotted));
  const upstreamKnown = (f: () => Cel | undefined) => onStream(() => (info?.upstreamTxNs == null ? undefined : f()));
  return group({
    node: () => nodeMessage(h),
    cluster_name: s("xds.cluster_name"),
    cluster_metadata: md("xds.cluster_metadata"),
    route_name: s("xds.route_name"),
    route_metadata: md("xds.route_metadata"),
    virtual_host_name: s("xds.virtual_host_name"),
    virtual_host_metadata: md("xds.virtual_host_metadata"),
    upstream_host_metadata: upstreamKnown(() => hostMetadata(h, "xds.upstream_host_metadata")),
    upstream_host_locality_metadata: upstreamKnown(() => hostMetadata(h, "xds.upstream_host_locality_metadata")),
    filter_chain_name: s("xds.filter_chain_name"),
    listener_metadata: md("xds.listener_metadata"),
    listener_direction: onStream(() => int(PROPERTY_DEFAULTS["xds.listener_direction"])),
  });
}

/** filter_state: the stream's filter state by full key ("wasm.<path>"); not enumerable. */
function filterStateGroup(s: StreamHostSide): Cel {
  return {
    kind: "map",
    get: (k) => {
      const v = s.filterState.get(k);
      return v === undefined ? undefined : { kind: "bytes", value: v };
    },
    keys: null,
  };
}

/** Step 1 and 2: the top-level attribute `name`, or undefined. */
function topLevel(h: ImportContext, name: string, s: StreamHostSide | null): Cel | undefined {
  const info = s === null ? null : s.propertyStreamInfo();
  switch (name) {
    case "plugin_name": return str(h.pluginName);
    case "plugin_root_id": return str(h.rootIdName);
    case "plugin_vm_id": return str(h.vmId);
    case "xds": return xdsGroup(h, info);
  }
  if (s === null || info === null) return undefined; // no stream info (root context)
  switch (name) {
    case "request": return requestGroup(h, s, info);
    case "response": return responseGroup(h, s, info);
    case "connection": return connectionGroup(h);
    case "source": return peerGroup(h, "source");
    case "destination": return peerGroup(h, "destination");
    case "upstream": return upstreamGroup(h, info);
    case "metadata": return metadataMessage(h, "metadata");
    case "filter_state": return filterStateGroup(s);
    case "upstream_filter_state": return { kind: "map", get: () => undefined, keys: null };
    case "connection_id": return connectionId(h);
  }
  // step 3: proxy_set_property's filter state, looked up by the first segment only (Envoy)
  const state = s.filterState.get(FILTER_STATE_PREFIX + name);
  return state === undefined ? undefined : { kind: "bytes", value: state };
}

/** Catalogue attributes that need stream info: NotFound in a root context, even when the test set them. */
const STREAM_ATTRIBUTES = new Set([
  "request", "response", "connection", "source", "destination", "upstream", "metadata", "filter_state",
  "upstream_filter_state", "connection_id",
]);

function needsStream(path: string[]): boolean {
  if (STREAM_ATTRIBUTES.has(path[0] ?? "")) return true;
  return path[0] === "xds" && path.length > 1 && path[1] !== "node";
}

/** proxy_get_property: the bytes to return, or the status (NotFound, SerializationFailure). */
export function resolveProperty(h: ImportContext, path: string[]): Uint8Array | number {
  const stream = h.effective().stream;
  if (stream === null && needsStream(path)) return WasmResult.NotFound; // Envoy: no stream info here
  const user = userValue(h, path);
  if (user !== undefined) return user;
  let v = topLevel(h, path[0] ?? "", stream);
  for (let i = 1; i < path.length && v !== undefined; i++) v = step(v, path[i]);
  return v === undefined ? WasmResult.NotFound : serialize(v);
}

/** proxy_set_property: Envoy's filter-state key for a raw (NUL-joined) path. */
export function filterStateKey(path: string[]): string {
  return FILTER_STATE_PREFIX + propertyKey(path);
}
