// Pattern parser: RE2 syntax over the UTF-8 bytes of the pattern, without recursion.
//
// Groups are kept on an explicit stack of frames (items of the current concatenation, finished
// branches of the current alternation), so nesting costs heap, not wasm stack; every node records
// its height and a tree deeper than REGEX_MAX_DEPTH is an error, which bounds the recursion of the
// later passes. Errors carry the byte offset of the construct at fault; the first error wins.
// Semantics follow RE2 (as in Go's regexp/syntax and re2js): where a construct is not supported
// the parser reports an error instead of reading it some other way.

import {
  Node, wrap, F_FOLD, F_DOTNL, F_MULTILINE, F_NONGREEDY, N_NO_MATCH, N_EMPTY, N_LITERAL, N_CLASS,
  N_ANY_NOT_NL, N_ANY, N_BEGIN_LINE, N_END_LINE, N_BEGIN_TEXT, N_END_TEXT, N_WORD_BOUNDARY,
  N_NO_WORD_BOUNDARY, N_CAPTURE, N_STAR, N_PLUS, N_QUEST, N_REPEAT, N_CONCAT, N_ALTERNATE,
  REGEX_MAX_PATTERN_BYTES, REGEX_MAX_REPEAT, REGEX_MAX_DEPTH, REGEX_MAX_GROUPS,
} from "./ast";
import { RangeSet, MAX_RUNE } from "./ranges";
import { foldNext } from "./casefold";
import { decimal } from "../decimal";
import { decodeUtf8Lossy } from "../utf8";

class Frame {
  items: Array<Node> = new Array<Node>();
  branches: Array<Node> = new Array<Node>();
  /** capture index, 0 for a non-capturing group, -1 for the whole pattern */
  cap: i32;
  /** flags in force before the group opened (restored at its `)`) */
  savedFlags: i32;
  pos: i32;
  constructor(cap: i32, savedFlags: i32, pos: i32) {
    this.cap = cap;
    this.savedFlags = savedFlags;
    this.pos = pos;
  }
}

// Perl and POSIX class contents (ASCII, as RE2).
// Built when a pattern uses them, not at module start (a top-level array would be allocated in every
// filter that links the SDK).
function perlRanges(c: i32): i32[] {
  if (c == 0x64 || c == 0x44) return [0x30, 0x39];
  if (c == 0x73 || c == 0x53) return [0x09, 0x0A, 0x0C, 0x0D, 0x20, 0x20];
  return [0x30, 0x39, 0x41, 0x5A, 0x5F, 0x5F, 0x61, 0x7A];
}

function isAlnum(c: u32): bool {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A);
}

function hexValue(c: u32): i32 {
  if (c >= 0x30 && c <= 0x39) return <i32>(c - 0x30);
  if (c >= 0x61 && c <= 0x66) return <i32>(c - 0x57);
  if (c >= 0x41 && c <= 0x46) return <i32>(c - 0x37);
  return -1;
}

function posixRanges(name: string): i32[] | null {
  if (name == "alnum") return [0x30, 0x39, 0x41, 0x5A, 0x61, 0x7A];
  if (name == "alpha") return [0x41, 0x5A, 0x61, 0x7A];
  if (name == "ascii") return [0x00, 0x7F];
  if (name == "blank") return [0x09, 0x09, 0x20, 0x20];
  if (name == "cntrl") return [0x00, 0x1F, 0x7F, 0x7F];
  if (name == "digit") return [0x30, 0x39];
  if (name == "graph") return [0x21, 0x7E];
  if (name == "lower") return [0x61, 0x7A];
  if (name == "print") return [0x20, 0x7E];
  if (name == "punct") return [0x21, 0x2F, 0x3A, 0x40, 0x5B, 0x60, 0x7B, 0x7E];
  if (name == "space") return [0x09, 0x0D, 0x20, 0x20];
  if (name == "upper") return [0x41, 0x5A];
  if (name == "word") return [0x30, 0x39, 0x41, 0x5A, 0x5F, 0x5F, 0x61, 0x7A];
  if (name == "xdigit") return [0x30, 0x39, 0x41, 0x46, 0x61, 0x66];
  return null;
}

