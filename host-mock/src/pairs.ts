// Header-map pairs wire format (§9.1), used by get/set_header_map_pairs, send_local_response and
// map-valued properties:
//   u32 N | N × (u32 key_len, u32 value_len) | N × (key bytes, 0x00, value bytes, 0x00)
// All integers little-endian. Parsing follows cpp-host's rules: anything malformed (overrunning
// lengths, missing NUL, trailing bytes, size > 1 MiB, N > 1024) decodes as an EMPTY map, no error.

import { fromUtf8, utf8 } from "./memory.ts";

export type HeaderPairs = Array<[string, string]>;

export const MAX_PAIRS_SIZE = 1024 * 1024;
export const MAX_PAIRS_COUNT = 1024;

export function encodePairs(pairs: ReadonlyArray<readonly [string, string]>): Uint8Array {
  // One buffer, strings written into it by Node's native UTF-8 encoder (the same bytes TextEncoder
  // gives, lone surrogates as U+FFFD): every header map a filter reads passes through here.
  let size = 4;
  const lengths = new Array<number>(pairs.length * 2);
  for (let i = 0; i < pairs.length; i++) {
    const k = Buffer.byteLength(pairs[i][0], "utf8");
    const v = Buffer.byteLength(pairs[i][1], "utf8");
    lengths[2 * i] = k;
    lengths[2 * i + 1] = v;
    size += 8 + k + 1 + v + 1;
  }
  const out = Buffer.alloc(size);
  out.writeUInt32LE(pairs.length, 0);
  let p = 4;
  for (let i = 0; i < pairs.length; i++) {
    out.writeUInt32LE(lengths[2 * i], p);
    out.writeUInt32LE(lengths[2 * i + 1], p + 4);
    p += 8;
  }
  for (let i = 0; i < pairs.length; i++) {
    p += out.write(pairs[i][0], p, "utf8") + 1; // NUL already 0
    p += out.write(pairs[i][1], p, "utf8") + 1;
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** The same wire format over raw bytes (map-valued properties whose values are not text). */
export function encodeBytePairs(enc: ReadonlyArray<readonly [Uint8Array, Uint8Array]>): Uint8Array {
  let size = 4;
  for (const [k, v] of enc) size += 8 + k.length + 1 + v.length + 1;
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, enc.length, true);
  let p = 4;
  for (const [k, v] of enc) {
    dv.setUint32(p, k.length, true);
    dv.setUint32(p + 4, v.length, true);
    p += 8;
  }
  for (const [k, v] of enc) {
    out.set(k, p);
    p += k.length + 1; // NUL already 0
    out.set(v, p);
    p += v.length + 1;
  }
  return out;
}

/** Decodes pairs; malformed input → `[]` (cpp-host treats it as an empty map). */
export function decodePairs(bytes: Uint8Array): HeaderPairs {
  if (bytes.length < 4 || bytes.length > MAX_PAIRS_SIZE) return [];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = dv.getUint32(0, true);
  if (n > MAX_PAIRS_COUNT) return [];
  let p = 4 + n * 8;
  if (p > bytes.length) return [];
  const out: HeaderPairs = [];
  for (let i = 0; i < n; i++) {
    const kl = dv.getUint32(4 + i * 8, true);
    const vl = dv.getUint32(8 + i * 8, true);
    if (p + kl + 1 + vl + 1 > bytes.length) return [];
    if (bytes[p + kl] !== 0) return [];
    const k = fromUtf8(bytes.subarray(p, p + kl));
    p += kl + 1;
    if (bytes[p + vl] !== 0) return [];
    const v = fromUtf8(bytes.subarray(p, p + vl));
    p += vl + 1;
    out.push([k, v]);
  }
  if (p !== bytes.length) return [];
  return out;
}
