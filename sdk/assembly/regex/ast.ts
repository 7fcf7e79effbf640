// Syntax tree of a parsed pattern, and the limits shared by parser and compiler.

/** Longest pattern accepted, in UTF-8 bytes. */
export const REGEX_MAX_PATTERN_BYTES: i32 = 4096;
/** Most instructions in a compiled program. */
export const REGEX_MAX_INSTRUCTIONS: i32 = 5000;
/** Largest count in {n}, {n,}, {n,m}; also the limit of nested counts multiplied (as RE2). */
export const REGEX_MAX_REPEAT: i32 = 1000;
/** Deepest syntax tree (every group, quantifier, concatenation and alternation is a level). */
export const REGEX_MAX_DEPTH: i32 = 250;
/** Most capturing groups. */
export const REGEX_MAX_GROUPS: i32 = 100;
/** Most capture cells per thread list: thread instructions × 2 × (groups + 1). */
export const REGEX_MAX_CAPTURE_CELLS: i32 = 65536;

// Parse flags.
export const F_FOLD: i32 = 1;       // (?i)
export const F_DOTNL: i32 = 2;      // (?s)
export const F_MULTILINE: i32 = 4;  // (?m)
export const F_NONGREEDY: i32 = 8;  // (?U)

// Node kinds.
export const N_NO_MATCH: i32 = 1;
export const N_EMPTY: i32 = 2;
export const N_LITERAL: i32 = 3;     // rune
export const N_CLASS: i32 = 4;       // ranges
export const N_ANY_NOT_NL: i32 = 5;
export const N_ANY: i32 = 6;
export const N_BEGIN_LINE: i32 = 7;
export const N_END_LINE: i32 = 8;
export const N_BEGIN_TEXT: i32 = 9;
export const N_END_TEXT: i32 = 10;
export const N_WORD_BOUNDARY: i32 = 11;
export const N_NO_WORD_BOUNDARY: i32 = 12;
export const N_CAPTURE: i32 = 13;    // cap, subs[0]
export const N_STAR: i32 = 14;       // subs[0]; flags & F_NONGREEDY
export const N_PLUS: i32 = 15;
export const N_QUEST: i32 = 16;
export const N_REPEAT: i32 = 17;     // min, max (-1: no upper bound), subs[0]
export const N_CONCAT: i32 = 18;     // subs
export const N_ALTERNATE: i32 = 19;  // subs

export class Node {
  op: i32;
  /** byte offset in the pattern where the construct starts (for error messages) */
  pos: i32;
  flags: i32 = 0;
  rune: i32 = 0;
  min: i32 = 0;
  max: i32 = 0;
  cap: i32 = 0;
  height: i32 = 1;
  ranges: Array<i32> | null = null;
  subs: Array<Node> | null = null;
  /** compiler cache: offset of this class in the program's class table */
  classAt: i32 = -1;

  constructor(op: i32, pos: i32) {
    this.op = op;
    this.pos = pos;
  }

  /** The first sub-node (callers only ask nodes that have one). */
  sub(): Node {
    const s = this.subs;
    if (s !== null && s.length > 0) return unchecked(s[0]);
    return new Node(N_EMPTY, this.pos);
  }
}

/** A node with one child; its height is the child's plus one. */
export function wrap(op: i32, pos: i32, flags: i32, sub: Node): Node {
  const n = new Node(op, pos);
  n.flags = flags;
  const subs = new Array<Node>();
  subs.push(sub);
  n.subs = subs;
  n.height = sub.height + 1;
  return n;
}
