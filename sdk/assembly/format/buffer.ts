// The render buffer: one growable UTF-16 area every template renders into, turned into the output
// string with a single allocation at the end. Pieces (literals, header values, digits, time fields)
// are copied in; nothing is concatenated on the way. Rendering is not re-entrant (no callback runs
// while a template renders), so one area serves the whole VM.

import { decodeUtf8Lossy } from "../utf8";

let base: usize = 0;
let cap: usize = 0; // in UTF-16 units
let len: usize = 0; // in UTF-16 units

function grow(need: usize): void {
  let c = cap == 0 ? <usize>256 : cap;
  while (c < need) c <<= 1;
  base = base == 0 ? heap.alloc(c << 1) : heap.realloc(base, c << 1);
  cap = c;
}

// @ts-ignore: decorator
@inline
function reserve(extra: usize): void {
  if (len + extra > cap) grow(len + extra);
}

/** Starts a render: the buffer is empty. */
export function bufReset(): void {
  len = 0;
}

/** Units written so far (a mark for truncation and case changes). */
export function bufLength(): i32 {
  return <i32>len;
}

/** Drops everything written after `mark`. */
export function bufTruncate(mark: i32): void {
  if (<usize>mark < len) len = <usize>mark;
}

export function bufChar(c: i32): void {
  reserve(1);
  store<u16>(base + (len << 1), <u16>c);
  len++;
}

export function bufRepeat(c: i32, n: i32): void {
  if (n <= 0) return;
  reserve(<usize>n);
  for (let i = 0; i < n; i++) store<u16>(base + ((len + <usize>i) << 1), <u16>c);
  len += <usize>n;
}

export function bufString(s: string): void {
  const n = <usize>s.length;
  if (n == 0) return;
  reserve(n);
  memory.copy(base + (len << 1), changetype<usize>(s), n << 1);
  len += n;
}

/** Units [from, to) of `s`. */
export function bufSlice(s: string, from: i32, to: i32): void {
  if (from < 0) from = 0;
  if (to > s.length) to = s.length;
  if (to <= from) return;
  const n = <usize>(to - from);
  reserve(n);
  memory.copy(base + (len << 1), changetype<usize>(s) + (<usize>from << 1), n << 1);
  len += n;
}

/** Decimal digits of `v` (no padding). */
export function bufDecimal(v: i64): void {
  bufPadded(v, 0, 0x30);
}

/** Unsigned decimal digits of `v`. */
export function bufUnsigned(v: u64): void {
  let n: usize = 0;
  let t = v;
  do { n++; t /= 10; } while (t != 0);
  reserve(n);
  let p = base + ((len + n) << 1);
  do {
    p -= 2;
    store<u16>(p, <u16>(48 + <u32>(v % 10)));
    v /= 10;
  } while (v != 0);
  len += n;
}

/**
 * Decimal `v` padded on the left to at least `width` characters (the sign counts) with `pad`
 * ('0' puts the zeros after the sign).
 */
export function bufPadded(v: i64, width: i32, pad: i32): void {
  const negative = v < 0;
  let u: u64 = negative ? <u64>(0 - v) : <u64>v;
  let digits = 0;
  let t = u;
  do { digits++; t /= 10; } while (t != 0);
  const used = digits + (negative ? 1 : 0);
  const fill = width > used ? width - used : 0;
  if (pad == 0x30) {
    if (negative) bufChar(0x2d);
    bufRepeat(0x30, fill);
  } else {
    bufRepeat(pad, fill);
    if (negative) bufChar(0x2d);
  }
  reserve(<usize>digits);
  let p = base + ((len + <usize>digits) << 1);
  do {
    p -= 2;
    store<u16>(p, <u16>(48 + <u32>(u % 10)));
    u /= 10;
  } while (u != 0);
  len += <usize>digits;
}

/** UTF-8 bytes as text (invalid sequences become U+FFFD, as the SDK's header getters decode them). */
export function bufUtf8(ptr: usize, n: usize): void {
  let ascii = true;
  for (let i: usize = 0; i < n; i++) {
    if (load<u8>(ptr + i) >= 0x80) { ascii = false; break; }
  }
  if (ascii) {
    reserve(n);
    for (let i: usize = 0; i < n; i++) store<u16>(base + ((len + i) << 1), <u16>load<u8>(ptr + i));
    len += n;
    return;
  }
  bufString(decodeUtf8Lossy(ptr, n));
}

/** Unit `i` of what was written. */
export function bufAt(i: i32): i32 {
  return <i32>load<u16>(base + (<usize>i << 1));
}

export function bufSet(i: i32, c: i32): void {
  store<u16>(base + (<usize>i << 1), <u16>c);
}

/** ASCII upper- or lower-cases what was written after `mark`. */
export function bufCase(mark: i32, upper: bool): void {
  for (let i = mark; i < <i32>len; i++) {
    const c = bufAt(i);
    if (upper && c >= 0x61 && c <= 0x7a) bufSet(i, c - 32);
    else if (!upper && c >= 0x41 && c <= 0x5a) bufSet(i, c + 32);
  }
}

/** Moves what was written after `mark` right by `n` units, filling the gap with `c` (left padding). */
export function bufPadBefore(mark: i32, n: i32, c: i32): void {
  if (n <= 0) return;
  reserve(<usize>n);
  const from = base + (<usize>mark << 1);
  const count = len - <usize>mark;
  memory.copy(from + (<usize>n << 1), from, count << 1);
  for (let i = 0; i < n; i++) store<u16>(from + (<usize>i << 1), <u16>c);
  len += <usize>n;
}

/**
 * Cuts what was written after `mark` to at most `maxBytes` bytes of UTF-8, never inside a
 * character (Envoy cuts bytes, possibly inside one: see the README).
 */
export function bufLimitUtf8(mark: i32, maxBytes: i64): void {
  let bytes: i64 = 0;
  let i = mark;
  while (i < <i32>len) {
    const c = bufAt(i);
    let w: i64 = 1;
    let units = 1;
    if (c >= 0x800) {
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < <i32>len) {
        const d = bufAt(i + 1);
        if (d >= 0xdc00 && d < 0xe000) { w = 4; units = 2; } else w = 3;
      } else w = 3;
    } else if (c >= 0x80) w = 2;
    if (bytes + w > maxBytes) break;
    bytes += w;
    i += units;
  }
  bufTruncate(i);
}

/** The rendered string (one allocation). */
export function bufTake(): string {
  if (len == 0) return "";
  const s = changetype<usize>(__new(len << 1, idof<String>()));
  memory.copy(s, base, len << 1);
  return changetype<string>(s);
}

/** What was written after `mark`, as a string (for the few places that need a value back). */
export function bufTakeFrom(mark: i32): string {
  const n = len - <usize>mark;
  if (n == 0) return "";
  const s = changetype<usize>(__new(n << 1, idof<String>()));
  memory.copy(s, base + (<usize>mark << 1), n << 1);
  return changetype<string>(s);
}
