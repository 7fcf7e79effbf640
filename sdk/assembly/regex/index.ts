// Regular expressions for filters: RE2 syntax, linear-time matching, bounded memory, no traps.
//
//   const res = Regex.compile("^Bearer ([A-Za-z0-9._~+/-]+=*)$");
//   if (!res.ok) return cfg.fail("pattern", res.describe());
//   const m = res.regex!.find(value);          // null when there is no match
//   if (m !== null) token = m.group(1);
//
// Offsets are UTF-8 byte offsets into the subject (a string subject is read as its UTF-8 form;
// a lone surrogate reads as U+FFFD). Byte subjects (ArrayBuffer) may hold invalid UTF-8: each byte
// of an invalid sequence is read as U+FFFD of width 1, as RE2 does. See sdk/README.md.

import { Parser } from "./parser";
import { Compiler } from "./compiler";
import { Program } from "./program";
import { Machine, ANCHOR_NONE, ANCHOR_BOTH, decodeAt } from "./vm";
import { ByteBuffer, encodeString, utf16IndexOf, decodeBytes } from "./utf8";
import { F_FOLD, F_DOTNL, F_MULTILINE, F_NONGREEDY } from "./ast";
import { decimal } from "../decimal";

export {
  REGEX_MAX_PATTERN_BYTES, REGEX_MAX_INSTRUCTIONS, REGEX_MAX_REPEAT, REGEX_MAX_DEPTH,
  REGEX_MAX_GROUPS, REGEX_MAX_CAPTURE_CELLS,
} from "./ast";
import { REGEX_MAX_CAPTURE_CELLS } from "./ast";

// Module buffers, reused by every call (a call never runs another regex before it is done). Made on
// first use: a top-level `new` would run in the start function of every filter linking the SDK.
let subjectBuffer: ByteBuffer | null = null;
let patternBuffer: ByteBuffer | null = null;
let templateBuffer: ByteBuffer | null = null;
let outputBuffer: ByteBuffer | null = null;

function subjectBuf(): ByteBuffer {
  let b = subjectBuffer;
  if (b === null) subjectBuffer = b = new ByteBuffer();
  return b;
}

function patternBuf(): ByteBuffer {
  let b = patternBuffer;
  if (b === null) patternBuffer = b = new ByteBuffer();
  return b;
}

function templateBuf(): ByteBuffer {
  let b = templateBuffer;
  if (b === null) templateBuffer = b = new ByteBuffer();
  return b;
}

function outputBuf(): ByteBuffer {
  let b = outputBuffer;
  if (b === null) outputBuffer = b = new ByteBuffer();
  return b;
}

/** Outcome of Regex.compile: `regex` when ok, else `error` and the byte `offset` in the pattern. */
export class RegexCompileResult {
  regex: Regex | null = null;
  error: string = "";
  /** UTF-8 byte offset in the pattern of the construct at fault (-1 for a bad flags string) */
  offset: i32 = -1;
  get ok(): bool { return this.regex !== null; }
  /** "<error> at byte <offset>" (or the flags error), "" when ok. */
  describe(): string {
    if (this.ok) return "";
    return this.offset >= 0 ? this.error + " at byte " + decimal(this.offset) : this.error;
  }
}

/** One match: spans of the whole match (group 0) and of every group, as UTF-8 byte offsets. */
export class RegexMatch {
  private caps: StaticArray<i32>;
  private text: string | null;
  private bytes: ArrayBuffer | null;
  private names: Array<string>;

  constructor(caps: StaticArray<i32>, text: string | null, bytes: ArrayBuffer | null, names: Array<string>) {
    this.caps = caps;
    this.text = text;
    this.bytes = bytes;
    this.names = names;
  }

  /** Byte offset where the match starts. */
  get start(): i32 { return this.groupStart(0); }
  /** Byte offset just past the match. */
  get end(): i32 { return this.groupEnd(0); }
  /** Number of capturing groups of the pattern (group 0, the whole match, not counted). */
  get groupCount(): i32 { return (this.caps.length >> 1) - 1; }