export class Parser {
  private ptr: usize;
  private len: i32;
  private pos: i32 = 0;
  private flags: i32;
  private frames: Array<Frame> = new Array<Frame>();
  private lastRepeat: i32 = -1;

  failed: bool = false;
  error: string = "";
  errorAt: i32 = 0;
  /** number of capturing groups */
  groups: i32 = 0;
  /** name of each group by index ("" when unnamed; index 0 is the whole match) */
  names: Array<string> = new Array<string>();

  /** `ptr`/`len`: the pattern's UTF-8 bytes, alive during parse(). */
  constructor(ptr: usize, len: i32, flags: i32) {
    this.ptr = ptr;
    this.len = len;
    this.flags = flags;
    this.names.push("");
  }

  private fail(message: string, at: i32): void {
    if (this.failed) return;
    this.failed = true;
    this.error = message;
    this.errorAt = at;
  }

  // @ts-ignore: decorator
  @inline private byteAt(i: i32): u32 {
    return i >= 0 && i < this.len ? <u32>load<u8>(this.ptr + <usize>i) : 0xFFFFFFFF;
  }

  private lookingAt(i: i32, s: string): bool {
    const n = s.length;
    if (i < 0 || this.len - i < n) return false;
    for (let k = 0; k < n; k++) {
      if (<u32>load<u8>(this.ptr + <usize>(i + k)) != <u32>s.charCodeAt(k)) return false;
    }
    return true;
  }

  /** Index of the first occurrence of `s` at or after `from`, or -1. */
  private indexOf(s: string, from: i32): i32 {
    for (let i = from; i + s.length <= this.len; i++) if (this.lookingAt(i, s)) return i;
    return -1;
  }

  /** Decodes one code point at this.pos (strict UTF-8) and advances; -1 (and an error) if invalid. */
  private nextRune(): i32 {
    const p = this.pos;
    const c0 = this.byteAt(p);
    if (c0 < 0x80) { this.pos = p + 1; return <i32>c0; }
    let need = 0;
    let lo: u32 = 0x80;
    let hi: u32 = 0xBF;
    let cp: u32 = 0;
    if (c0 >= 0xC2 && c0 <= 0xDF) { need = 1; cp = c0 & 0x1F; }
    else if (c0 >= 0xE0 && c0 <= 0xEF) { need = 2; cp = c0 & 0x0F; if (c0 == 0xE0) lo = 0xA0; else if (c0 == 0xED) hi = 0x9F; }
    else if (c0 >= 0xF0 && c0 <= 0xF4) { need = 3; cp = c0 & 0x07; if (c0 == 0xF0) lo = 0x90; else if (c0 == 0xF4) hi = 0x8F; }
    else { this.fail("invalid UTF-8 in pattern", p); return -1; }
    if (this.len - p <= need) { this.fail("invalid UTF-8 in pattern", p); return -1; }
    const c1 = this.byteAt(p + 1);
    if (c1 < lo || c1 > hi) { this.fail("invalid UTF-8 in pattern", p); return -1; }
    cp = (cp << 6) | (c1 & 0x3F);
    for (let k = 2; k <= need; k++) {
      const c = this.byteAt(p + k);
      if ((c & 0xC0) != 0x80) { this.fail("invalid UTF-8 in pattern", p); return -1; }
      cp = (cp << 6) | (c & 0x3F);
    }
    this.pos = p + need + 1;
    return <i32>cp;
  }

  private top(): Frame {
    return unchecked(this.frames[this.frames.length - 1]);
  }

  private checkHeight(n: Node): Node {
    if (n.height > REGEX_MAX_DEPTH) {
      this.fail("expression nests too deeply (more than " + decimal(REGEX_MAX_DEPTH) + " levels)", n.pos);
    }
    return n;
  }

  private push(n: Node): void {
    this.top().items.push(this.checkHeight(n));
  }

