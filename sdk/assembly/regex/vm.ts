// Pike VM: a Thompson NFA simulation with capture slots, leftmost-first priority (as RE2/Perl).
//
// The subject is read once, code point by code point (UTF-8; each byte of an invalid sequence is
// read as U+FFFD of width 1, as RE2/Go/re2js do). At every position the VM holds an ordered list of
// threads (one per instruction at most, so a step costs O(program) and a match O(program × text));
// following the epsilon edges of a thread uses an explicit stack, never recursion. A thread that
// reaches MATCH cuts off every lower-priority thread.
//
// Memory: all state is allocated once per compiled regex (capture cells on the first match that
// needs them) and reused by every later match, so a match allocates nothing. The only indexes
// used without checks are instruction numbers and class offsets that Program.validate() proved
// in range, thread slots bounded by the number of thread instructions (each instruction joins a
// list at most once per position), and capture slots below the active slot count.

import {
  Program, OP_FAIL, OP_MATCH, OP_CHAR, OP_CLASS, OP_ANY_NOT_NL, OP_ANY, OP_SPLIT, OP_NOP, OP_SAVE,
  OP_EMPTY, EMPTY_BEGIN_LINE, EMPTY_END_LINE, EMPTY_BEGIN_TEXT, EMPTY_END_TEXT, EMPTY_WORD_BOUNDARY,
  EMPTY_NO_WORD_BOUNDARY,
} from "./program";

export const ANCHOR_NONE: i32 = 0;
export const ANCHOR_START: i32 = 1;
export const ANCHOR_BOTH: i32 = 2;

/** Whether byte b is an ASCII word character [0-9A-Za-z_]. */
// @ts-ignore: decorator
@inline function isWordByte(b: u32): bool {
  return (b - 0x30 < 10) || ((b | 0x20) - 0x61 < 26) || b == 0x5F;
}

/** Empty-width conditions holding at byte offset p of [ptr, ptr+len). */
export function conditionsAt(ptr: usize, len: i32, p: i32): i32 {
  let f = 0;
  let before = false;
  let after = false;
  if (p <= 0) {
    f |= EMPTY_BEGIN_TEXT | EMPTY_BEGIN_LINE;
  } else {
    const b = <u32>load<u8>(ptr + <usize>(p - 1));
    if (b == 0x0A) f |= EMPTY_BEGIN_LINE;
    before = isWordByte(b);
  }
  if (p >= len) {
    f |= EMPTY_END_TEXT | EMPTY_END_LINE;
  } else {
    const b = <u32>load<u8>(ptr + <usize>p);
    if (b == 0x0A) f |= EMPTY_END_LINE;
    after = isWordByte(b);
  }
  return f | (before != after ? EMPTY_WORD_BOUNDARY : EMPTY_NO_WORD_BOUNDARY);
}

/**
 * Decodes the code point at byte offset p (p < len) and returns (rune << 3) | width; invalid
 * sequences give U+FFFD with width 1.
 */
export function decodeAt(ptr: usize, len: i32, p: i32): i32 {
  const c0 = <u32>load<u8>(ptr + <usize>p);
  if (c0 < 0x80) return <i32>(c0 << 3) | 1;
  let need = 0;
  let lo: u32 = 0x80;
  let hi: u32 = 0xBF;
  let cp: u32 = 0;
  if (c0 >= 0xC2 && c0 <= 0xDF) { need = 1; cp = c0 & 0x1F; }
  else if (c0 >= 0xE0 && c0 <= 0xEF) { need = 2; cp = c0 & 0x0F; if (c0 == 0xE0) lo = 0xA0; else if (c0 == 0xED) hi = 0x9F; }
  else if (c0 >= 0xF0 && c0 <= 0xF4) { need = 3; cp = c0 & 0x07; if (c0 == 0xF0) lo = 0x90; else if (c0 == 0xF4) hi = 0x8F; }
  else return (0xFFFD << 3) | 1;
  if (len - p <= need) return (0xFFFD << 3) | 1;
  const q = ptr + <usize>p;
  const c1 = <u32>load<u8>(q, 1);
  if (c1 < lo || c1 > hi) return (0xFFFD << 3) | 1;
  cp = (cp << 6) | (c1 & 0x3F);
  if (need >= 2) {
    const c2 = <u32>load<u8>(q, 2);
    if ((c2 & 0xC0) != 0x80) return (0xFFFD << 3) | 1;
    cp = (cp << 6) | (c2 & 0x3F);
    if (need == 3) {
      const c3 = <u32>load<u8>(q, 3);
      if ((c3 & 0xC0) != 0x80) return (0xFFFD << 3) | 1;
      cp = (cp << 6) | (c3 & 0x3F);
    }
  }
  return <i32>(cp << 3) | (need + 1);
}