  /** Start of group i, or -1 when the group did not take part in the match or does not exist. */
  groupStart(i: i32): i32 {
    return i >= 0 && (i << 1) + 1 < this.caps.length ? unchecked(this.caps[i << 1]) : -1;
  }
  /** End of group i, or -1. */
  groupEnd(i: i32): i32 {
    return i >= 0 && (i << 1) + 1 < this.caps.length ? unchecked(this.caps[(i << 1) + 1]) : -1;
  }
  /** Whether group i took part in the match. */
  matched(i: i32): bool { return this.groupStart(i) >= 0 && this.groupEnd(i) >= 0; }

  /** Text of group i ("" when unmatched or out of range); group(0) is the whole match. */
  group(i: i32): string {
    const s = this.groupStart(i);
    const e = this.groupEnd(i);
    if (s < 0 || e < s) return "";
    const text = this.text;
    if (text !== null) return text.substring(utf16IndexOf(text, s), utf16IndexOf(text, e));
    const bytes = this.bytes;
    if (bytes === null || e > bytes.byteLength) return "";
    return decodeBytes(changetype<usize>(bytes) + <usize>s, e - s);
  }

  /** Index of the group called `name`, or -1. */
  groupIndex(name: string): i32 {
    if (name.length == 0) return -1;
    for (let i = 1; i < this.names.length; i++) if (unchecked(this.names[i]) == name) return i;
    return -1;
  }

  /** Text of the group called `name` ("" when there is none or it did not match). */
  groupByName(name: string): string { return this.group(this.groupIndex(name)); }
}

export class Regex {
  /** the pattern as given */
  readonly pattern: string;
  /** the flags as given */
  readonly flags: string;
  private prog: Program;
  private vm: Machine;
  private names: Array<string>;

  private constructor(pattern: string, flags: string, prog: Program, names: Array<string>) {
    this.pattern = pattern;
    this.flags = flags;
    this.prog = prog;
    this.vm = new Machine(prog);
    this.names = names;
  }

  /**
   * Compiles `pattern` (RE2 syntax). `flags`: any of "i" (case-insensitive), "m" (^ and $ at line
   * breaks), "s" (. matches \n), "U" (swap greedy and lazy), as (?flags) at the start would.
   */
  static compile(pattern: string, flags: string = ""): RegexCompileResult {
    const res = new RegexCompileResult();
    let fl = 0;
    for (let i = 0; i < flags.length; i++) {
      const c = flags.charCodeAt(i);
      if (c == 0x69) fl |= F_FOLD;
      else if (c == 0x6D) fl |= F_MULTILINE;
      else if (c == 0x73) fl |= F_DOTNL;
      else if (c == 0x55) fl |= F_NONGREEDY;
      else {
        res.error = "unknown flag \"" + flags.charAt(i) + "\" (flags are i, m, s, U)";
        return res;
      }
    }
    const len = encodeString(pattern, patternBuf(), true);
    const parser = new Parser(patternBuf().ptr, len, fl);
    const root = parser.parse();
    if (root === null) {
      res.error = parser.error;
      res.offset = parser.errorAt;
      return res;
    }
    const compiler = new Compiler();
    const prog = compiler.build(root, parser.groups);
    if (prog === null) {
      res.error = compiler.error;
      res.offset = compiler.errorAt;
      return res;
    }
    if (prog.threadInsts * prog.slots > REGEX_MAX_CAPTURE_CELLS) {
      res.error = "too many capture cells (" + decimal(prog.threadInsts) + " thread instructions × " + decimal(prog.slots)
        + " slots, the limit is " + decimal(REGEX_MAX_CAPTURE_CELLS) + "): use fewer groups";
      res.offset = 0;
      return res;
    }
    res.regex = new Regex(pattern, flags, prog, parser.names);
    return res;
  }

