// UTF-8 → string, for bytes from the wire. AssemblyScript's own decoder is not safe on invalid
// input: it swallows bytes (61 C3 62 "a\xC3b" decodes as "aâ", losing the "b") and decodes
// overlong forms (C0 AF as "/"), which would let a header value smuggle an ASCII character past a
// check. This decoder follows the WHATWG Encoding standard: each maximal invalid subpart becomes
// one U+FFFD, overlong forms, surrogates and code points past U+10FFFF are invalid — the same
// strings Node's Buffer#toString("utf8") and TextDecoder give. Used wherever the SDK turns host
// bytes into strings (header maps, properties, buffers read as text).

/** Decodes `len` bytes at `ptr`; never traps. */
export function decodeUtf8Lossy(ptr: usize, len: usize): string {
  if (len == 0) return "";
  // every byte yields at most one UTF-16 unit (a 4-byte sequence yields two for its four bytes)
  const units = heap.alloc(len << 1);
  let n: usize = 0;
  let needed = 0;
  let seen = 0;
  let cp: u32 = 0;
  let lower: u32 = 0x80;
  let upper: u32 = 0xbf;
  for (let i: usize = 0; i < len; i++) {
    const b = <u32>load<u8>(ptr + i);
    if (needed == 0) {
      if (b < 0x80) {
        store<u16>(units + (n++ << 1), <u16>b);
      } else if (b >= 0xc2 && b <= 0xdf) {
        needed = 1;
        cp = b & 0x1f;
      } else if (b >= 0xe0 && b <= 0xef) {
        if (b == 0xe0) lower = 0xa0;
        if (b == 0xed) upper = 0x9f;
        needed = 2;
        cp = b & 0x0f;
      } else if (b >= 0xf0 && b <= 0xf4) {
        if (b == 0xf0) lower = 0x90;
        if (b == 0xf4) upper = 0x8f;
        needed = 3;
        cp = b & 0x07;
      } else {
        store<u16>(units + (n++ << 1), 0xfffd);
      }
      continue;
    }
    if (b < lower || b > upper) {
      // the sequence so far is one maximal invalid subpart; this byte starts afresh
      needed = 0;
      seen = 0;
      lower = 0x80;
      upper = 0xbf;
      store<u16>(units + (n++ << 1), 0xfffd);
      i--;
      continue;
    }
    lower = 0x80;
    upper = 0xbf;
    cp = (cp << 6) | (b & 0x3f);
    seen++;
    if (seen == needed) {
      if (cp > 0xffff) {
        const v = cp - 0x10000;
        store<u16>(units + (n++ << 1), <u16>(0xd800 + (v >> 10)));
        store<u16>(units + (n++ << 1), <u16>(0xdc00 + (v & 0x3ff)));
      } else {
        store<u16>(units + (n++ << 1), <u16>cp);
      }
      needed = 0;
      seen = 0;
      cp = 0;
    }
  }
  if (needed != 0) store<u16>(units + (n++ << 1), 0xfffd);
  const s = String.UTF16.decodeUnsafe(units, n << 1);
  heap.free(units);
  return s;
}

/** decodeUtf8Lossy over an ArrayBuffer. */
export function decodeUtf8Buffer(buf: ArrayBuffer): string {
  return decodeUtf8Lossy(changetype<usize>(buf), <usize>buf.byteLength);
}