  /** The node for a finished class: NO_MATCH, ANY, ANY_NOT_NL, a single literal or a class. */
  private classNode(set: RangeSet, at: i32): Node {
    const r = set.r;
    if (r.length == 0) return new Node(N_NO_MATCH, at);
    if (set.isRange(0, MAX_RUNE)) return new Node(N_ANY, at);
    if (r.length == 4 && unchecked(r[0]) == 0 && unchecked(r[1]) == 9 && unchecked(r[2]) == 11 && unchecked(r[3]) == MAX_RUNE) {
      return new Node(N_ANY_NOT_NL, at);
    }
    if (r.length == 2 && unchecked(r[0]) == unchecked(r[1])) {
      const lit = new Node(N_LITERAL, at);
      lit.rune = unchecked(r[0]);
      return lit;
    }
    const n = new Node(N_CLASS, at);
    n.ranges = r;
    return n;
  }

  /** A literal code point, folded to its case orbit under (?i). */
  private literal(cp: i32, at: i32): Node {
    if ((this.flags & F_FOLD) != 0 && foldNext(cp) != cp) {
      const set = new RangeSet();
      let c = cp;
      for (let k = 0; k < 8; k++) {
        set.add(c, c);
        c = foldNext(c);
        if (c == cp) break;
      }
      set.normalize();
      return this.classNode(set, at);
    }
    const n = new Node(N_LITERAL, at);
    n.rune = cp;
    return n;
  }

  /** Adds a Perl/POSIX group (possibly negated) honouring (?i) as RE2: fold first, then negate. */
  private addGroup(set: RangeSet, ranges: i32[], negate: bool): void {
    const src = new RangeSet();
    for (let i = 0; i + 1 < ranges.length; i += 2) {
      if ((this.flags & F_FOLD) != 0) src.addFolded(unchecked(ranges[i]), unchecked(ranges[i + 1]));
      else src.add(unchecked(ranges[i]), unchecked(ranges[i + 1]));
    }
    src.normalize();
    set.addRanges(src.r, negate);
  }

  /** If this.pos is at \d \D \s \S \w \W, adds that class to `set` and returns true. */
  private perlClass(set: RangeSet): bool {
    if (this.byteAt(this.pos) != 0x5C) return false;
    const c = this.byteAt(this.pos + 1);
    if (c != 0x64 && c != 0x44 && c != 0x73 && c != 0x53 && c != 0x77 && c != 0x57) return false;
    this.addGroup(set, perlRanges(c), c < 0x60);
    this.pos += 2;
    return true;
  }

  /**
   * Parses the escape at this.pos (a backslash) that stands for one code point; -1 on error.
   * Shared by literals and class members.
   */
  private escape(): i32 {
    const start = this.pos;
    this.pos++;
    if (this.pos >= this.len) { this.fail("trailing backslash at end of expression", start); return -1; }
    const c = this.byteAt(this.pos);
    if (c >= 0x80) { this.fail("invalid escape sequence", start); return -1; }
    this.pos++;
    if (c >= 0x31 && c <= 0x37) {
      // \1-\7 followed by an octal digit is an octal code; alone it would be a backreference
      const d = this.byteAt(this.pos);
      if (d < 0x30 || d > 0x37) { this.fail("backreferences are not supported", start); return -1; }
    }
    if (c >= 0x30 && c <= 0x37) {
      let r = <i32>(c - 0x30);
      for (let i = 1; i < 3; i++) {
        const d = this.byteAt(this.pos);
        if (d < 0x30 || d > 0x37) break;
        r = r * 8 + <i32>(d - 0x30);
        this.pos++;
      }
      return r;
    }
    if (c == 0x38 || c == 0x39) { this.fail("backreferences are not supported", start); return -1; }
    if (c == 0x78) { // \x
      if (this.pos >= this.len) { this.fail("invalid escape sequence", start); return -1; }
      const c1 = this.byteAt(this.pos);
      this.pos++;
      if (c1 == 0x7B) { // \x{...}
        let digits = 0;
        let r = 0;
        while (true) {
          if (this.pos >= this.len) { this.fail("invalid escape sequence", start); return -1; }
          const h = this.byteAt(this.pos);
          this.pos++;
          if (h == 0x7D) break;
          const v = hexValue(h);
          if (v < 0) { this.fail("invalid escape sequence", start); return -1; }
          r = r * 16 + v;
          if (r > MAX_RUNE) { this.fail("invalid escape sequence (code point above U+10FFFF)", start); return -1; }
          digits++;
        }
        if (digits == 0) { this.fail("invalid escape sequence", start); return -1; }
        return r;
      }
      const x = hexValue(c1);
      if (this.pos >= this.len) { this.fail("invalid escape sequence", start); return -1; }
      const y = hexValue(this.byteAt(this.pos));
      this.pos++;
      if (x < 0 || y < 0) { this.fail("invalid escape sequence", start); return -1; }
      return x * 16 + y;
    }
    if (c == 0x61) return 0x07; // \a
    if (c == 0x66) return 0x0C; // \f
    if (c == 0x6E) return 0x0A; // \n
    if (c == 0x72) return 0x0D; // \r
    if (c == 0x74) return 0x09; // \t
    if (c == 0x76) return 0x0B; // \v
    if (!isAlnum(c)) return <i32>c; // escaped punctuation (any ASCII but letters and digits)
    if (c == 0x70 || c == 0x50) { this.fail("Unicode classes \\p and \\P are not supported", start); return -1; }
    this.fail("invalid escape sequence", start);
    return -1;
  }

