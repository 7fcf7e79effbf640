// Base64 (RFC 4648 §4 standard and §5 URL-safe alphabets), strict: Basic credentials and htpasswd
// `{SHA}` use the padded standard form, JWS (RFC 7515 §2) the unpadded URL form.
//
// Strict because these decoders sit in front of signature and password checks: if several texts
// decoded to the same bytes (optional padding, ignored whitespace, junk in the unused low bits of
// the last character), a token could be altered without changing its signature's input bytes as
// the verifier sees them, and caches or deny-lists keyed on the text would be bypassed. So every
// byte string has exactly one accepted encoding in each form, and anything else is null — never a
// trap. The byte-input variants decode a slice of a header in place, without making a string.

const STD_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** Character → 6-bit value, 0xff for a character outside the alphabet; one table per alphabet. */
const STD_TABLE = memory.data(256);
const URL_TABLE = memory.data(256);
let tablesReady = false;

function tables(): void {
  if (tablesReady) return;
  memory.fill(STD_TABLE, 0xff, 256);
  memory.fill(URL_TABLE, 0xff, 256);
  for (let i = 0; i < 64; i++) {
    store<u8>(STD_TABLE + <usize>STD_ALPHABET.charCodeAt(i), <u8>i);
    store<u8>(URL_TABLE + <usize>URL_ALPHABET.charCodeAt(i), <u8>i);
  }
  tablesReady = true;
}

/** The 6-bit value of the character at `p` (u8 bytes or u16 UTF-16 units), or 0xff. */
@inline function value<T>(p: usize, table: usize): u32 {
  if (sizeof<T>() == 1) return <u32>load<u8>(table + <usize>load<u8>(p));
  const c = <u32>load<u16>(p);
  return c < 256 ? <u32>load<u8>(table + <usize>c) : 0xff;
}

/**
 * Decodes `n` characters of type T at `ptr`. `padded`: the length must be a multiple of 4 with one
 * or two '=' closing a short last group (standard form); otherwise no '=' at all and any length but
 * 1 mod 4 (URL form). Unused low bits of the last character must be zero.
 */
function decode<T>(ptr: usize, n: i32, table: usize, padded: bool): Uint8Array | null {
  tables();
  const sz = <usize>sizeof<T>();
  let len = n;
  if (padded) {
    if ((n & 3) != 0) return null;
    if (n > 0 && <u32>load<T>(ptr + <usize>(n - 1) * sz) == 61) {
      len--;
      if (<u32>load<T>(ptr + <usize>(n - 2) * sz) == 61) len--;
    }
  } else if ((n & 3) == 1) {
    return null;
  }
  // '=' is outside both tables, so any left in [0, len) is rejected with the other bad characters
  const rem = len & 3; // 0, 2 or 3
  const out = new Uint8Array((len >> 2) * 3 + (rem == 0 ? 0 : rem - 1));
  let o = out.dataStart;
  let p = ptr;
  const full = ptr + <usize>(len >> 2) * 4 * sz;
  let bad: u32 = 0;
  while (p < full) {
    const a = value<T>(p, table);
    const b = value<T>(p + sz, table);
    const c = value<T>(p + 2 * sz, table);
    const d = value<T>(p + 3 * sz, table);
    bad |= a | b | c | d;
    const v = (a << 18) | (b << 12) | (c << 6) | d;
    store<u8>(o, <u8>(v >> 16));
    store<u8>(o, <u8>(v >> 8), 1);
    store<u8>(o, <u8>v, 2);
    o += 3;
    p += 4 * sz;
  }
  if (rem == 2) {
    const a = value<T>(p, table);
    const b = value<T>(p + sz, table);
    bad |= a | b | ((b & 15) != 0 ? 0xff : 0);
    store<u8>(o, <u8>((a << 2) | (b >> 4)));
  } else if (rem == 3) {
    const a = value<T>(p, table);
    const b = value<T>(p + sz, table);
    const c = value<T>(p + 2 * sz, table);
    bad |= a | b | c | ((c & 3) != 0 ? 0xff : 0);
    const v = (a << 10) | (b << 4) | (c >> 2);
    store<u8>(o, <u8>(v >> 8));
    store<u8>(o, <u8>v, 1);
  }
  return (bad & 0x80) != 0 ? null : out;
}

/** Decodes the standard alphabet with the padding RFC 4648 requires (null on anything else). */
export function base64Decode(text: string): Uint8Array | null {
  return decode<u16>(changetype<usize>(text), text.length, STD_TABLE, true);
}

/** Decodes the URL alphabet without padding, as JWS writes it (null on anything else). */
export function base64UrlDecode(text: string): Uint8Array | null {
  return decode<u16>(changetype<usize>(text), text.length, URL_TABLE, false);
}

/** base64Decode of the bytes `bytes[start .. end)`; null also when the range is not inside the array. */
export function base64DecodeBytes(bytes: Uint8Array, start: i32, end: i32): Uint8Array | null {
  if (start < 0 || end < start || end > bytes.length) return null;
  return decode<u8>(bytes.dataStart + <usize>start, end - start, STD_TABLE, true);
}

/** base64UrlDecode of the bytes `bytes[start .. end)`; null also when the range is not inside the array. */
export function base64UrlDecodeBytes(bytes: Uint8Array, start: i32, end: i32): Uint8Array | null {
  if (start < 0 || end < start || end > bytes.length) return null;
  return decode<u8>(bytes.dataStart + <usize>start, end - start, URL_TABLE, false);
}

function encode(data: Uint8Array, alphabet: string, padded: bool): string {
  const n = data.length;
  const rem = n % 3;
  const len = (n / 3) * 4 + (rem == 0 ? 0 : (padded ? 4 : rem + 1));
  const s = changetype<string>(__new(<usize>len << 1, idof<string>()));
  const abc = changetype<usize>(alphabet);
  let o = changetype<usize>(s);
  let p = data.dataStart;
  const full = p + <usize>(n - rem);
  while (p < full) {
    const v = (<u32>load<u8>(p) << 16) | (<u32>load<u8>(p, 1) << 8) | <u32>load<u8>(p, 2);
    store<u16>(o, load<u16>(abc + ((v >> 18) << 1)));
    store<u16>(o, load<u16>(abc + (((v >> 12) & 63) << 1)), 2);
    store<u16>(o, load<u16>(abc + (((v >> 6) & 63) << 1)), 4);
    store<u16>(o, load<u16>(abc + ((v & 63) << 1)), 6);
    o += 8;
    p += 3;
  }
  if (rem != 0) {
    const v = (<u32>load<u8>(p) << 16) | (rem == 2 ? <u32>load<u8>(p, 1) << 8 : 0);
    store<u16>(o, load<u16>(abc + ((v >> 18) << 1)));
    store<u16>(o, load<u16>(abc + (((v >> 12) & 63) << 1)), 2);
    if (rem == 2) store<u16>(o, load<u16>(abc + (((v >> 6) & 63) << 1)), 4);
    else if (padded) store<u16>(o, 61, 4);
    if (padded) store<u16>(o, 61, 6);
  }
  return s;
}

/** The standard-alphabet encoding of `data`, padded. */
export function base64Encode(data: Uint8Array): string {
  return encode(data, STD_ALPHABET, true);
}

/** The URL-alphabet encoding of `data`, unpadded (JWS). */
export function base64UrlEncode(data: Uint8Array): string {
  return encode(data, URL_ALPHABET, false);
}