/** Copies n i32 cells (capture slots: a few, so a plain loop beats memory.copy). */
// @ts-ignore: decorator
@inline function copyCells(dst: usize, src: usize, n: i32): void {
  for (let i = 0; i < n; i += 2) store<u64>(dst + (<usize>i << 2), load<u64>(src + (<usize>i << 2)));
}

/** Whether code point c is in the class at table offset `at`. */
// @ts-ignore: decorator
@inline function classHas(classes: usize, at: i32, c: i32): bool {
  const base = classes + (<usize>at << 2);
  if (c < 0x80) return ((load<u32>(base + (<usize>(c >> 5) << 2)) >> <u32>(c & 31)) & 1) != 0;
  let lo = 0;
  let hi = load<i32>(base, 16);
  const ranges = base + 20;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    const r = ranges + (<usize>m << 3);
    if (c < load<i32>(r)) hi = m;
    else if (c > load<i32>(r, 4)) lo = m + 1;
    else return true;
  }
  return false;
}

export class Machine {
  prog: Program;
  private n: i32;
  private threads: i32;
  /** per instruction: the stamp of the list it last joined (a fresh stamp empties a list) */
  private marks: StaticArray<u32>;
  private stamp: u32 = 0;
  private stampA: u32 = 0;
  private stampB: u32 = 0;
  /** explicit stack of add(): pairs (pc, 0) or (-(slot + 1), saved value) */
  private stack: StaticArray<i32>;
  private pcsA: StaticArray<i32>;
  private pcsB: StaticArray<i32>;
  private sizeA: i32 = 0;
  private sizeB: i32 = 0;
  /** capture cells of the two lists (threads × slots), allocated on first use */
  private capsA: StaticArray<i32> = new StaticArray<i32>(0);
  private capsB: StaticArray<i32> = new StaticArray<i32>(0);
  private startCaps: StaticArray<i32>;
  /** slots of the latest match (valid when exec returned true) */
  matchCaps: StaticArray<i32>;
  /** slots in use by the current exec (0: no captures wanted) */
  private ncap: i32 = 0;
  private matched: bool = false;
  /** thread instructions visited and stepped by the latest exec (a cost measure) */
  steps: i64 = 0;

  constructor(prog: Program) {
    this.prog = prog;
    const n = prog.count;
    const threads = prog.threadInsts > 0 ? prog.threadInsts : 1;
    const slots = prog.slots;
    this.n = n;
    this.threads = threads;
    this.marks = new StaticArray<u32>(n);
    this.stack = new StaticArray<i32>(2 * n + 2);
    this.pcsA = new StaticArray<i32>(threads);
    this.pcsB = new StaticArray<i32>(threads);
    this.startCaps = new StaticArray<i32>(slots);
    this.matchCaps = new StaticArray<i32>(slots);
  }

  /** Bytes of state this machine holds (with capture cells once allocated). */
  get memoryBytes(): i32 {
    return this.n * 4 + (2 * this.n + 2) * 4 + this.threads * 8 + (this.capsA.length + this.capsB.length) * 4 + this.prog.slots * 8;
  }