  /** One class member: an escape or a code point; -1 on error. */
  private classChar(classStart: i32): i32 {
    if (this.pos >= this.len) { this.fail("missing closing ]", classStart); return -1; }
    if (this.byteAt(this.pos) == 0x5C) return this.escape();
    return this.nextRune();
  }

  private parseClass(): void {
    const start = this.pos;
    this.pos++; // [
    const set = new RangeSet();
    let negate = false;
    if (this.byteAt(this.pos) == 0x5E) { negate = true; this.pos++; }
    let first = true;
    while (!this.failed) {
      if (this.pos >= this.len) { this.fail("missing closing ]", start); return; }
      if (this.byteAt(this.pos) == 0x5D && !first) { this.pos++; break; }
      first = false;
      const itemAt = this.pos;
      // [:alpha:] [:^alpha:] (as re2js: the first ":]" from the ':' on closes the name; an unknown
      // name is an error, no ":]" at all makes the '[' a literal)
      if (this.lookingAt(this.pos, "[:")) {
        const end = this.indexOf(":]", this.pos + 1);
        if (end >= 0) {
          let nameStart = this.pos + 2;
          let neg = false;
          if (end > nameStart && this.byteAt(nameStart) == 0x5E) { neg = true; nameStart++; }
          const ranges = end > nameStart
            ? posixRanges(decodeUtf8Lossy(this.ptr + <usize>nameStart, <usize>(end - nameStart)))
            : null;
          if (ranges === null) { this.fail("invalid character class range", itemAt); return; }
          this.addGroup(set, ranges, neg);
          this.pos = end + 2;
          continue;
        }
      }
      if (this.lookingAt(this.pos, "\\p") || this.lookingAt(this.pos, "\\P")) {
        this.fail("Unicode classes \\p and \\P are not supported", itemAt);
        return;
      }
      if (this.perlClass(set)) continue;
      const lo = this.classChar(start);
      if (lo < 0) return;
      let hi = lo;
      if (this.byteAt(this.pos) == 0x2D) { // -
        this.pos++;
        if (this.byteAt(this.pos) == 0x5D) {
          this.pos--; // [a-] : the - is a literal, read next
        } else {
          hi = this.classChar(start);
          if (hi < 0) return;
          if (hi < lo) { this.fail("invalid character class range", itemAt); return; }
        }
      }
      if ((this.flags & F_FOLD) != 0) set.addFolded(lo, hi);
      else set.add(lo, hi);
    }
    if (this.failed) return;
    set.normalize();
    if (negate) set.negate();
    this.push(this.classNode(set, start));
  }

