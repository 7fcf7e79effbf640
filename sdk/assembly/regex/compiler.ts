// Syntax tree -> Pike VM program.
//
// simplify() and the fragment builders follow RE2 as Go and re2js do, because the shape of the
// program decides which of several matches leftmost-first semantics picks: x{n,m} becomes n
// copies of x and then m-n nested optional copies (x(x(x)?)?)?, a star of something that can
// match empty is compiled as (x+)? (Go issue 46123), and a quantifier applied directly to the same
// quantifier collapses ((?:a*)* is a*). Recursion follows the tree, whose height the parser bounds
// (REGEX_MAX_DEPTH); repetition is expanded by loops. The instruction count is checked as the
// program grows, so an oversized pattern stops early with an error naming the limit.

import {
  Node, wrap, F_NONGREEDY, N_NO_MATCH, N_EMPTY, N_LITERAL, N_CLASS, N_ANY_NOT_NL, N_ANY,
  N_BEGIN_LINE, N_END_LINE, N_BEGIN_TEXT, N_END_TEXT, N_WORD_BOUNDARY, N_NO_WORD_BOUNDARY, N_CAPTURE,
  N_STAR, N_PLUS, N_QUEST, N_REPEAT, N_CONCAT, N_ALTERNATE, REGEX_MAX_INSTRUCTIONS,
} from "./ast";
import {
  Program, OP_FAIL, OP_MATCH, OP_CHAR, OP_CLASS, OP_ANY_NOT_NL, OP_ANY, OP_SPLIT, OP_NOP, OP_SAVE,
  OP_EMPTY, EMPTY_BEGIN_LINE, EMPTY_END_LINE, EMPTY_BEGIN_TEXT, EMPTY_END_TEXT, EMPTY_WORD_BOUNDARY,
  EMPTY_NO_WORD_BOUNDARY,
} from "./program";
import { decimal } from "../decimal";

// ---- simplification ---------------------------------------------------------------------------

/** RE2's simplify1: op(sub), with the trivial cases folded away. */
function simplify1(op: i32, flags: i32, sub: Node, pos: i32): Node {
  if (sub.op == N_EMPTY) return sub;
  if (sub.op == N_NO_MATCH) return op == N_PLUS ? sub : new Node(N_EMPTY, pos);
  if (op == sub.op && (flags & F_NONGREEDY) == (sub.flags & F_NONGREEDY)) return sub;
  return wrap(op, pos, flags, sub);
}

/**
 * Rewrites the tree as RE2's Simplify does, except that counted repetitions stay N_REPEAT nodes
 * (expanded by the compiler) once their special cases ({0}, {1}, {0,}, {1,}) are taken out.
 */
export function simplify(n: Node): Node {
  const op = n.op;
  if (op == N_CAPTURE) {
    const s = simplify(n.sub());
    const c = wrap(N_CAPTURE, n.pos, n.flags, s);
    c.cap = n.cap;
    return c;
  }
  if (op == N_CONCAT || op == N_ALTERNATE) {
    const subs = n.subs;
    const out = new Array<Node>();
    let height = 0;
    if (subs !== null) {
      for (let i = 0; i < subs.length; i++) {
        const s = simplify(unchecked(subs[i]));
        if (op == N_CONCAT) {
          if (s.op == N_NO_MATCH) return new Node(N_NO_MATCH, n.pos);
          if (s.op == N_EMPTY) continue;
        } else if (s.op == N_NO_MATCH) {
          continue;
        }
        const inner = s.subs;
        if (s.op == op && inner !== null) {
          for (let j = 0; j < inner.length; j++) out.push(unchecked(inner[j]));
        } else {
          out.push(s);
        }
        if (s.height > height) height = s.height;
      }
    }
    if (out.length == 0) return new Node(op == N_CONCAT ? N_EMPTY : N_NO_MATCH, n.pos);
    if (out.length == 1) return unchecked(out[0]);
    const r = new Node(op, n.pos);
    r.subs = out;
    r.height = height + 1;
    return r;
  }
  if (op == N_STAR || op == N_PLUS || op == N_QUEST) return simplify1(op, n.flags, simplify(n.sub()), n.pos);
  if (op == N_REPEAT) {
    if (n.min == 0 && n.max == 0) return new Node(N_EMPTY, n.pos);
    const s = simplify(n.sub());
    if (n.max == -1) {
      if (n.min == 0) return simplify1(N_STAR, n.flags, s, n.pos);
      if (n.min == 1) return simplify1(N_PLUS, n.flags, s, n.pos);
    }
    if (n.min == 1 && n.max == 1) return s;
    if (s.op == N_EMPTY) return s;
    if (s.op == N_NO_MATCH) return n.min == 0 ? new Node(N_EMPTY, n.pos) : s;
    const r = wrap(N_REPEAT, n.pos, n.flags, s);
    r.min = n.min;
    r.max = n.max;
    return r;
  }
  return n;
}