  private ensureCaps(): void {
    const need = this.threads * this.prog.slots;
    if (this.capsA.length < need) {
      this.capsA = new StaticArray<i32>(need);
      this.capsB = new StaticArray<i32>(need);
    }
  }

  /**
   * Runs the program over [ptr, ptr+len) starting the search at byte `from` (context before it
   * still counts for ^ \b ...). `wantCaps`: fill matchCaps with every group, else only decide.
   */
  exec(ptr: usize, len: i32, from: i32, anchor: i32, wantCaps: bool): bool {
    const prog = this.prog;
    this.steps = 0;
    this.matched = false;
    if (prog.neverMatches || from < 0 || from > len) return false;
    if (anchor != ANCHOR_NONE && from != 0) return false;
    const ncap = wantCaps ? prog.slots : 0;
    this.ncap = ncap;
    if (ncap > 0) {
      this.ensureCaps();
      for (let i = 0; i < ncap; i++) {
        unchecked(this.matchCaps[i] = -1);
        unchecked(this.startCaps[i] = -1);
      }
    }
    // Stamps grow by one per position; restarting below 2^30 leaves room for any subject (< 2^31).
    if (this.stamp >= 0x40000000) {
      for (let i = 0; i < this.n; i++) unchecked(this.marks[i] = 0);
      this.stamp = 0;
    }
    this.stampA = ++this.stamp;
    this.stampB = ++this.stamp;
    this.sizeA = 0;
    this.sizeB = 0;
    const first = prog.firstBytes;
    const anchoredStart = prog.anchoredStart || anchor != ANCHOR_NONE;
    let runIsA = true;
    let p = from;
    let rw = p < len ? decodeAt(ptr, len, p) : -8; // rune << 3 | width; -8: end (rune -1, width 0)
    let cond = conditionsAt(ptr, len, p);
    while (true) {
      const runSize = runIsA ? this.sizeA : this.sizeB;
      if (runSize == 0) {
        if (this.matched) break;
        if (anchoredStart && p != 0) break;
        if (first !== null && p < len) {
          let q = p;
          while (q < len) {
            const b = <u32>load<u8>(ptr + <usize>q);
            if ((unchecked(first[b >> 5]) >> (b & 31)) & 1) break;
            q++;
          }
          if (q >= len) break;
          if (q != p) {
            p = q;
            rw = decodeAt(ptr, len, p);
            cond = conditionsAt(ptr, len, p);
          }
        }
      }
      const width = rw & 7;
      if (!this.matched && (anchor == ANCHOR_NONE || p == 0)) {
        if (ncap > 0) unchecked(this.startCaps[0] = p);
        this.add(runIsA, prog.start, p, changetype<usize>(this.startCaps), cond);
      }
      const next = p + width;
      cond = conditionsAt(ptr, len, next);
      this.step(runIsA, p, next, rw >> 3, cond, anchor == ANCHOR_BOTH && p != len);
      if (width == 0) break;
      if (ncap == 0 && this.matched) break;
      p = next;
      rw = p < len ? decodeAt(ptr, len, p) : -8;
      runIsA = !runIsA;
    }
    return this.matched;
  }