  /** Parses `{n}`, `{n,}` or `{n,m}` at this.pos; returns false (pos unchanged) if it is a literal `{`. */
  private repeatCounts(out: StaticArray<i32>): bool {
    const start = this.pos;
    let p = start + 1;
    // each count: digits without a leading zero; more than 8 digits is "too big" (-2)
    let min = -1;
    let max = -1;
    let q = p;
    while (q < this.len && this.byteAt(q) >= 0x30 && this.byteAt(q) <= 0x39) q++;
    if (q == p || (q - p > 1 && this.byteAt(p) == 0x30)) return false;
    min = q - p > 8 ? -2 : this.number(p, q);
    p = q;
    if (p >= this.len) return false;
    if (this.byteAt(p) != 0x2C) {
      max = min;
    } else {
      p++;
      if (p >= this.len) return false;
      if (this.byteAt(p) == 0x7D) {
        max = -1;
      } else {
        q = p;
        while (q < this.len && this.byteAt(q) >= 0x30 && this.byteAt(q) <= 0x39) q++;
        if (q == p || (q - p > 1 && this.byteAt(p) == 0x30)) return false;
        max = q - p > 8 ? -2 : this.number(p, q);
        p = q;
      }
    }
    if (p >= this.len || this.byteAt(p) != 0x7D) return false;
    p++;
    if (min < 0 || max == -2 || min > REGEX_MAX_REPEAT || max > REGEX_MAX_REPEAT) {
      this.fail("invalid repeat count (counts are limited to " + decimal(REGEX_MAX_REPEAT) + ")", start);
      return true;
    }
    if (max >= 0 && min > max) {
      this.fail("invalid repeat count (minimum above maximum)", start);
      return true;
    }
    this.pos = p;
    unchecked(out[0] = min);
    unchecked(out[1] = max);
    return true;
  }

  private number(from: i32, to: i32): i32 {
    let v = 0;
    for (let i = from; i < to; i++) v = v * 10 + <i32>(this.byteAt(i) - 0x30);
    return v;
  }

  /** Whether nested counts multiply to at most `budget` (RE2's rule: (a{10}){101} is too many). */
  private repeatFits(n: Node, budget: i32): bool {
    if (n.op == N_REPEAT) {
      let m = n.max;
      if (m == 0) return true;
      if (m < 0) m = n.min;
      if (m > budget) return false;
      if (m > 0) budget = budget / m;
    }
    const subs = n.subs;
    if (subs !== null) {
      for (let i = 0; i < subs.length; i++) if (!this.repeatFits(unchecked(subs[i]), budget)) return false;
    }
    return true;
  }

  /** Applies a quantifier (already consumed, starting at opAt) to the last item. */
  private repeat(op: i32, min: i32, max: i32, opAt: i32, possessiveChar: bool): void {
    let fl = this.flags;
    if (this.byteAt(this.pos) == 0x3F) { // lazy
      this.pos++;
      fl ^= F_NONGREEDY;
    }
    if (this.lastRepeat >= 0) {
      this.fail(possessiveChar ? "possessive quantifiers are not supported (invalid nested repetition operator)" : "invalid nested repetition operator", opAt);
      return;
    }
    const items = this.top().items;
    if (items.length == 0) { this.fail("missing argument to repetition operator", opAt); return; }
    const sub = items.pop();
    const n = wrap(op, opAt, fl, sub);
    n.min = min;
    n.max = max;
    this.checkHeight(n);
    if (op == N_REPEAT && (min >= 2 || max >= 2) && !this.failed && !this.repeatFits(n, REGEX_MAX_REPEAT)) {
      this.fail("invalid repeat count (nested counts multiply to more than " + decimal(REGEX_MAX_REPEAT) + ")", opAt);
      return;
    }
    items.push(n);
  }

  private concat(items: Array<Node>, at: i32): Node {
    if (items.length == 0) return new Node(N_EMPTY, at);
    if (items.length == 1) return unchecked(items[0]);
    return this.collapse(items, N_CONCAT);
  }

  private alternate(branches: Array<Node>): Node {
    if (branches.length == 1) return unchecked(branches[0]);
    return this.collapse(branches, N_ALTERNATE);
  }