  /** Number of capturing groups. */
  get groupCount(): i32 { return this.names.length - 1; }
  /** Name of group i ("" when unnamed or out of range). */
  groupName(i: i32): string { return i > 0 && i < this.names.length ? unchecked(this.names[i]) : ""; }
  /** Index of the group called `name`, or -1. */
  groupIndex(name: string): i32 {
    if (name.length == 0) return -1;
    for (let i = 1; i < this.names.length; i++) if (unchecked(this.names[i]) == name) return i;
    return -1;
  }
  /** Names by group index (index 0 is the whole match, ""; unnamed groups are ""). */
  get groupNames(): Array<string> { return this.names.slice(0); }
  /** Instructions in the compiled program. */
  get programSize(): i32 { return this.prog.count; }
  /** Bytes of matching state this regex holds (allocated at compile, capture cells on first find). */
  get memoryBytes(): i32 { return this.vm.memoryBytes + this.prog.code.length * 4 + this.prog.classes.length * 4; }
  /** Work done by the latest call (VM steps: instruction visits); grows linearly with the input. */
  get lastSteps(): i64 { return this.vm.steps; }

  // ---- boolean searches ------------------------------------------------------------------------

  /** Whether the pattern matches anywhere in `subject`. */
  test(subject: string): bool {
    const len = encodeString(subject, subjectBuf());
    return this.vm.exec(subjectBuf().ptr, len, 0, ANCHOR_NONE, false);
  }
  /** test() on UTF-8 bytes. */
  testBytes(subject: ArrayBuffer): bool {
    return this.vm.exec(changetype<usize>(subject), subject.byteLength, 0, ANCHOR_NONE, false);
  }
  /** test() on `len` UTF-8 bytes at `ptr` (the memory must stay alive during the call). */
  testAt(ptr: usize, len: i32): bool {
    return this.vm.exec(ptr, len, 0, ANCHOR_NONE, false);
  }
  /** Whether the pattern matches the whole of `subject`. */
  fullMatch(subject: string): bool {
    const len = encodeString(subject, subjectBuf());
    return this.vm.exec(subjectBuf().ptr, len, 0, ANCHOR_BOTH, false);
  }
  /** fullMatch() on UTF-8 bytes. */
  fullMatchBytes(subject: ArrayBuffer): bool {
    return this.vm.exec(changetype<usize>(subject), subject.byteLength, 0, ANCHOR_BOTH, false);
  }

  // ---- matches with groups ---------------------------------------------------------------------

  private matchObject(text: string | null, bytes: ArrayBuffer | null): RegexMatch {
    const slots = this.prog.slots;
    const caps = new StaticArray<i32>(slots);
    memory.copy(changetype<usize>(caps), changetype<usize>(this.vm.matchCaps), <usize>slots << 2);
    return new RegexMatch(caps, text, bytes, this.names);
  }

  /** The leftmost match (leftmost-first among alternatives, as RE2/Perl), or null. */
  find(subject: string): RegexMatch | null {
    const len = encodeString(subject, subjectBuf());
    if (!this.vm.exec(subjectBuf().ptr, len, 0, ANCHOR_NONE, true)) return null;
    return this.matchObject(subject, null);
  }
  /** find() on UTF-8 bytes. */
  findBytes(subject: ArrayBuffer): RegexMatch | null {
    if (!this.vm.exec(changetype<usize>(subject), subject.byteLength, 0, ANCHOR_NONE, true)) return null;
    return this.matchObject(null, subject);
  }
  /** The match covering all of `subject` (with its groups), or null. */
  findFull(subject: string): RegexMatch | null {
    const len = encodeString(subject, subjectBuf());
    if (!this.vm.exec(subjectBuf().ptr, len, 0, ANCHOR_BOTH, true)) return null;
    return this.matchObject(subject, null);
  }
  /** findFull() on UTF-8 bytes. */
  findFullBytes(subject: ArrayBuffer): RegexMatch | null {
    if (!this.vm.exec(changetype<usize>(subject), subject.byteLength, 0, ANCHOR_BOTH, true)) return null;
    return this.matchObject(null, subject);
  }

  /**
   * Successive non-overlapping matches, left to right, as RE2 and Go iterate them: after an empty
   * match the search resumes one character later, and an empty match right where the previous
   * match ended is skipped. At most `limit` matches (< 0: no limit).
   */
  findAll(subject: string, limit: i32 = -1): Array<RegexMatch> {
    const len = encodeString(subject, subjectBuf());
    return this.collect(subjectBuf().ptr, len, limit, subject, null);
  }
  /** findAll() on UTF-8 bytes. */
  findAllBytes(subject: ArrayBuffer, limit: i32 = -1): Array<RegexMatch> {
    return this.collect(changetype<usize>(subject), subject.byteLength, limit, null, subject);
  }

