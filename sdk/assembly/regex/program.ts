// The compiled form of a pattern: a small instruction program for the Pike VM (vm.ts).
//
// Instructions are 4 i32 words: op, out, arg, (unused). pc 0 is always FAIL. Character classes
// live in one table: at offset k, 4 words of ASCII bitmap (bits for U+0000..U+007F), the number n
// of ranges above ASCII, then n pairs lo, hi (sorted, disjoint). validate() checks every target
// and table offset once, so the VM's unchecked loads stay inside its arrays.

export const OP_FAIL: i32 = 0;
export const OP_MATCH: i32 = 1;
export const OP_CHAR: i32 = 2;        // arg: code point
export const OP_CLASS: i32 = 3;       // arg: class table offset
export const OP_ANY_NOT_NL: i32 = 4;
export const OP_ANY: i32 = 5;
export const OP_SPLIT: i32 = 6;       // out first, then arg (priority order)
export const OP_NOP: i32 = 7;
export const OP_SAVE: i32 = 8;        // arg: capture slot
export const OP_EMPTY: i32 = 9;       // arg: EMPTY_* flags that must all hold

// Empty-width conditions.
export const EMPTY_BEGIN_LINE: i32 = 1;
export const EMPTY_END_LINE: i32 = 2;
export const EMPTY_BEGIN_TEXT: i32 = 4;
export const EMPTY_END_TEXT: i32 = 8;
export const EMPTY_WORD_BOUNDARY: i32 = 16;
export const EMPTY_NO_WORD_BOUNDARY: i32 = 32;

export class Program {
  code: StaticArray<i32>;
  count: i32;
  start: i32 = 0;
  classes: StaticArray<i32>;
  /** 2 × (groups + 1): capture slots of a full match */
  slots: i32;
  /** instructions a thread can wait on (MATCH and the ones that consume a character) */
  threadInsts: i32 = 0;
  /** every match starts at the beginning of the text (the program opens with \A or ^) */
  anchoredStart: bool = false;
  /** no match is possible (the program starts with FAIL) */
  neverMatches: bool = false;
  /**
   * Bytes a match can start with (256-bit set), or null when any byte can start one or a match
   * can begin with an empty-width condition. With it, the VM skips bytes no match starts with.
   */
  firstBytes: StaticArray<u32> | null = null;

  constructor(code: StaticArray<i32>, count: i32, classes: StaticArray<i32>, slots: i32) {
    this.code = code;
    this.count = count;
    this.classes = classes;
    this.slots = slots;
  }

  // @ts-ignore: decorator
  @inline op(pc: i32): i32 { return unchecked(this.code[pc << 2]); }
  // @ts-ignore: decorator
  @inline out(pc: i32): i32 { return unchecked(this.code[(pc << 2) + 1]); }
  // @ts-ignore: decorator
  @inline arg(pc: i32): i32 { return unchecked(this.code[(pc << 2) + 2]); }

  /** Checks every jump target and class offset; false means the program must not run. */
  validate(): bool {
    const n = this.count;
    if (n < 1 || (<i32>this.code.length) < n * 4) return false;
    if (this.start < 0 || this.start >= n) return false;
    if (this.op(0) != OP_FAIL) return false;
    const clen = <i32>this.classes.length;
    let threads = 0;
    for (let pc = 0; pc < n; pc++) {
      const op = this.op(pc);
      const out = this.out(pc);
      const arg = this.arg(pc);
      if (op < OP_FAIL || op > OP_EMPTY) return false;
      if (op == OP_FAIL) continue;
      if (op == OP_MATCH) { threads++; continue; }
      if (out < 0 || out >= n) return false;
      if (op == OP_SPLIT && (arg < 0 || arg >= n)) return false;
      if (op == OP_SAVE && arg < 0) return false;
      if (op == OP_CLASS) {
        if (arg < 0 || arg + 5 > clen) return false;
        const nr = unchecked(this.classes[arg + 4]);
        if (nr < 0 || nr > (clen - arg - 5) >> 1) return false;
      }
      if (op >= OP_CHAR && op <= OP_ANY) threads++;
    }
    this.threadInsts = threads;
    return true;
  }

  /** Computes anchoredStart, neverMatches and firstBytes (after validate()). */
  analyze(): void {
    // Empty-width conditions every match starts with: follow NOP/SAVE/EMPTY from the start.
    let pc = this.start;
    let cond = 0;
    for (let guard = 0; guard < this.count; guard++) {
      const op = this.op(pc);
      if (op == OP_EMPTY) cond |= this.arg(pc);
      else if (op == OP_FAIL) { this.neverMatches = true; break; }
      else if (op != OP_NOP && op != OP_SAVE) break;
      pc = this.out(pc);
    }
    this.anchoredStart = (cond & EMPTY_BEGIN_TEXT) != 0;
    // First bytes: explore the epsilon closure of the start; give up on EMPTY, MATCH and ANY.
    const set = new StaticArray<u32>(8);
    const seen = new StaticArray<bool>(this.count);
    const stack = new Array<i32>();
    stack.push(this.start);
    let usable = true;
    while (stack.length > 0 && usable) {
      const p = stack.pop();
      if (unchecked(seen[p])) continue;
      unchecked(seen[p] = true);
      const op = this.op(p);
      if (op == OP_FAIL) continue;
      if (op == OP_SPLIT) { stack.push(this.arg(p)); stack.push(this.out(p)); continue; }
      if (op == OP_NOP || op == OP_SAVE) { stack.push(this.out(p)); continue; }
      if (op == OP_CHAR) {
        const c = this.arg(p);
        if (c < 0x80) setBit(set, c);
        else if (c == 0xFFFD) { for (let b = 0x80; b < 0x100; b++) setBit(set, b); } // invalid bytes read as U+FFFD
        else setBit(set, firstUtf8Byte(c));
        continue;
      }
      if (op == OP_CLASS) {
        const at = this.arg(p);
        for (let w = 0; w < 4; w++) unchecked(set[w] |= <u32>unchecked(this.classes[at + w]));
        if (unchecked(this.classes[at + 4]) > 0) { for (let b = 0x80; b < 0x100; b++) setBit(set, b); }
        continue;
      }
      usable = false; // MATCH, EMPTY, ANY, ANY_NOT_NL
    }
    if (!usable || this.neverMatches) return;
    let bits = 0;
    for (let w = 0; w < 8; w++) bits += popcnt<u32>(unchecked(set[w]));
    if (bits < 200) this.firstBytes = set;
  }
}

function setBit(set: StaticArray<u32>, b: i32): void {
  unchecked(set[(b >> 5) & 7] |= <u32>1 << <u32>(b & 31));
}

function firstUtf8Byte(c: i32): i32 {
  if (c < 0x800) return 0xC0 | (c >> 6);
  if (c < 0x10000) return 0xE0 | (c >> 12);
  return 0xF0 | ((c >> 18) & 7);
}
