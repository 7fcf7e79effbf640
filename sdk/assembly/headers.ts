// Header, trailer and metadata maps (proxy_*_header_map_*), proxy-runtime style.

import { HeaderMapType, WasmResult } from "./abi/enums";
import {
  proxy_add_header_map_value, proxy_get_header_map_pairs, proxy_get_header_map_size,
  proxy_get_header_map_value, proxy_remove_header_map_value, proxy_replace_header_map_value,
  proxy_set_header_map_pairs,
} from "./abi/imports";
import {
  OUT_PTR, OUT_SIZE, OUT_U32, prepareStringOut, encode1, encodeAt, maxUtf8, releaseOut, scratchBase,
  scratchReserve, takeString,
} from "./abi/memory";
import { HeaderPair, decodePairsAt, encodePairsAt, pairsSize } from "./abi/pairs";
import { countRefusedHeaderWrite, HeaderWritePolicy, header_write_policy, hasForbiddenHeaderBytes } from "./header-safety";

export { HeaderPair };
/** An ordered list of header pairs (repeats allowed). */
export type Headers = Array<HeaderPair>;

let lastHeaderResult: WasmResult = WasmResult.Ok;

/** Status of the most recent header-map host call made through this module. */
export function last_header_result(): WasmResult {
  return lastHeaderResult;
}

/** Reads the first value of `key` in `map`; null when absent or the map is not available. */
export function get_header_map_value_or_null(map: HeaderMapType, key: string): string | null {
  const kl = encode1(key);
  prepareStringOut();
  const r = proxy_get_header_map_value(<u32>map, scratchBase(), kl, OUT_PTR, OUT_SIZE);
  lastHeaderResult = r;
  if (r != WasmResult.Ok) {
    releaseOut();
    return null;
  }
  return takeString();
}

/** All pairs of `map` (empty when the map is not available). */
export function get_header_map_pairs(map: HeaderMapType): Headers {
  prepareStringOut();
  const r = proxy_get_header_map_pairs(<u32>map, OUT_PTR, OUT_SIZE);
  lastHeaderResult = r;
  // Decoded straight from the host's buffer (the pairs are copied), then the buffer is released.
  const pairs = r == WasmResult.Ok
    ? decodePairsAt(<usize>load<u32>(OUT_PTR), <usize>load<u32>(OUT_SIZE))
    : new Array<HeaderPair>();
  releaseOut();
  return pairs;
}

/** Whether any name or value of `headers` holds CR, LF or NUL. */
function pairsHoldForbiddenBytes(headers: Headers): bool {
  for (let i = 0; i < headers.length; i++) {
    const h = unchecked(headers[i]);
    if (hasForbiddenHeaderBytes(changetype<usize>(h.key), <usize>h.key.byteLength)) return true;
    if (hasForbiddenHeaderBytes(changetype<usize>(h.value), <usize>h.value.byteLength)) return true;
  }
  return false;
}

/** The answer to a refused write: nothing reaches the host (header-safety.ts). */
function refuse(): WasmResult {
  countRefusedHeaderWrite();
  lastHeaderResult = WasmResult.BadArgument;
  return WasmResult.BadArgument;
}

/**
 * Replaces the whole map with `headers` (in order). Refused (BadArgument, nothing written) when a
 * name or value holds CR, LF or NUL, unless `unchecked` or the VM's policy allows it.
 */
export function set_header_map_pairs(map: HeaderMapType, headers: Headers, unchecked: bool = false): WasmResult {
  if (!unchecked && header_write_policy() == HeaderWritePolicy.Refuse && pairsHoldForbiddenBytes(headers)) return refuse();
  const size = pairsSize(headers);
  const p = scratchReserve(size);
  encodePairsAt(headers, p);
  const r = proxy_set_header_map_pairs(<u32>map, p, size);
  lastHeaderResult = r;
  return r;
}

// The string operations encode key and value back to back in the scratch area, then check the
// bytes (CR, LF, NUL refused unless unchecked or allowed by policy) before calling the host.
function keyValueCall(op: i32, map: HeaderMapType, key: string, value: string, unchecked: bool): WasmResult {
  const p = scratchReserve(maxUtf8(key) + maxUtf8(value));
  const kl = encodeAt(key, p);
  const vl = encodeAt(value, p + kl);
  if (!unchecked && header_write_policy() == HeaderWritePolicy.Refuse && hasForbiddenHeaderBytes(p, kl + vl)) return refuse();
  let r: WasmResult;
  if (op == 0) r = proxy_add_header_map_value(<u32>map, p, kl, p + kl, vl);
  else r = proxy_replace_header_map_value(<u32>map, p, kl, p + kl, vl);
  lastHeaderResult = r;
  return r;
}

/** Appends an entry; BadArgument (nothing written) for CR, LF or NUL unless `unchecked` (header-safety.ts). */
export function add_header_map_value_string(map: HeaderMapType, key: string, value: string, unchecked: bool = false): WasmResult {
  return keyValueCall(0, map, key, value, unchecked);
}

