// Unicode simple case folding for (?i), from the generated table in casefold-data.ts.
//
// Every code point that folds belongs to an "orbit" (its equivalence class under simple case
// folding, at most FOLD_MAX_ORBIT members: k K U+212A, s S U+017F, θ ϑ Θ ϴ ...). foldNext(c)
// walks an orbit in ascending order, wrapping around; a code point that does not fold is its own
// orbit. All reads are bounds-checked against the table size; nothing here can trap.

import {
  foldData, FOLD_RANGES, FOLD_MIN, FOLD_MAX, FOLD_MAX_ORBIT, FOLD_ALT_UP, FOLD_ALT_DOWN,
} from "./casefold-data";

export { FOLD_MIN, FOLD_MAX, FOLD_MAX_ORBIT };

// @ts-ignore: decorator
@inline function entryLo(i: i32): i32 {
  return <i32>(load<u32>(foldData() + (<usize>i << 3)) & 0x1FFFFF);
}

// @ts-ignore: decorator
@inline function entryHi(i: i32): i32 {
  const w = load<u32>(foldData() + (<usize>i << 3));
  return <i32>(w & 0x1FFFFF) + <i32>(w >> 21);
}

// @ts-ignore: decorator
@inline function entryKind(i: i32): i32 {
  return load<i32>(foldData() + (<usize>i << 3) + 4);
}

/** Index of the first table range whose last code point is >= c (FOLD_RANGES when none). */
function firstRangeFrom(c: i32): i32 {
  let lo = 0;
  let hi = FOLD_RANGES;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (entryHi(m) < c) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/** Next member of c's case orbit (ascending, wrapping); c itself when c does not fold. */
export function foldNext(c: i32): i32 {
  if (c < FOLD_MIN || c > FOLD_MAX) return c;
  const i = firstRangeFrom(c);
  if (i >= FOLD_RANGES) return c;
  const lo = entryLo(i);
  if (c < lo) return c;
  const k = entryKind(i);
  if (k == FOLD_ALT_UP) return ((c - lo) & 1) == 0 ? c + 1 : c - 1;
  if (k == FOLD_ALT_DOWN) return ((c - lo) & 1) == 0 ? c - 1 : c + 1;
  return c + k;
}

/**
 * Appends to `out` (pairs lo, hi) the images under foldNext of the code points in [lo, hi],
 * as ranges (an alternating range contributes the input together with its partners).
 */
export function foldImages(lo: i32, hi: i32, out: Array<i32>): void {
  if (hi < FOLD_MIN || lo > FOLD_MAX) return;
  if (lo < FOLD_MIN) lo = FOLD_MIN;
  if (hi > FOLD_MAX) hi = FOLD_MAX;
  for (let i = firstRangeFrom(lo); i < FOLD_RANGES; i++) {
    const elo = entryLo(i);
    if (elo > hi) break;
    const ehi = entryHi(i);
    const x = lo > elo ? lo : elo;
    const y = hi < ehi ? hi : ehi;
    if (x > y) continue;
    const k = entryKind(i);
    if (k == FOLD_ALT_UP) {
      // even offsets pair with the next code point, odd ones with the previous
      out.push(((x - elo) & 1) != 0 ? x - 1 : x);
      out.push(((y - elo) & 1) == 0 ? y + 1 : y);
    } else if (k == FOLD_ALT_DOWN) {
      out.push(((x - elo) & 1) == 0 ? x - 1 : x);
      out.push(((y - elo) & 1) != 0 ? y + 1 : y);
    } else {
      out.push(x + k);
      out.push(y + k);
    }
  }
}