  private collect(ptr: usize, len: i32, limit: i32, text: string | null, bytes: ArrayBuffer | null): Array<RegexMatch> {
    const out = new Array<RegexMatch>();
    let pos = 0;
    let prevEnd = -1;
    let steps: i64 = 0;
    while (pos <= len && (limit < 0 || out.length < limit)) {
      if (!this.vm.exec(ptr, len, pos, ANCHOR_NONE, true)) break;
      steps += this.vm.steps;
      const s = unchecked(this.vm.matchCaps[0]);
      const e = unchecked(this.vm.matchCaps[1]);
      let accept = true;
      if (e == pos) {
        // an empty match: not right after the previous match; move on one character
        if (s == prevEnd) accept = false;
        pos += pos < len ? decodeAt(ptr, len, pos) & 7 : 1;
      } else {
        pos = e;
      }
      prevEnd = e;
      if (accept) out.push(this.matchObject(text, bytes));
    }
    this.vm.steps = steps;
    return out;
  }

  // ---- replacement -----------------------------------------------------------------------------

  /**
   * `subject` with the first match (all: every match, iterated as findAll) replaced by
   * `replacement`, in which `$1` / `${1}` insert group 1, `${name}` the group called name, and
   * `$$` a dollar sign; a `$` not starting one of these is kept as is. A group that did not match
   * or does not exist inserts nothing (checkReplacement() reports the latter up front).
   */
  replace(subject: string, replacement: string, all: bool = true): string {
    const len = encodeString(subject, subjectBuf());
    if (!this.replaceInto(subjectBuf().ptr, len, replacement, all)) return subject;
    return decodeBytes(outputBuf().ptr, outputBuf().len);
  }
  /** replace() on UTF-8 bytes; the result is a new buffer. */
  replaceBytes(subject: ArrayBuffer, replacement: string, all: bool = true): ArrayBuffer {
    const len = subject.byteLength;
    if (!this.replaceInto(changetype<usize>(subject), len, replacement, all)) return subject.slice(0);
    const out = new ArrayBuffer(outputBuf().len);
    memory.copy(changetype<usize>(out), outputBuf().ptr, <usize>outputBuf().len);
    return out;
  }

  /**
   * "" when `replacement` is well formed for this pattern, else what is wrong with it (a reference
   * to a group that does not exist, or a `${` without a valid name and `}`), with its offset.
   */
  checkReplacement(replacement: string): string {
    const tlen = encodeString(replacement, templateBuf());
    const t = templateBuf().ptr;
    let i = 0;
    while (i < tlen) {
      if (load<u8>(t + <usize>i) != 0x24 || i + 1 >= tlen) { i++; continue; }
      const c = <u32>load<u8>(t + <usize>(i + 1));
      if (c == 0x24) { i += 2; continue; }
      if (c - 0x30 < 10) {
        let j = i + 1;
        let v: i64 = 0;
        while (j < tlen && <u32>load<u8>(t + <usize>j) - 0x30 < 10) {
          if (v < 1000000) v = v * 10 + <i64>(load<u8>(t + <usize>j) - 0x30);
          j++;
        }
        if (v > <i64>this.groupCount) return "reference to group " + decimal(v) + " at byte " + decimal(i) + ", but the pattern has " + decimal(this.groupCount) + " groups";
        i = j;
        continue;
      }
      if (c == 0x7B) {
        const r = this.braceReference(t, tlen, i);
        if (r < -1) return "invalid group reference at byte " + decimal(i) + " (expected ${number} or ${name})";
        if (r < 0) return "reference to an unknown group at byte " + decimal(i);
        i = this.braceEnd;
        continue;
      }
      i++;
    }
    return "";
  }

  /** end of the last ${...} read by braceReference */
  private braceEnd: i32 = 0;