  /**
   * Adds pc0 and everything reachable from it without consuming a character to the list
   * (A or B), in priority order; captures are taken from caps (restored before returning).
   */
  private add(toA: bool, pc0: i32, pos: i32, caps: usize, cond: i32): void {
    const code = changetype<usize>(this.prog.code);
    const marks = changetype<usize>(this.marks);
    const stack = changetype<usize>(this.stack);
    const stamp = toA ? this.stampA : this.stampB;
    const pcs = changetype<usize>(toA ? this.pcsA : this.pcsB);
    const listCaps = changetype<usize>(toA ? this.capsA : this.capsB);
    const ncap = this.ncap;
    let size = toA ? this.sizeA : this.sizeB;
    let sp = 0;
    let steps = this.steps;
    let pc = pc0;
    while (true) {
      while (pc != 0) {
        const mark = marks + (<usize>pc << 2);
        if (load<u32>(mark) == stamp) break;
        store<u32>(mark, stamp);
        steps++;
        const inst = code + (<usize>pc << 4);
        const op = load<i32>(inst);
        if (op == OP_SPLIT) {
          store<i32>(stack + (<usize>sp << 2), load<i32>(inst, 8));
          store<i32>(stack + (<usize>sp << 2), 0, 4);
          sp += 2;
          pc = load<i32>(inst, 4);
        } else if (op == OP_NOP) {
          pc = load<i32>(inst, 4);
        } else if (op == OP_EMPTY) {
          pc = (load<i32>(inst, 8) & ~cond) == 0 ? load<i32>(inst, 4) : 0;
        } else if (op == OP_SAVE) {
          const slot = load<i32>(inst, 8);
          if (slot < ncap) {
            const cell = caps + (<usize>slot << 2);
            store<i32>(stack + (<usize>sp << 2), -(slot + 1));
            store<i32>(stack + (<usize>sp << 2), load<i32>(cell), 4);
            sp += 2;
            store<i32>(cell, pos);
          }
          pc = load<i32>(inst, 4);
        } else if (op == OP_FAIL) {
          pc = 0;
        } else {
          // MATCH or a character instruction: the thread waits here
          store<i32>(pcs + (<usize>size << 2), pc);
          if (ncap > 0) copyCells(listCaps + (<usize>(size * ncap) << 2), caps, ncap);
          size++;
          pc = 0;
        }
      }
      if (sp == 0) break;
      sp -= 2;
      const e = load<i32>(stack + (<usize>sp << 2));
      if (e < 0) {
        store<i32>(caps + (<usize>(-e - 1) << 2), load<i32>(stack + (<usize>sp << 2), 4));
        pc = 0;
      } else {
        pc = e;
      }
    }
    if (toA) this.sizeA = size;
    else this.sizeB = size;
    this.steps = steps;
  }

  /** Advances every thread of the run list over rune `r` at p into the other list. */
  private step(runIsA: bool, p: i32, next: i32, r: i32, nextCond: i32, notAtEndForBoth: bool): void {
    const code = changetype<usize>(this.prog.code);
    const classes = changetype<usize>(this.prog.classes);
    const pcs = changetype<usize>(runIsA ? this.pcsA : this.pcsB);
    const caps = changetype<usize>(runIsA ? this.capsA : this.capsB);
    const size = runIsA ? this.sizeA : this.sizeB;
    const ncap = this.ncap;
    const toA = !runIsA;
    this.steps += size;
    for (let j = 0; j < size; j++) {
      const pc = load<i32>(pcs + (<usize>j << 2));
      const inst = code + (<usize>pc << 4);
      const op = load<i32>(inst);
      const threadCaps = caps + (<usize>(j * ncap) << 2);
      let ok = false;
      if (op == OP_CHAR) ok = r == load<i32>(inst, 8);
      else if (op == OP_CLASS) ok = r >= 0 && classHas(classes, load<i32>(inst, 8), r);
      else if (op == OP_ANY_NOT_NL) ok = r >= 0 && r != 0x0A;
      else if (op == OP_ANY) ok = r >= 0;
      else if (op == OP_MATCH) {
        if (notAtEndForBoth) continue;
        if (ncap > 0) {
          store<i32>(threadCaps, p, 4);
          copyCells(changetype<usize>(this.matchCaps), threadCaps, ncap);
        }
        this.matched = true;
        break; // lower-priority threads cannot win any more
      }
      if (ok) this.add(toA, load<i32>(inst, 4), next, threadCaps, nextCond);
    }
    // the run list is consumed: clear it for its next turn
    if (runIsA) { this.sizeA = 0; this.stampA = ++this.stamp; }
    else { this.sizeB = 0; this.stampB = ++this.stamp; }
  }
}