// ---- fragments --------------------------------------------------------------------------------

/**
 * A piece of program: entry pc `i` (0 = the FAIL instruction: cannot match), a list of dangling
 * exits to patch (`head`/`tail` encode pc << 1 | field, 0 ends the list; field 0 is `out`, 1 is
 * `arg`), and whether it can match the empty string.
 */
class Frag {
  i: i32;
  head: i32;
  tail: i32;
  nullable: bool;
  constructor(i: i32, head: i32, tail: i32, nullable: bool) {
    this.i = i;
    this.head = head;
    this.tail = tail;
    this.nullable = nullable;
  }
}

export class Compiler {
  private code: Array<i32> = new Array<i32>();
  private classes: Array<i32> = new Array<i32>();
  private count: i32 = 0;
  /** offset of the outermost counted repetition being expanded (-1: none), blamed for size */
  private repeatAt: i32 = -1;
  failed: bool = false;
  error: string = "";
  errorAt: i32 = 0;

  private fail(message: string, at: i32): void {
    if (this.failed) return;
    this.failed = true;
    this.error = message;
    this.errorAt = at;
  }

  private inst(op: i32, at: i32): i32 {
    const pc = this.count;
    if (pc >= REGEX_MAX_INSTRUCTIONS) {
      this.fail("program too large (more than " + decimal(REGEX_MAX_INSTRUCTIONS) + " instructions)", this.repeatAt >= 0 ? this.repeatAt : at);
    }
    this.code.push(op);
    this.code.push(0);
    this.code.push(0);
    this.code.push(0);
    this.count = pc + 1;
    return pc;
  }

  private setOut(pc: i32, v: i32): void { unchecked(this.code[(pc << 2) + 1] = v); }
  private setArg(pc: i32, v: i32): void { unchecked(this.code[(pc << 2) + 2] = v); }

  private patch(head: i32, val: i32): void {
    let h = head;
    while (h != 0) {
      const idx = ((h >> 1) << 2) + 1 + (h & 1);
      if (idx < 0 || idx >= this.code.length) return;
      h = unchecked(this.code[idx]);
      unchecked(this.code[idx] = val);
    }
  }

  /** Joins two exit lists; returns the new (head, tail) in `f`. */
  private append(f: Frag, head2: i32, tail2: i32): void {
    if (f.head == 0) { f.head = head2; f.tail = tail2; return; }
    if (head2 == 0) return;
    const idx = ((f.tail >> 1) << 2) + 1 + (f.tail & 1);
    if (idx >= 0 && idx < this.code.length) unchecked(this.code[idx] = head2);
    f.tail = tail2;
  }

  private failFrag(): Frag { return new Frag(0, 0, 0, false); }

  /** An instruction whose `out` is the only exit. */
  private single(op: i32, arg: i32, nullable: bool, at: i32): Frag {
    const pc = this.inst(op, at);
    this.setArg(pc, arg);
    return new Frag(pc, pc << 1, pc << 1, nullable);
  }

  private nop(at: i32): Frag { return this.single(OP_NOP, 0, true, at); }

  private cat(f1: Frag, f2: Frag): Frag {
    if (f1.i == 0 || f2.i == 0) {
      this.patch(f1.head, 0);
      this.patch(f2.head, 0);
      return this.failFrag();
    }
    this.patch(f1.head, f2.i);
    return new Frag(f1.i, f2.head, f2.tail, f1.nullable && f2.nullable);
  }