  /** Reads `${...}` at t+i: the group index, -1 for an unknown group, -2 when malformed. */
  private braceReference(t: usize, tlen: i32, i: i32): i32 {
    let j = i + 2;
    const nameStart = j;
    let digits = true;
    while (j < tlen) {
      const c = <u32>load<u8>(t + <usize>j);
      if (c == 0x7D) break;
      const digit = c - 0x30 < 10;
      if (!digit && c != 0x5F && !((c | 0x20) - 0x61 < 26)) return -2;
      if (!digit) digits = false;
      j++;
    }
    if (j >= tlen || j == nameStart) return -2;
    this.braceEnd = j + 1;
    if (digits) {
      let v: i64 = 0;
      for (let k = nameStart; k < j; k++) if (v < 1000000) v = v * 10 + <i64>(load<u8>(t + <usize>k) - 0x30);
      return v <= <i64>this.groupCount ? <i32>v : -1;
    }
    // compare with the group names in place (names are ASCII), so expanding allocates nothing
    const n = j - nameStart;
    for (let g = 1; g < this.names.length; g++) {
      const name = unchecked(this.names[g]);
      if (name.length != n) continue;
      let same = true;
      for (let k = 0; k < n && same; k++) same = <u32>name.charCodeAt(k) == <u32>load<u8>(t + <usize>(nameStart + k));
      if (same) return g;
    }
    return -1;
  }

  /** Builds the replaced text in outputBuf(); false when nothing matched. */
  private replaceInto(ptr: usize, len: i32, replacement: string, all: bool): bool {
    const tlen = encodeString(replacement, templateBuf());
    outputBuf().len = 0;
    let pos = 0;
    let lastEnd = 0;
    let any = false;
    let steps: i64 = 0;
    while (pos <= len) {
      if (!this.vm.exec(ptr, len, pos, ANCHOR_NONE, true)) break;
      steps += this.vm.steps;
      const s = unchecked(this.vm.matchCaps[0]);
      const e = unchecked(this.vm.matchCaps[1]);
      outputBuf().append(ptr + <usize>lastEnd, s - lastEnd);
      // no replacement for an empty match right after the previous match (as RE2 and Go)
      if (e > lastEnd || s == 0) {
        this.expand(ptr, templateBuf().ptr, tlen);
        any = true;
      }
      lastEnd = e;
      if (!all) break;
      const width = pos < len ? decodeAt(ptr, len, pos) & 7 : 1;
      if (pos + width > e) pos += width;
      else pos = e;
    }
    this.vm.steps = steps;
    if (!any) return false;
    outputBuf().append(ptr + <usize>lastEnd, len - lastEnd);
    return true;
  }

  /** Appends the template with the current match's groups substituted. */
  private expand(subject: usize, t: usize, tlen: i32): void {
    const caps = this.vm.matchCaps;
    let i = 0;
    let from = 0;
    while (i < tlen) {
      if (load<u8>(t + <usize>i) != 0x24 || i + 1 >= tlen) { i++; continue; }
      const c = <u32>load<u8>(t + <usize>(i + 1));
      let group = -1;
      let next = i + 1;
      if (c == 0x24) {
        outputBuf().append(t + <usize>from, i + 1 - from); // up to and including the first $
        i += 2;
        from = i;
        continue;
      } else if (c - 0x30 < 10) {
        let j = i + 1;
        let v: i64 = 0;
        while (j < tlen && <u32>load<u8>(t + <usize>j) - 0x30 < 10) {
          if (v < 1000000) v = v * 10 + <i64>(load<u8>(t + <usize>j) - 0x30);
          j++;
        }
        group = v <= <i64>this.groupCount ? <i32>v : -1;
        next = j;
      } else if (c == 0x7B) {
        const r = this.braceReference(t, tlen, i);
        if (r < -1) { i++; continue; } // malformed: kept as text
        group = r;
        next = this.braceEnd;
      } else {
        i++;
        continue;
      }
      outputBuf().append(t + <usize>from, i - from);
      if (group >= 0) {
        const gs = unchecked(caps[group << 1]);
        const ge = unchecked(caps[(group << 1) + 1]);
        if (gs >= 0 && ge >= gs) outputBuf().append(subject + <usize>gs, ge - gs);
      }
      i = next;
      from = next;
    }
    outputBuf().append(t + <usize>from, tlen - from);
  }
}
