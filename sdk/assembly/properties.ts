// Properties (proxy_get_property / proxy_set_property).
//
// A path is either an array of segments (`["request", "headers", "x-id"]`, exact) or a string:
// a string containing NUL bytes is used as the raw wire path, otherwise it is split on '.'
// (`"request.path"`, `"plugin_root_id"`). Use the array form when a segment contains a dot.
// Wire format: segments joined by a single 0x00 (reference §9.3). Values: §9.4.

import { WasmResult } from "./abi/enums";
import { proxy_get_property, proxy_set_property } from "./abi/imports";
import {
  OUT_PTR, OUT_SIZE, clearOut, encodeAt, maxUtf8, prepareStringOut, releaseOut, scratchReserve,
  takeBytes, takeString,
} from "./abi/memory";

let lastPropertyResult: WasmResult = WasmResult.Ok;
let pathBytes: usize = 0;

/** Status of the most recent property host call made through this module. */
export function last_property_result(): WasmResult {
  return lastPropertyResult;
}

/** Encodes a path into the scratch area (`extra` more bytes reserved after it); returns its address. */
function encodePath<P>(path: P, extra: usize): usize {
  if (isArray<P>()) {
    // @ts-ignore: P is Array<string> here
    const segs = changetype<Array<string>>(path);
    let max: usize = extra;
    for (let i = 0; i < segs.length; i++) max += maxUtf8(unchecked(segs[i])) + 1;
    const p = scratchReserve(max);
    let n: usize = 0;
    for (let i = 0; i < segs.length; i++) {
      if (i > 0) { store<u8>(p + n, 0); n++; }
      n += encodeAt(unchecked(segs[i]), p + n);
    }
    pathBytes = n;
    return p;
  } else if (isString<P>()) {
    // @ts-ignore: P is string here
    const s = changetype<string>(path);
    const p = scratchReserve(maxUtf8(s) + extra);
    let n = encodeAt(s, p);
    if (s.indexOf("\0") < 0) {
      // dotted form: '.' -> NUL
      for (let i: usize = 0; i < n; i++) if (load<u8>(p + i) == 0x2E) store<u8>(p + i, 0);
    }
    pathBytes = n;
    return p;
  } else {
    ERROR("property path must be a string or an array of strings");
    return 0;
  }
}

/** Raw property value, or null when missing / not serializable (see last_property_result). */
export function getProperty<P>(path: P): ArrayBuffer | null {
  const p = encodePath<P>(path, 0);
  clearOut();
  const r = proxy_get_property(p, pathBytes, OUT_PTR, OUT_SIZE);
  lastPropertyResult = r;
  if (r != WasmResult.Ok) {
    releaseOut();
    return null;
  }
  return takeBytes();
}

/** proxy-runtime compatible: the value bytes, empty on any error. */
export function get_property(path: string): ArrayBuffer {
  const v = getProperty<string>(path);
  return v !== null ? v : new ArrayBuffer(0);
}

/** Nullable string value (UTF-8). */
export function getPropertyStringOrNull<P>(path: P): string | null {
  const p = encodePath<P>(path, 0);
  prepareStringOut();
  const r = proxy_get_property(p, pathBytes, OUT_PTR, OUT_SIZE);
  lastPropertyResult = r;
  if (r != WasmResult.Ok) {
    releaseOut();
    return null;
  }
  return takeString();
}

/** String value (UTF-8), or `defaultValue` when missing. */
export function getPropertyString<P>(path: P, defaultValue: string = ""): string {
  const v = getPropertyStringOrNull<P>(path);
  return v !== null ? v : defaultValue;
}

/** int64 value (8 bytes LE); `defaultValue` when missing or not 8 bytes long. */
export function getPropertyI64<P>(path: P, defaultValue: i64 = 0): i64 {
  const v = getProperty<P>(path);
  if (v === null || v.byteLength != 8) return defaultValue;
  return load<i64>(changetype<usize>(v));
}

/** uint64 value (8 bytes LE); `defaultValue` when missing or not 8 bytes long. */
export function getPropertyU64<P>(path: P, defaultValue: u64 = 0): u64 {
  const v = getProperty<P>(path);
  if (v === null || v.byteLength != 8) return defaultValue;
  return load<u64>(changetype<usize>(v));
}

/** double value (8 bytes LE IEEE-754); `defaultValue` when missing or not 8 bytes long. */
export function getPropertyF64<P>(path: P, defaultValue: f64 = 0): f64 {
  const v = getProperty<P>(path);
  if (v === null || v.byteLength != 8) return defaultValue;
  return load<f64>(changetype<usize>(v));
}

/** bool value (1 byte); `defaultValue` when missing or not 1 byte long. */
export function getPropertyBool<P>(path: P, defaultValue: bool = false): bool {
  const v = getProperty<P>(path);
  if (v === null || v.byteLength != 1) return defaultValue;
  return load<u8>(changetype<usize>(v)) != 0;
}

/** Sets raw bytes. */
export function setProperty<P>(path: P, value: ArrayBuffer): WasmResult {
  const p = encodePath<P>(path, 0);
  const r = proxy_set_property(p, pathBytes, changetype<usize>(value), <usize>value.byteLength);
  lastPropertyResult = r;
  return r;
}

/** proxy-runtime compatible setter. */
export function set_property(path: string, data: ArrayBuffer): WasmResult {
  return setProperty<string>(path, data);
}

export function setPropertyString<P>(path: P, value: string): WasmResult {
  const p = encodePath<P>(path, maxUtf8(value));
  const plen = pathBytes;
  const vl = encodeAt(value, p + plen);
  const r = proxy_set_property(p, plen, p + plen, vl);
  lastPropertyResult = r;
  return r;
}

function setPropertyScalar<P>(path: P, bits: u64, size: usize): WasmResult {
  const p = encodePath<P>(path, 8);
  const plen = pathBytes;
  if (size == 8) store<u64>(p + plen, bits);
  else store<u8>(p + plen, <u8>bits);
  const r = proxy_set_property(p, plen, p + plen, size);
  lastPropertyResult = r;
  return r;
}

export function setPropertyI64<P>(path: P, value: i64): WasmResult {
  return setPropertyScalar<P>(path, <u64>value, 8);
}

export function setPropertyU64<P>(path: P, value: u64): WasmResult {
  return setPropertyScalar<P>(path, value, 8);
}

export function setPropertyF64<P>(path: P, value: f64): WasmResult {
  return setPropertyScalar<P>(path, reinterpret<u64>(value), 8);
}

export function setPropertyBool<P>(path: P, value: bool): WasmResult {
  return setPropertyScalar<P>(path, value ? 1 : 0, 1);
}