  private alt(f1: Frag, f2: Frag, at: i32): Frag {
    if (f1.i == 0) return f2;
    if (f2.i == 0) return f1;
    const pc = this.inst(OP_SPLIT, at);
    this.setOut(pc, f1.i);
    this.setArg(pc, f2.i);
    const f = new Frag(pc, f1.head, f1.tail, f1.nullable || f2.nullable);
    this.append(f, f2.head, f2.tail);
    return f;
  }

  private loop(f1: Frag, nongreedy: bool, at: i32): Frag {
    const pc = this.inst(OP_SPLIT, at);
    let exit: i32;
    if (nongreedy) { this.setArg(pc, f1.i); exit = pc << 1; }
    else { this.setOut(pc, f1.i); exit = (pc << 1) | 1; }
    this.patch(f1.head, pc);
    return new Frag(pc, exit, exit, true);
  }

  private quest(f1: Frag, nongreedy: bool, at: i32): Frag {
    if (f1.i == 0) return this.nop(at);
    const pc = this.inst(OP_SPLIT, at);
    let exit: i32;
    if (nongreedy) { this.setArg(pc, f1.i); exit = pc << 1; }
    else { this.setOut(pc, f1.i); exit = (pc << 1) | 1; }
    const f = new Frag(pc, exit, exit, true);
    this.append(f, f1.head, f1.tail);
    return f;
  }

  private plus(f1: Frag, nongreedy: bool, at: i32): Frag {
    if (f1.i == 0) return this.failFrag();
    const l = this.loop(f1, nongreedy, at);
    return new Frag(f1.i, l.head, l.tail, f1.nullable);
  }

  private star(f1: Frag, nongreedy: bool, at: i32): Frag {
    if (f1.i == 0) return this.nop(at);
    if (f1.nullable) return this.quest(this.plus(f1, nongreedy, at), nongreedy, at);
    return this.loop(f1, nongreedy, at);
  }

  /** Offset of the node's class in the class table (appended on first use). */
  private classOf(n: Node): i32 {
    if (n.classAt >= 0) return n.classAt;
    const at = this.classes.length;
    const r = n.ranges;
    const bits = new StaticArray<u32>(4);
    const high = new Array<i32>();
    if (r !== null) {
      for (let i = 0; i + 1 < r.length; i += 2) {
        const lo = unchecked(r[i]);
        const hi = unchecked(r[i + 1]);
        for (let c = lo; c <= hi && c < 0x80; c++) unchecked(bits[c >> 5] |= <u32>1 << <u32>(c & 31));
        if (hi >= 0x80) {
          high.push(lo < 0x80 ? 0x80 : lo);
          high.push(hi);
        }
      }
    }
    for (let w = 0; w < 4; w++) this.classes.push(<i32>unchecked(bits[w]));
    this.classes.push(high.length >> 1);
    for (let i = 0; i < high.length; i++) this.classes.push(unchecked(high[i]));
    n.classAt = at;
    return at;
  }

  /** Compiles `n` (a simplified tree). */
  private compile(n: Node): Frag {
    if (this.failed) return this.failFrag();
    const at = n.pos;
    switch (n.op) {
      case N_NO_MATCH: return this.failFrag();
      case N_EMPTY: return this.nop(at);
      case N_LITERAL: return this.single(OP_CHAR, n.rune, false, at);
      case N_CLASS: return this.single(OP_CLASS, this.classOf(n), false, at);
      case N_ANY_NOT_NL: return this.single(OP_ANY_NOT_NL, 0, false, at);
      case N_ANY: return this.single(OP_ANY, 0, false, at);
      case N_BEGIN_LINE: return this.single(OP_EMPTY, EMPTY_BEGIN_LINE, true, at);
      case N_END_LINE: return this.single(OP_EMPTY, EMPTY_END_LINE, true, at);
      case N_BEGIN_TEXT: return this.single(OP_EMPTY, EMPTY_BEGIN_TEXT, true, at);
      case N_END_TEXT: return this.single(OP_EMPTY, EMPTY_END_TEXT, true, at);
      case N_WORD_BOUNDARY: return this.single(OP_EMPTY, EMPTY_WORD_BOUNDARY, true, at);
      case N_NO_WORD_BOUNDARY: return this.single(OP_EMPTY, EMPTY_NO_WORD_BOUNDARY, true, at);
      case N_CAPTURE: {
        const bra = this.single(OP_SAVE, n.cap << 1, true, at);
        const sub = this.compile(n.sub());
        const ket = this.single(OP_SAVE, (n.cap << 1) | 1, true, at);
        return this.cat(this.cat(bra, sub), ket);
      }
      case N_STAR: return this.star(this.compile(n.sub()), (n.flags & F_NONGREEDY) != 0, at);
      case N_PLUS: return this.plus(this.compile(n.sub()), (n.flags & F_NONGREEDY) != 0, at);
      case N_QUEST: return this.quest(this.compile(n.sub()), (n.flags & F_NONGREEDY) != 0, at);
      case N_REPEAT: {
        const outer = this.repeatAt < 0;
        if (outer) this.repeatAt = at;
        const f = this.repeat(n);
        if (outer) this.repeatAt = -1;
        return f;
      }
      case N_CONCAT:
      case N_ALTERNATE: {
        const subs = n.subs;
        if (subs === null || subs.length == 0) return this.nop(at);
        let f = this.compile(unchecked(subs[0]));
        for (let i = 1; i < subs.length; i++) {
          const f2 = this.compile(unchecked(subs[i]));
          f = n.op == N_CONCAT ? this.cat(f, f2) : this.alt(f, f2, at);
          if (this.failed) return this.failFrag();
        }
        return f;
      }
    }
    return this.failFrag();
  }

