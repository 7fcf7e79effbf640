// Property value encodings, byte for byte as Envoy's `serializeValue` writes them (§9.4):
//
//   string / bytes      raw bytes, no terminator
//   int / uint          8 bytes little-endian (two's complement for int)
//   double              8 bytes IEEE-754 little-endian
//   bool                1 byte, 0 or 1
//   duration            int64 nanoseconds, 8 bytes LE
//   timestamp           int64 nanoseconds since the Unix epoch, 8 bytes LE
//   map                 pairs format (§9.1), keys and values serialized by these same rules
//   list                list format (§9.2): pairs whose keys are the elements and values are empty
//   protobuf message    protobuf binary wire format (a null message → empty)
//
// plus the values a test hands to `createHost({ properties })` / `host.setProperty` (PropertyValue).

import { utf8 } from "../memory.ts";
import { encodeBytePairs } from "../pairs.ts";

// the §9.1 wire format lives in pairs.ts; map-valued properties use its raw-bytes form
export { encodeBytePairs };

// ---- scalars ------------------------------------------------------------------------------------

export function encodeString(s: string): Uint8Array {
  return utf8(s);
}

export function encodeInt64(v: bigint | number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigInt64(0, BigInt.asIntN(64, typeof v === "bigint" ? v : BigInt(Math.trunc(v))), true);
  return out;
}

export function encodeUint64(v: bigint | number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt.asUintN(64, typeof v === "bigint" ? v : BigInt(Math.trunc(v))), true);
  return out;
}

export function encodeDouble(v: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setFloat64(0, v, true);
  return out;
}

export function encodeBool(v: boolean): Uint8Array {
  return Uint8Array.of(v ? 1 : 0);
}

/** CEL timestamp: int64 ns since the Unix epoch (absl::ToUnixNanos). */
export function encodeTimestamp(ns: bigint): Uint8Array {
  return encodeInt64(ns);
}

/** CEL duration: int64 ns (absl::ToInt64Nanoseconds). */
export function encodeDuration(ns: bigint): Uint8Array {
  return encodeInt64(ns);
}

// ---- containers ---------------------------------------------------------------------------------

/** §9.2: each element is a key with an empty value. */
export function encodeList(items: ReadonlyArray<Uint8Array>): Uint8Array {
  const empty = new Uint8Array(0);
  return encodeBytePairs(items.map((i) => [i, empty] as const));
}

// ---- protobuf wire format (just what Node / Metadata / Struct / Locality need) -------------------

export class ProtoWriter {
  private parts: number[] = [];

  private varint(v: bigint | number): void {
    let x = BigInt.asUintN(64, BigInt(v));
    while (x >= 0x80n) {
      this.parts.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.parts.push(Number(x));
  }

  private tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  /** length-delimited (wire type 2) */
  bytes(field: number, b: Uint8Array): this {
    this.tag(field, 2);
    this.varint(b.length);
    for (const x of b) this.parts.push(x);
    return this;
  }

  /** proto3 string: omitted when empty */
  string(field: number, s: string): this {
    return s === "" ? this : this.bytes(field, utf8(s));
  }

  message(field: number, m: Uint8Array): this {
    return this.bytes(field, m);
  }

  /** wire type 1, little-endian IEEE-754 */
  double(field: number, v: number): this {
    this.tag(field, 1);
    for (const x of encodeDouble(v)) this.parts.push(x);
    return this;
  }

  /** varint field (bool, enum, int); written even when 0 (needed inside oneofs) */
  varintField(field: number, v: bigint | number | boolean): this {
    this.tag(field, 0);
    this.varint(typeof v === "boolean" ? (v ? 1 : 0) : v);
    return this;
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

// ---- values set by tests ------------------------------------------------------------------------

/**
 * A property value a test sets: string (UTF-8), bytes (as is), number / bigint (int64 LE; a
 * timestamp or duration in ns encodes the same), boolean (1 byte), `{ double }` (8-byte IEEE),
 * `{ uint }` (uint64 LE), `{ list }` (§9.2), `{ map }` (§9.1, values encoded recursively), or
 * `null`: the attribute is absent (`NotFound`) even where the mock has a default.
 */
export type PropertyValue =
  | string | Uint8Array | number | bigint | boolean | null
  | { double: number }
  | { uint: bigint | number }
  | { list: PropertyValue[] }
  | { map: Record<string, PropertyValue> | ReadonlyArray<readonly [string, PropertyValue]> };

/**
 * What `encodePropertyValue(null)` returns: a marker the resolver answers `NotFound` for (the
 * property table stores bytes, so "absent" needs a byte value of its own, compared by identity).
 */
export const ABSENT: Uint8Array = new Uint8Array(0);

/** The typed value each encoded test property came from (for traversal into test-set maps / lists). */
const typedSource = new WeakMap<Uint8Array, PropertyValue>();

export function mapEntries(m: { map: Record<string, PropertyValue> | ReadonlyArray<readonly [string, PropertyValue]> }): Array<readonly [string, PropertyValue]> {
  return Array.isArray(m.map) ? [...(m.map as ReadonlyArray<readonly [string, PropertyValue]>)] : Object.entries(m.map);
}

function encodeTyped(v: PropertyValue): Uint8Array {
  if (v === null) return ABSENT;
  if (typeof v === "string") return encodeString(v);
  if (v instanceof Uint8Array) return v.slice();
  if (typeof v === "boolean") return encodeBool(v);
  if (typeof v === "number" || typeof v === "bigint") return encodeInt64(v);
  if ("double" in v) return encodeDouble(v.double);
  if ("uint" in v) return encodeUint64(v.uint);
  if ("list" in v) return encodeList(v.list.map(encodeTyped));
  return encodeBytePairs(mapEntries(v).map(([k, x]) => [encodeString(k), encodeTyped(x)] as const));
}

/** Test value → the bytes `proxy_get_property` returns for it (§9.4). */
export function encodePropertyValue(v: PropertyValue): Uint8Array {
  const bytes = encodeTyped(v);
  if (bytes !== ABSENT) typedSource.set(bytes, v);
  return bytes;
}

/** The typed value a stored test property was encoded from (undefined for bytes from elsewhere). */
export function typedOf(bytes: Uint8Array): PropertyValue | undefined {
  return typedSource.get(bytes);
}

/** Key of a property path in the test-set and filter-state tables: segments joined by NUL (§9.3). */
export function propertyKey(path: ReadonlyArray<string>): string {
  return path.join("\0");
}
