// UTF-8 → string, for bytes from the wire. AssemblyScript's own decoder is not safe on invalid
// input: it swallows bytes (61 C3 62 "a\xC3b" decodes as "aâ", losing the "b") and decodes
// overlong forms (C0 AF as "/"), which would let a header value smuggle an ASCII character past a
// check. This decoder follows the WHATWG Encoding standard: each maximal invalid subpart becomes
// one U+FFFD, overlong forms, surrogates and code points past U+10FFFF are invalid — the same
// strings Node's Buffer#toString("utf8") and TextDecoder give. Used wherever the SDK turns host
// bytes into strings (header maps, properties, buffers read as text).

/**
 * The UTF-8 sequence at `ptr` (`len` > 0 bytes readable): k > 0 when a well-formed sequence of k
 * bytes starts there; -k when the first k bytes are one maximal invalid subpart (one U+FFFD in
 * WHATWG decoding; an invalid lead or stray continuation byte is a subpart of one). The one place
 * the SDK decides what well-formed UTF-8 is: the lossy decoder and the JSON parser share it.
 */
export function utf8Sequence(ptr: usize, len: usize): i32 {
  const b = <u32>load<u8>(ptr);
  if (b < 0x80) return 1;
  let need = 0;
  let lo: u32 = 0x80;
  let hi: u32 = 0xbf;
  if (b >= 0xc2 && b <= 0xdf) need = 1;
  else if (b >= 0xe0 && b <= 0xef) {
    need = 2;
    if (b == 0xe0) lo = 0xa0; // overlong
    else if (b == 0xed) hi = 0x9f; // surrogates
  } else if (b >= 0xf0 && b <= 0xf4) {
    need = 3;
    if (b == 0xf0) lo = 0x90; // overlong
    else if (b == 0xf4) hi = 0x8f; // past U+10FFFF
  } else return -1;
  for (let k = 1; k <= need; k++) {
    if (<usize>k >= len) return -k;
    const c = <u32>load<u8>(ptr + <usize>k);
    if (c < lo || c > hi) return -k;
    lo = 0x80;
    hi = 0xbf;
  }
  return need + 1;
}

/** Decodes `len` bytes at `ptr`; never traps. */
export function decodeUtf8Lossy(ptr: usize, len: usize): string {
  if (len == 0) return "";
  // every byte yields at most one UTF-16 unit (a 4-byte sequence yields two for its four bytes)
  const units = heap.alloc(len << 1);
  let n: usize = 0;
  let i: usize = 0;
  while (i < len) {
    const k = utf8Sequence(ptr + i, len - i);
    if (k < 0) {
      store<u16>(units + (n++ << 1), 0xfffd);
      i += <usize>-k;
      continue;
    }
    let cp = <u32>load<u8>(ptr + i);
    if (k > 1) {
      cp &= 0x7f >> k;
      for (let j = 1; j < k; j++) cp = (cp << 6) | (<u32>load<u8>(ptr + i + <usize>j) & 0x3f);
    }
    if (cp > 0xffff) {
      const v = cp - 0x10000;
      store<u16>(units + (n++ << 1), <u16>(0xd800 + (v >> 10)));
      store<u16>(units + (n++ << 1), <u16>(0xdc00 + (v & 0x3ff)));
    } else {
      store<u16>(units + (n++ << 1), <u16>cp);
    }
    i += <usize>k;
  }
  const s = String.UTF16.decodeUnsafe(units, n << 1);
  heap.free(units);
  return s;
}

/** decodeUtf8Lossy over an ArrayBuffer. */
export function decodeUtf8Buffer(buf: ArrayBuffer): string {
  return decodeUtf8Lossy(changetype<usize>(buf), <usize>buf.byteLength);
}