  /** A concatenation or alternation of `list`, absorbing children of the same kind. */
  private collapse(list: Array<Node>, op: i32): Node {
    const subs = new Array<Node>();
    let height = 0;
    for (let i = 0; i < list.length; i++) {
      const s = unchecked(list[i]);
      const inner = s.subs;
      if (s.op == op && inner !== null) {
        for (let j = 0; j < inner.length; j++) subs.push(unchecked(inner[j]));
        if (s.height - 1 > height) height = s.height - 1;
      } else {
        subs.push(s);
        if (s.height > height) height = s.height;
      }
    }
    const n = new Node(op, unchecked(list[0]).pos);
    n.subs = subs;
    n.height = height + 1;
    return this.checkHeight(n);
  }

  private openGroup(): void {
    const start = this.pos;
    if (this.byteAt(start + 1) != 0x3F) { // (
      this.pos++;
      this.newCapture(start, "");
      return;
    }
    if (this.lookingAt(start, "(?<=") || this.lookingAt(start, "(?<!")) {
      this.fail("lookbehind assertions are not supported", start);
      return;
    }
    if (this.lookingAt(start, "(?=") || this.lookingAt(start, "(?!")) {
      this.fail("lookahead assertions are not supported", start);
      return;
    }
    if (this.lookingAt(start, "(?P=")) {
      this.fail("backreferences are not supported", start);
      return;
    }
    const python = this.lookingAt(start, "(?P<");
    if (python || this.lookingAt(start, "(?<")) {
      const nameStart = start + (python ? 4 : 3);
      const end = this.indexOf(">", nameStart);
      if (end < 0) { this.fail("invalid named capture", start); return; }
      let valid = end > nameStart;
      for (let i = nameStart; i < end; i++) {
        const c = this.byteAt(i);
        if (c != 0x5F && !isAlnum(c)) valid = false;
      }
      if (!valid) { this.fail("invalid named capture", start); return; }
      const name = decodeUtf8Lossy(this.ptr + <usize>nameStart, <usize>(end - nameStart));
      for (let i = 0; i < this.names.length; i++) {
        if (unchecked(this.names[i]) == name) { this.fail("duplicate capture group name", start); return; }
      }
      this.pos = end + 1;
      this.newCapture(start, name);
      return;
    }
    // flags: (?flags) or (?flags:re), flags = [imsU]* optionally followed by -[imsU]+
    let p = start + 2;
    let fl = this.flags;
    let negated = false;
    let sawFlag = false;
    while (p < this.len) {
      const c = this.byteAt(p);
      p++;
      if (c == 0x69) { fl |= F_FOLD; sawFlag = true; }
      else if (c == 0x6D) { fl |= F_MULTILINE; sawFlag = true; }
      else if (c == 0x73) { fl |= F_DOTNL; sawFlag = true; }
      else if (c == 0x55) { fl |= F_NONGREEDY; sawFlag = true; }
      else if (c == 0x2D) {
        if (negated) break;
        negated = true;
        fl = ~fl; // set bits from here on clear them (inverted back at the end)
        sawFlag = false;
      } else if (c == 0x3A || c == 0x29) {
        if (negated) {
          if (!sawFlag) break;
          fl = ~fl;
        }
        if (c == 0x3A) this.frames.push(new Frame(0, this.flags, start));
        this.flags = fl;
        this.pos = p;
        return;
      } else {
        break;
      }
    }
    this.fail("invalid or unsupported Perl syntax", start);
  }

  private newCapture(start: i32, name: string): void {
    if (this.groups >= REGEX_MAX_GROUPS) {
      this.fail("too many capturing groups (more than " + decimal(REGEX_MAX_GROUPS) + ")", start);
      return;
    }
    this.groups++;
    this.names.push(name);
    this.frames.push(new Frame(this.groups, this.flags, start));
  }

  private closeGroup(): void {
    if (this.frames.length < 2) { this.fail("unexpected )", this.pos); return; }
    const f = this.frames.pop();
    f.branches.push(this.concat(f.items, this.pos));
    let n = this.alternate(f.branches);
    if (f.cap > 0) {
      n = wrap(N_CAPTURE, f.pos, this.flags, n);
      n.cap = f.cap;
    }
    this.flags = f.savedFlags;
    this.pos++;
    this.push(n);
  }

