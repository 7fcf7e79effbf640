// Sets of code points as sorted, disjoint ranges (pairs lo, hi; inclusive), for character classes.
// Only used while compiling. Nothing here can trap: every index is below the array's length.

import { foldImages, FOLD_MIN, FOLD_MAX, FOLD_MAX_ORBIT } from "./casefold";

export const MAX_RUNE: i32 = 0x10FFFF;

export class RangeSet {
  /** pairs lo, hi; sorted and disjoint (non-adjacent) after normalize() */
  r: Array<i32> = new Array<i32>();

  get count(): i32 { return this.r.length >> 1; }

  add(lo: i32, hi: i32): void {
    if (lo > hi) return;
    this.r.push(lo);
    this.r.push(hi);
  }

  /** Adds [lo, hi] and every code point that case-folds to one of them. */
  addFolded(lo: i32, hi: i32): void {
    this.add(lo, hi);
    if (hi < FOLD_MIN || lo > FOLD_MAX) return;
    if (lo <= FOLD_MIN && hi >= FOLD_MAX) return; // orbits never leave [FOLD_MIN, FOLD_MAX]
    // Apply foldNext to the whole range FOLD_MAX_ORBIT - 1 times: that reaches every orbit member.
    let frontier = new Array<i32>();
    frontier.push(lo);
    frontier.push(hi);
    for (let step = 1; step < FOLD_MAX_ORBIT && frontier.length > 0; step++) {
      const images = new Array<i32>();
      for (let i = 0; i + 1 < frontier.length; i += 2) foldImages(unchecked(frontier[i]), unchecked(frontier[i + 1]), images);
      for (let i = 0; i + 1 < images.length; i += 2) this.add(unchecked(images[i]), unchecked(images[i + 1]));
      frontier = images;
    }
  }

  /** Adds the ranges of a normalized pair list, or of its complement. */
  addRanges(src: Array<i32>, negate: bool): void {
    if (!negate) {
      for (let i = 0; i + 1 < src.length; i += 2) this.add(unchecked(src[i]), unchecked(src[i + 1]));
      return;
    }
    let next = 0;
    for (let i = 0; i + 1 < src.length; i += 2) {
      const lo = unchecked(src[i]);
      if (lo > next) this.add(next, lo - 1);
      next = unchecked(src[i + 1]) + 1;
    }
    if (next <= MAX_RUNE) this.add(next, MAX_RUNE);
  }

  /** Sorts the ranges and merges overlapping or adjacent ones. */
  normalize(): void {
    const n = this.r.length >> 1;
    if (n < 2) return;
    // sort packed keys (lo << 21 | hi; both fit in 21 bits) with an in-place heap sort
    const keys = new StaticArray<i64>(n);
    for (let i = 0; i < n; i++) {
      unchecked(keys[i] = (<i64>unchecked(this.r[2 * i]) << 21) | <i64>unchecked(this.r[2 * i + 1]));
    }
    heapSort(keys, n);
    const out = new Array<i32>();
    let lo = <i32>(unchecked(keys[0]) >> 21);
    let hi = <i32>(unchecked(keys[0]) & 0x1FFFFF);
    for (let i = 1; i < n; i++) {
      const k = unchecked(keys[i]);
      const klo = <i32>(k >> 21);
      const khi = <i32>(k & 0x1FFFFF);
      if (klo <= hi + 1) {
        if (khi > hi) hi = khi;
      } else {
        out.push(lo);
        out.push(hi);
        lo = klo;
        hi = khi;
      }
    }
    out.push(lo);
    out.push(hi);
    this.r = out;
  }

  /** Complement within [0, MAX_RUNE]; the set must be normalized. */
  negate(): void {
    const src = this.r;
    this.r = new Array<i32>();
    this.addRanges(src, true);
  }

  /** Whether the (normalized) set is exactly [lo, hi]. */
  isRange(lo: i32, hi: i32): bool {
    return this.r.length == 2 && unchecked(this.r[0]) == lo && unchecked(this.r[1]) == hi;
  }
}

function heapSort(a: StaticArray<i64>, n: i32): void {
  for (let start = (n >> 1) - 1; start >= 0; start--) siftDown(a, start, n);
  for (let end = n - 1; end > 0; end--) {
    const t = unchecked(a[0]);
    unchecked(a[0] = unchecked(a[end]));
    unchecked(a[end] = t);
    siftDown(a, 0, end);
  }
}

function siftDown(a: StaticArray<i64>, root: i32, n: i32): void {
  while (true) {
    let child = 2 * root + 1;
    if (child >= n) return;
    if (child + 1 < n && unchecked(a[child + 1]) > unchecked(a[child])) child++;
    if (unchecked(a[root]) >= unchecked(a[child])) return;
    const t = unchecked(a[root]);
    unchecked(a[root] = unchecked(a[child]));
    unchecked(a[child] = t);
    root = child;
  }
}