  /** simplify1(op, sub) as a fragment: `op` is dropped when sub already is that quantifier. */
  private quantified(op: i32, flags: i32, sub: Node, at: i32): Frag {
    const ng = (flags & F_NONGREEDY) != 0;
    if (sub.op == op && (sub.flags & F_NONGREEDY) == (flags & F_NONGREEDY)) return this.compile(sub);
    const f = this.compile(sub);
    return op == N_PLUS ? this.plus(f, ng, at) : this.quest(f, ng, at);
  }

  /** x{min,max}: RE2's expansion (see simplifyRepeat), built by loops. */
  private repeat(n: Node): Frag {
    const x = n.sub();
    const at = n.pos;
    const ng = (n.flags & F_NONGREEDY) != 0;
    if (n.max == -1) {
      // x{min,}: min-1 copies of x, then x+
      let prefix: Frag | null = null;
      for (let i = 0; i < n.min - 1 && !this.failed; i++) {
        const c = this.compile(x);
        prefix = prefix === null ? c : this.cat(prefix, c);
      }
      const f = this.quantified(N_PLUS, n.flags, x, at);
      if (this.failed) return this.failFrag();
      return prefix === null ? f : this.cat(prefix, f);
    }
    // min copies of x, then the optional tail built from the inside out:
    // suffix = x?; repeated max-min-1 times: suffix = (x suffix)?
    let prefix: Frag | null = null;
    for (let i = 0; i < n.min && !this.failed; i++) {
      const c = this.compile(x);
      prefix = prefix === null ? c : this.cat(prefix, c);
    }
    if (this.failed) return this.failFrag();
    if (n.max > n.min) {
      let suffix = this.quantified(N_QUEST, n.flags, x, at);
      for (let i = n.min + 1; i < n.max && !this.failed; i++) {
        const c = this.compile(x);
        suffix = this.quest(this.cat(c, suffix), ng, at);
      }
      if (this.failed) return this.failFrag();
      prefix = prefix === null ? suffix : this.cat(prefix, suffix);
    }
    return prefix === null ? this.failFrag() : prefix;
  }

  /** Compiles a parsed tree with `groups` capturing groups; null on error. */
  build(root: Node, groups: i32): Program | null {
    this.inst(OP_FAIL, 0); // pc 0
    const f = this.compile(simplify(root));
    const match = this.inst(OP_MATCH, root.pos);
    this.patch(f.head, match);
    if (this.failed) return null;
    const code = new StaticArray<i32>(this.code.length);
    for (let i = 0; i < this.code.length; i++) unchecked(code[i] = unchecked(this.code[i]));
    const classes = new StaticArray<i32>(this.classes.length);
    for (let i = 0; i < this.classes.length; i++) unchecked(classes[i] = unchecked(this.classes[i]));
    const prog = new Program(code, this.count, classes, (groups + 1) << 1);
    prog.start = f.i;
    if (!prog.validate()) {
      this.fail("internal error: invalid program", 0);
      return null;
    }
    prog.analyze();
    return prog;
  }
}