  private escapeAtom(): void {
    const start = this.pos;
    const c = this.byteAt(start + 1);
    if (c == 0x41) { this.pos += 2; this.push(new Node(N_BEGIN_TEXT, start)); return; }           // \A
    if (c == 0x7A) { this.pos += 2; this.push(new Node(N_END_TEXT, start)); return; }             // \z
    if (c == 0x62) { this.pos += 2; this.push(new Node(N_WORD_BOUNDARY, start)); return; }        // \b
    if (c == 0x42) { this.pos += 2; this.push(new Node(N_NO_WORD_BOUNDARY, start)); return; }     // \B
    if (c == 0x43) { this.fail("\\C (any byte) is not supported", start); return; }
    if (c == 0x51) { // \Q...\E: literal text
      const from = start + 2;
      const end = this.indexOf("\\E", from);
      const stop = end >= 0 ? end : this.len;
      this.pos = from;
      while (this.pos < stop && !this.failed) {
        const at = this.pos;
        const cp = this.nextRune();
        if (cp < 0) return;
        this.push(this.literal(cp, at));
      }
      this.pos = end >= 0 ? end + 2 : this.len;
      return;
    }
    if (c == 0x70 || c == 0x50) { this.fail("Unicode classes \\p and \\P are not supported", start); return; }
    const set = new RangeSet();
    if (this.perlClass(set)) {
      this.push(this.classNode(set, start));
      return;
    }
    const cp = this.escape();
    if (cp >= 0) this.push(this.literal(cp, start));
  }

  /** Parses the whole pattern; null on error (see error, errorAt). */
  parse(): Node | null {
    if (this.len > REGEX_MAX_PATTERN_BYTES) {
      this.fail("pattern too long (more than " + decimal(REGEX_MAX_PATTERN_BYTES) + " bytes)", REGEX_MAX_PATTERN_BYTES);
      return null;
    }
    this.frames.push(new Frame(-1, this.flags, 0));
    const counts = new StaticArray<i32>(2);
    while (this.pos < this.len && !this.failed) {
      const at = this.pos;
      const c = this.byteAt(at);
      let repeatAt = -1;
      if (c == 0x28) this.openGroup();                                   // (
      else if (c == 0x7C) {                                              // |
        const f = this.top();
        f.branches.push(this.concat(f.items, at));
        f.items = new Array<Node>();
        this.pos++;
      } else if (c == 0x29) this.closeGroup();                           // )
      else if (c == 0x5E) { this.pos++; this.push(new Node((this.flags & F_MULTILINE) != 0 ? N_BEGIN_LINE : N_BEGIN_TEXT, at)); }
      else if (c == 0x24) { this.pos++; this.push(new Node((this.flags & F_MULTILINE) != 0 ? N_END_LINE : N_END_TEXT, at)); }
      else if (c == 0x2E) { this.pos++; this.push(new Node((this.flags & F_DOTNL) != 0 ? N_ANY : N_ANY_NOT_NL, at)); }
      else if (c == 0x5B) this.parseClass();                             // [
      else if (c == 0x2A || c == 0x2B || c == 0x3F) {                    // * + ?
        repeatAt = at;
        this.pos++;
        const op = c == 0x2A ? N_STAR : c == 0x2B ? N_PLUS : N_QUEST;
        this.repeat(op, 0, 0, at, c == 0x2B);
      } else if (c == 0x7B) {                                            // {
        if (this.repeatCounts(counts)) {
          if (!this.failed) {
            repeatAt = at;
            this.repeat(N_REPEAT, unchecked(counts[0]), unchecked(counts[1]), at, false);
          }
        } else {
          this.pos++;
          this.push(this.literal(0x7B, at));
        }
      } else if (c == 0x5C) this.escapeAtom();                           // \
      else {
        const cp = this.nextRune();
        if (cp >= 0) this.push(this.literal(cp, at));
      }
      this.lastRepeat = repeatAt;
    }
    if (this.failed) return null;
    if (this.frames.length > 1) {
      this.fail("missing closing )", this.top().pos);
      return null;
    }
    const f = this.top();
    f.branches.push(this.concat(f.items, this.len));
    const root = this.alternate(f.branches);
    return this.failed ? null : root;
  }
}