/** Replaces every entry of `key` by one; BadArgument (nothing written) for CR, LF or NUL unless `unchecked`. */
export function replace_header_map_value_string(map: HeaderMapType, key: string, value: string, unchecked: bool = false): WasmResult {
  return keyValueCall(1, map, key, value, unchecked);
}

export function remove_header_map_value_string(map: HeaderMapType, key: string): WasmResult {
  const kl = encode1(key);
  const r = proxy_remove_header_map_value(<u32>map, scratchBase(), kl);
  lastHeaderResult = r;
  return r;
}

/** Envoy's byte size of the map (sum of key and value lengths); -1 when not available. */
export function get_header_map_size(map: HeaderMapType): i64 {
  store<u32>(OUT_U32, 0);
  const r = proxy_get_header_map_size(<u32>map, OUT_U32);
  lastHeaderResult = r;
  if (r != WasmResult.Ok) return -1;
  return <i64>load<u32>(OUT_U32);
}

function asciiEqualsIgnoreCase(a: usize, b: usize, n: usize): bool {
  for (let i: usize = 0; i < n; i++) {
    let x = <u32>load<u8>(a + i);
    let y = <u32>load<u8>(b + i);
    if (x - 0x41 < 26) x |= 0x20;
    if (y - 0x41 < 26) y |= 0x20;
    if (x != y) return false;
  }
  return true;
}

/** One header map of the current stream (request/response headers or trailers, callout maps). */
export class HeaderStreamManipulator {
  typ: HeaderMapType;

  constructor(typ: HeaderMapType) {
    this.typ = typ;
  }

  /** First value of `key`, or "" when absent or the map is not available now. */
  get(key: string): string {
    const v = get_header_map_value_or_null(this.typ, key);
    return v !== null ? v : "";
  }

  /** First value of `key`, or null when absent / not available (tells "" and absent apart). */
  get_or_null(key: string): string | null {
    return get_header_map_value_or_null(this.typ, key);
  }

  /** Whether `key` is present. */
  has(key: string): bool {
    return get_header_map_value_or_null(this.typ, key) !== null;
  }

  /** Every value of `key` in map order (repeated headers); names compare ASCII case-insensitively. */
  get_all(key: string): Array<string> {
    const out = new Array<string>();
    const want = String.UTF8.encode(key);
    const wl = want.byteLength;
    const pairs = get_header_map_pairs(this.typ);
    for (let i = 0; i < pairs.length; i++) {
      const p = unchecked(pairs[i]);
      if (p.key.byteLength == wl && asciiEqualsIgnoreCase(changetype<usize>(p.key), changetype<usize>(want), <usize>wl)) {
        out.push(p.valueString());
      }
    }
    return out;
  }

  /**
   * Appends an entry (a repeated name becomes a second entry). A name or value holding CR, LF or
   * NUL is refused: BadArgument, nothing written (see header-safety.ts; add_unchecked writes it).
   */
  add(key: string, value: string): WasmResult {
    return add_header_map_value_string(this.typ, key, value);
  }

  /** Removes every entry named `key`, then adds one with `value` (CR, LF, NUL refused as for add). */
  replace(key: string, value: string): WasmResult {
    return replace_header_map_value_string(this.typ, key, value);
  }

  /** add without the CR/LF/NUL check: the filter answers for what the peer receives. */
  add_unchecked(key: string, value: string): WasmResult {
    return add_header_map_value_string(this.typ, key, value, true);
  }

  /** replace without the CR/LF/NUL check. */
  replace_unchecked(key: string, value: string): WasmResult {
    return replace_header_map_value_string(this.typ, key, value, true);
  }

  /** Removes every entry named `key` (absent is not an error). */
  remove(key: string): WasmResult {
    return remove_header_map_value_string(this.typ, key);
  }

  /** All entries in order, repeats included. */
  get_headers(): Headers {
    return get_header_map_pairs(this.typ);
  }

  /** Replaces all entries (refused whole, BadArgument, when any name or value holds CR, LF or NUL). */
  set_headers(headers: Headers): WasmResult {
    return set_header_map_pairs(this.typ, headers);
  }

  /** set_headers without the CR/LF/NUL check. */
  set_headers_unchecked(headers: Headers): WasmResult {
    return set_header_map_pairs(this.typ, headers, true);
  }

  /** Envoy's byte size of the map (Σ key+value lengths), -1 when not available. */
  size(): i64 {
    return get_header_map_size(this.typ);
  }
}

/** The request / response / HTTP-callout variants of one kind of map. */
export class HeaderMapManipulator {
  request: HeaderStreamManipulator;
  response: HeaderStreamManipulator;
  http_callback: HeaderStreamManipulator;

  constructor(request: HeaderStreamManipulator, response: HeaderStreamManipulator, http_callback: HeaderStreamManipulator) {
    this.request = request;
    this.response = response;
    this.http_callback = http_callback;
  }
}
