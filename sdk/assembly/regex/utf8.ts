// UTF-8 helpers of the regex engine: reusable module buffers (grown geometrically, never freed,
// like the SDK's scratch area) and conversions between strings, bytes and offsets.

import { decodeAt } from "./vm";

/** A growable byte buffer (raw heap memory, reused by every call). */
export class ByteBuffer {
  ptr: usize = 0;
  cap: usize = 0;
  len: i32 = 0;

  reserve(n: usize): usize {
    if (n > this.cap) {
      let cap = this.cap < 256 ? <usize>256 : this.cap;
      while (cap < n) cap <<= 1;
      this.ptr = this.ptr == 0 ? heap.alloc(cap) : heap.realloc(this.ptr, cap);
      this.cap = cap;
    }
    return this.ptr;
  }

  /** Appends `n` bytes from `src`. */
  append(src: usize, n: i32): void {
    if (n <= 0) return;
    this.reserve(<usize>this.len + <usize>n);
    memory.copy(this.ptr + <usize>this.len, src, <usize>n);
    this.len += n;
  }

  appendByte(b: u8): void {
    this.reserve(<usize>this.len + 1);
    store<u8>(this.ptr + <usize>this.len, b);
    this.len++;
  }
}

/**
 * Encodes `s` as UTF-8 into `buf` (from offset 0) and returns the byte length. A lone surrogate
 * becomes U+FFFD (3 bytes, like any other BMP code unit outside ASCII). With `strict`, a lone
 * surrogate is encoded as its (invalid) 3-byte WTF-8 form instead, so a strict decoder rejects it.
 */
export function encodeString(s: string, buf: ByteBuffer, strict: bool = false): i32 {
  const n = s.length;
  const dst = buf.reserve(<usize>n * 3 + 1);
  const src = changetype<usize>(s);
  let o: usize = 0;
  for (let i = 0; i < n; i++) {
    let c = <u32>load<u16>(src + (<usize>i << 1));
    if (c < 0x80) {
      store<u8>(dst + o, <u8>c);
      o += 1;
    } else if (c < 0x800) {
      store<u8>(dst + o, <u8>(0xC0 | (c >> 6)));
      store<u8>(dst + o, <u8>(0x80 | (c & 0x3F)), 1);
      o += 2;
    } else {
      if ((c & 0xFC00) == 0xD800 && i + 1 < n) {
        const c2 = <u32>load<u16>(src + (<usize>(i + 1) << 1));
        if ((c2 & 0xFC00) == 0xDC00) {
          c = 0x10000 + (((c & 0x3FF) << 10) | (c2 & 0x3FF));
          store<u8>(dst + o, <u8>(0xF0 | (c >> 18)));
          store<u8>(dst + o, <u8>(0x80 | ((c >> 12) & 0x3F)), 1);
          store<u8>(dst + o, <u8>(0x80 | ((c >> 6) & 0x3F)), 2);
          store<u8>(dst + o, <u8>(0x80 | (c & 0x3F)), 3);
          o += 4;
          i++;
          continue;
        }
      }
      if ((c & 0xF800) == 0xD800 && !strict) c = 0xFFFD;
      store<u8>(dst + o, <u8>(0xE0 | (c >> 12)));
      store<u8>(dst + o, <u8>(0x80 | ((c >> 6) & 0x3F)), 1);
      store<u8>(dst + o, <u8>(0x80 | (c & 0x3F)), 2);
      o += 3;
    }
  }
  buf.len = <i32>o;
  return <i32>o;
}

/** UTF-16 index in `s` of the character that starts at UTF-8 byte offset `byteOffset` (see encodeString). */
export function utf16IndexOf(s: string, byteOffset: i32): i32 {
  const n = s.length;
  const src = changetype<usize>(s);
  let bytes = 0;
  let i = 0;
  while (i < n && bytes < byteOffset) {
    const c = <u32>load<u16>(src + (<usize>i << 1));
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if ((c & 0xFC00) == 0xD800 && i + 1 < n && (<u32>load<u16>(src + (<usize>(i + 1) << 1)) & 0xFC00) == 0xDC00) {
      bytes += 4;
      i++;
    } else bytes += 3;
    i++;
  }
  return i;
}

/** Decodes [ptr, ptr+len) as the engine reads it: each byte of an invalid sequence is U+FFFD. */
export function decodeBytes(ptr: usize, len: i32): string {
  if (len <= 0) return "";
  // at most one UTF-16 unit per byte (a 4-byte sequence gives 2 units)
  const out = changetype<usize>(__new(<usize>len << 1, idof<String>()));
  let o: usize = 0;
  let p = 0;
  while (p < len) {
    const rw = decodeAt(ptr, len, p);
    let c = <u32>(rw >> 3);
    p += rw & 7;
    if (c >= 0x10000) {
      c -= 0x10000;
      store<u16>(out + o, <u16>(0xD800 | (c >> 10)));
      store<u16>(out + o, <u16>(0xDC00 | (c & 0x3FF)), 2);
      o += 4;
    } else {
      store<u16>(out + o, <u16>c);
      o += 2;
    }
  }
  return changetype<string>(__renew(out, o));
}
