// Header-map pairs wire format (ABI reference §9.1), raw layer.
//
//   u32 N | N x (u32 key_len, u32 value_len) | N x (key bytes, 0x00, value bytes, 0x00)
//
// All integers little-endian. Decoding never traps: any inconsistency (counts or lengths that
// overrun the buffer, missing NUL terminators, trailing bytes) yields an empty list, which is how
// cpp-host treats malformed input in the other direction.

/** One header (or metadata / trailer) entry; key and value are raw bytes (usually UTF-8). */
import { decodeUtf8Buffer } from "../utf8";

export class HeaderPair {
  key: ArrayBuffer;
  value: ArrayBuffer;

  constructor(key: ArrayBuffer, value: ArrayBuffer) {
    this.key = key;
    this.value = value;
  }

  /** Builds a pair from two strings (UTF-8 encoded). */
  static of(key: string, value: string): HeaderPair {
    return new HeaderPair(String.UTF8.encode(key), String.UTF8.encode(value));
  }

  /** The key decoded as UTF-8. */
  keyString(): string {
    return decodeUtf8Buffer(this.key);
  }

  /** The value decoded as UTF-8. */
  valueString(): string {
    return decodeUtf8Buffer(this.value);
  }

  toString(): string {
    return this.keyString() + ":" + this.valueString();
  }
}

/** Serialized size of `pairs` in bytes. */
export function pairsSize(pairs: Array<HeaderPair>): usize {
  let size: usize = 4;
  for (let i = 0, n = pairs.length; i < n; i++) {
    const p = unchecked(pairs[i]);
    size += 10 + <usize>p.key.byteLength + <usize>p.value.byteLength;
  }
  return size;
}

/** Writes `pairs` at `dst` (which must have pairsSize(pairs) bytes); returns the size written. */
export function encodePairsAt(pairs: Array<HeaderPair>, dst: usize): usize {
  const n = pairs.length;
  store<u32>(dst, <u32>n);
  let lens = dst + 4;
  let data = dst + 4 + (<usize>n << 3);
  for (let i = 0; i < n; i++) {
    const p = unchecked(pairs[i]);
    const kl = <usize>p.key.byteLength;
    const vl = <usize>p.value.byteLength;
    store<u32>(lens, <u32>kl);
    store<u32>(lens, <u32>vl, 4);
    lens += 8;
    memory.copy(data, changetype<usize>(p.key), kl);
    data += kl;
    store<u8>(data, 0);
    data++;
    memory.copy(data, changetype<usize>(p.value), vl);
    data += vl;
    store<u8>(data, 0);
    data++;
  }
  return data - dst;
}

/** Serializes `pairs` into a new ArrayBuffer. */
export function encodePairs(pairs: Array<HeaderPair>): ArrayBuffer {
  const buf = new ArrayBuffer(<i32>pairsSize(pairs));
  encodePairsAt(pairs, changetype<usize>(buf));
  return buf;
}

/**
 * Number of pairs in a well-formed buffer at ptr/size, or -1 when it is malformed. An absent or
 * empty buffer (ptr 0, size 0, a lone 0x00, or N = 0) is a valid empty map (0).
 */
export function validatePairs(ptr: usize, size: usize): i32 {
  if (ptr == 0 || size == 0) return 0;
  if (size < 4) return size == 1 && load<u8>(ptr) == 0 ? 0 : -1;
  const n = <u64>load<u32>(ptr);
  if (n == 0) return size == 4 ? 0 : -1;
  if (n > (<u64>size - 4) / 8) return -1;
  const end = <u64>ptr + <u64>size;
  let off = <u64>ptr + 4 + n * 8;
  let lens = ptr + 4;
  for (let i: u64 = 0; i < n; i++) {
    const kl = <u64>load<u32>(lens);
    const vl = <u64>load<u32>(lens, 4);
    lens += 8;
    if (kl + vl + 2 > end - off) return -1;
    if (load<u8>(<usize>(off + kl)) != 0) return -1;
    off += kl + 1;
    if (load<u8>(<usize>(off + vl)) != 0) return -1;
    off += vl + 1;
  }
  if (off != end) return -1;
  return <i32>n;
}

/** Decodes the pairs at ptr/size (copying the bytes). Malformed input gives an empty array. */
export function decodePairsAt(ptr: usize, size: usize): Array<HeaderPair> {
  const n = validatePairs(ptr, size);
  const out = new Array<HeaderPair>();
  if (n <= 0) return out;
  let lens = ptr + 4;
  let data = ptr + 4 + (<usize>n << 3);
  for (let i = 0; i < n; i++) {
    const kl = <i32>load<u32>(lens);
    const vl = <i32>load<u32>(lens, 4);
    lens += 8;
    const key = new ArrayBuffer(kl);
    memory.copy(changetype<usize>(key), data, <usize>kl);
    data += <usize>kl + 1;
    const value = new ArrayBuffer(vl);
    memory.copy(changetype<usize>(value), data, <usize>vl);
    data += <usize>vl + 1;
    out.push(new HeaderPair(key, value));
  }
  return out;
}

/** Decodes a pairs buffer. Malformed input gives an empty array. */
export function decodePairs(buf: ArrayBuffer): Array<HeaderPair> {
  return decodePairsAt(changetype<usize>(buf), <usize>buf.byteLength);
}
