// Differential testing of the SDK's regex engine against re2js (a JavaScript port of RE2), on
// patterns generated from a grammar of the supported syntax and on generated subjects (random
// ones, ones built from the pattern to match, invalid UTF-8). Compared: whether each pattern
// compiles, whether it matches, and the span of the match and of every group, for find() and for
// the anchored findFull(); findAll() against Go's iteration over re2js matches; and, for mutated
// (often invalid) patterns, the compile verdict. Expected differences: none, except patterns
// over this engine's documented size limits (5000 instructions, nesting depth 250), which re2js
// (whose limits are larger) accepts.
import { describe, expect, it } from "vitest";
import { RE2JS } from "re2js";
import { createHost, LogLevel } from "@filterkit/host-mock";
import { BUILDS, fixtureWasm, prng, type Build } from "./helpers.ts";

// Compiled at collection time (outside any test timeout).
const WASM = { debug: fixtureWasm("regex", "debug"), release: fixtureWasm("regex", "release") };

type RegexCase = { p: string; x?: string[]; s?: string[]; full?: boolean; all?: boolean };

/** The regex fixture (see fixtures/regex): one result line per case, without its index. */
function regexEngine(build: Build): { run: (cases: RegexCase[]) => string[] } {
  const host = createHost({ wasm: WASM[build], rootId: "regex", pluginConfig: { cases: [] } });
  return {
    run(cases) {
      host.clearLogs();
      expect(host.configure({ cases })).toBe(true);
      const lines = host.logsAt(LogLevel.info);
      expect(host.logsAt(LogLevel.critical)).toEqual([]);
      expect(lines.length).toBe(cases.length);
      return lines.map((l, i) => {
        expect(l, JSON.stringify(cases[i])).not.toContain("INCONSISTENT");
        return l.slice(String(i).length + 1);
      });
    },
  };
}

type Rnd = () => number;
const enc = new TextEncoder();
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

// ---- a grammar of the supported syntax ---------------------------------------------------------

type Node =
  | { k: "lit"; ch: string; src: string }
  | { k: "class"; src: string; members: string[]; neg: boolean }
  | { k: "dot" }
  | { k: "anchor"; src: string }
  | { k: "group"; open: string; sub: Node }
  | { k: "flags"; src: string }
  | { k: "alt"; subs: Node[] }
  | { k: "cat"; subs: Node[] }
  | { k: "quant"; sub: Node; op: string; min: number; max: number };

/** Subject characters: ASCII, Latin-1, case-folding specials (Kelvin sign, long s, sigmas, ǅ), astral, U+FFFD. */
const ALPHABET = ["a", "b", "c", "A", "B", "x", "0", "1", "_", " ", "\n", "-", ".", "é", "É", "ß", "ẞ", "k", "K", "\u212A", "s", "S", "\u017F", "σ", "ς", "Σ", "ǅ", "ǆ", "☺", "😀", "\uFFFD", "\t"];
const LITERALS = ["a", "b", "c", "A", "B", "x", "0", "1", "_", " ", "-", "é", "É", "ß", "k", "K", "s", "σ", "Σ", "ǅ", "☺", "😀"];
const ESCAPES: Array<[string, string]> = [
  ["\\.", "."], ["\\\\", "\\"], ["\\t", "\t"], ["\\n", "\n"], ["\\x41", "A"], ["\\x{263A}", "☺"], ["\\x{1F600}", "😀"],
  ["\\-", "-"], ["\\*", "*"], ["\\101", "A"], ["\\0", "\0"], ["\\x{FFFD}", "\uFFFD"], ["\\x{212A}", "\u212A"], ["\\{", "{"], ["\\ ", " "],
];
const PERL: Record<string, string[]> = { "\\d": ["0", "1"], "\\D": ["a", "é", " "], "\\s": [" ", "\n", "\t"], "\\S": ["a", "0"], "\\w": ["a", "_", "0", "K"], "\\W": [" ", "-", "é", "\u212A"] };

class Grammar {
  private names = 0;
  constructor(private r: Rnd) {}
  int(n: number): number { return Math.floor(this.r() * n); }
  pick<T>(xs: T[]): T { return xs[this.int(xs.length)]; }

  private literal(): Node {
    if (this.r() < 0.7) {
      const ch = this.pick(LITERALS);
      return { k: "lit", ch, src: ch };
    }
    const [src, ch] = this.pick(ESCAPES);
    return { k: "lit", ch, src };
  }

  private cls(): Node {
    if (this.r() < 0.35) {
      const p = this.pick(Object.keys(PERL));
      return { k: "class", src: p, members: PERL[p], neg: false };
    }
    const neg = this.r() < 0.25;
    const items: string[] = [];
    const members: string[] = [];
    for (let i = 0, n = 1 + this.int(3); i < n; i++) {
      const x = this.r();
      if (x < 0.3) { const ch = this.pick(["a", "b", "x", "é", "k", "s", "0", "Σ", "😀", "_"]); items.push(ch); members.push(ch); }
      else if (x < 0.55) {
        const [lo, hi] = this.pick([["a", "c"], ["A", "Z"], ["0", "9"], ["à", "ÿ"], ["α", "ω"], ["j", "t"], ["\\x{100}", "\\x{17F}"], ["\\x00", "\\x{10FFFF}"], ["\\x{1F600}", "\\x{1F64F}"]]);
        items.push(lo + "-" + hi);
        members.push(lo.startsWith("\\") ? "a" : lo);
      } else if (x < 0.7) { const p = this.pick(Object.keys(PERL)); items.push(p); members.push(...PERL[p]); }
      else if (x < 0.8) { items.push(this.pick(["[:alpha:]", "[:digit:]", "[:^space:]", "[:upper:]", "[:lower:]", "[:punct:]", "[:word:]", "[:xdigit:]"])); members.push("a"); }
      else if (x < 0.9) { items.push(this.pick(["\\-", "\\]", "\\\\", "\\n", "\\x{263A}", "."])); members.push("-"); }
      else { items.push("-"); members.push("-"); }
    }
    return { k: "class", src: "[" + (neg ? "^" : "") + items.join("") + "]", members, neg };
  }

  private atom(depth: number): Node {
    const x = this.r();
    if (x < 0.42) return this.literal();
    if (x < 0.58) return this.cls();
    if (x < 0.63) return { k: "dot" };
    if (x < 0.7) return { k: "anchor", src: this.pick(["^", "$", "\\A", "\\z", "\\b", "\\B"]) };
    if (x < 0.74) return { k: "flags", src: this.pick(["(?i)", "(?s)", "(?m)", "(?U)", "(?-i)", "(?i-s)", "(?ims)"]) };
    if (depth <= 0) return this.literal();
    let open = this.pick(["(", "(", "(", "(?:", "(?:", "(?i:", "(?s:", "(?m:", "(?U:", "(?-i:", "NAMED"]);
    if (open === "NAMED") open = (this.r() < 0.5 ? "(?P<" : "(?<") + "g" + this.names++ + ">";
    return { k: "group", open, sub: this.regex(depth - 1) };
  }

  private piece(depth: number): Node {
    const a = this.atom(depth);
    if (a.k === "flags" || this.r() < 0.55) return a;
    const x = this.r();
    let op: string, min: number, max: number;
    if (x < 0.25) { op = "*"; min = 0; max = -1; }
    else if (x < 0.45) { op = "+"; min = 1; max = -1; }
    else if (x < 0.65) { op = "?"; min = 0; max = 1; }
    else if (x < 0.75) { min = this.int(4); op = `{${min}}`; max = min; }
    else if (x < 0.85) { min = this.int(3); op = `{${min},}`; max = -1; }
    else { min = this.int(3); max = min + this.int(4); op = `{${min},${max}}`; }
    if (this.r() < 0.3) op += "?";
    return { k: "quant", sub: a, op, min, max };
  }

  private concat(depth: number): Node {
    const subs: Node[] = [];
    for (let i = 0, n = this.int(4) + (this.r() < 0.1 ? 0 : 1); i < n; i++) subs.push(this.piece(depth));
    return { k: "cat", subs };
  }

  private regex(depth: number): Node {
    if (this.r() < 0.3) {
      const subs: Node[] = [];
      for (let i = 0, n = 2 + this.int(3); i < n; i++) subs.push(this.concat(depth));
      return { k: "alt", subs };
    }
    return this.concat(depth);
  }

  pattern(): { src: string; tree: Node } {
    this.names = 0;
    const tree = this.regex(2 + this.int(2));
    return { src: source(tree), tree };
  }

  /** A string built to match the tree (it often does; assertions and flags may spoil it). */
  sample(n: Node): string {
    switch (n.k) {
      case "lit": return this.r() < 0.15 ? swapCase(n.ch) : n.ch;
      case "class": return n.neg ? this.pick(ALPHABET) : this.pick(n.members).replace(/^\\.*/, "a");
      case "dot": return this.pick(ALPHABET);
      case "anchor": return (n.src === "^" || n.src === "$") && this.r() < 0.2 ? "\n" : "";
      case "group": return this.sample(n.sub);
      case "flags": return "";
      case "alt": return this.sample(this.pick(n.subs));
      case "cat": return n.subs.map((s) => this.sample(s)).join("");
      case "quant": {
        const max = n.max < 0 ? n.min + 3 : n.max;
        let s = "";
        for (let i = 0, k = n.min + this.int(max - n.min + 1); i < k; i++) s += this.sample(n.sub);
        return s;
      }
    }
  }

  subject(): string {
    let s = "";
    for (let i = 0, n = this.int(9); i < n; i++) s += this.pick(ALPHABET);
    return s;
  }
}

function swapCase(c: string): string {
  const u = c.toUpperCase();
  return u !== c && [...u].length === 1 ? u : c.toLowerCase();
}

function source(n: Node): string {
  switch (n.k) {
    case "lit": case "class": case "anchor": case "flags": return n.src;
    case "dot": return ".";
    case "group": return n.open + source(n.sub) + ")";
    case "alt": return n.subs.map(source).join("|");
    case "cat": return n.subs.map((s) => (s.k === "alt" ? "(?:" + source(s) + ")" : source(s))).join("");
    case "quant": {
      const atomic = n.sub.k === "lit" || n.sub.k === "class" || n.sub.k === "dot" || n.sub.k === "group" || n.sub.k === "anchor";
      return (atomic ? source(n.sub) : "(?:" + source(n.sub) + ")") + n.op;
    }
  }
}

/** Small-alphabet patterns heavy in what decides between matches: nullable loops, captures in repeats, lazy/greedy. */
class Nasty {
  constructor(private r: Rnd) {}
  int(n: number): number { return Math.floor(this.r() * n); }
  pick<T>(xs: T[]): T { return xs[this.int(xs.length)]; }
  private atom(d: number): string {
    if (d <= 0 || this.r() < 0.4) return this.pick(["a", "b", "a", "b", "", ".", "[ab]", "\\b", "^", "$", "(?:)", "()"]);
    return this.pick(["(", "(?:", "("]) + this.alt(d - 1) + ")";
  }
  private piece(d: number): string {
    const a = this.atom(d);
    if (a === "" || this.r() < 0.4) return a;
    const q = this.pick(["*", "+", "?", "{2}", "{0,2}", "{1,3}", "{2,}", "{0}", "{1}"]) + (this.r() < 0.35 ? "?" : "");
    const wrap = a.length > 1 && !/^\(.*\)$/.test(a) && !/^\[.*\]$/.test(a) && !a.startsWith("\\");
    return (wrap ? "(?:" + a + ")" : a) + q;
  }
  private cat(d: number): string { let s = ""; for (let i = 0, n = this.int(4); i < n; i++) s += this.piece(d); return s; }
  private alt(d: number): string {
    const xs: string[] = [];
    for (let i = 0, n = 1 + (this.r() < 0.4 ? 1 + this.int(2) : 0); i < n; i++) xs.push(this.cat(d));
    return xs.join("|");
  }
  pattern(): string { return (this.r() < 0.15 ? "(?U)" : "") + this.alt(3); }
  subject(): string { let s = ""; for (let i = 0, n = this.int(8); i < n; i++) s += this.pick(["a", "b", "a", "ab", " "]); return s; }
}

// ---- the reference -----------------------------------------------------------------------------

function compileRef(p: string): { re: ReturnType<typeof RE2JS.compile> | null; error: string } {
  try { return { re: RE2JS.compile(p), error: "" }; } catch (e) { return { re: null, error: (e as Error).message }; }
}

function refSpans(re: ReturnType<typeof RE2JS.compile>, subject: Uint8Array, full: boolean): string {
  const m = re.matcher(subject);
  if (!(full ? m.matches() : m.find())) return "-";
  const parts: string[] = [];
  for (let i = 0; i <= m.groupCount(); i++) parts.push(`${m.start(i)},${m.end(i)}`);
  return parts.join(";");
}

/** Width of the code point at src[pos] as RE2 reads UTF-8 (1 for each byte of an invalid sequence). */
function utf8Width(src: Uint8Array, pos: number): number {
  const c = src[pos];
  if (c < 0x80) return 1;
  const need = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
  if (need === 0 || pos + need >= src.length) return 1;
  const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
  const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
  if (src[pos + 1] < lo || src[pos + 1] > hi) return 1;
  for (let k = 2; k <= need; k++) if ((src[pos + k] & 0xc0) !== 0x80) return 1;
  return need + 1;
}

/** Go's FindAll iteration over re2js' find(pos): after an empty match move one character; skip an empty match at the previous end. */
function refAll(re: ReturnType<typeof RE2JS.compile>, src: Uint8Array): string {
  const out: string[] = [];
  const m = re.matcher(src);
  let pos = 0, prevEnd = -1;
  while (pos <= src.length && m.find(pos)) {
    const parts: string[] = [];
    for (let i = 0; i <= m.groupCount(); i++) parts.push(`${m.start(i)},${m.end(i)}`);
    let accept = true;
    if (m.end() === pos) {
      if (m.start() === prevEnd) accept = false;
      pos += pos < src.length ? utf8Width(src, pos) : 1;
    } else {
      pos = m.end();
    }
    prevEnd = m.end();
    if (accept) out.push(parts.join(";"));
  }
  return out.length ? out.join("/") : "-";
}

/** Invalid UTF-8 pieces: stray continuation bytes, truncated sequences, surrogates, overlong forms, > U+10FFFF. */
const BAD = [[0xff], [0x80], [0xbf], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xc0, 0xaf], [0xf0, 0x9f, 0x98], [0xfe]];

/** Limits this engine has and re2js does not (or has larger): the only accepted compile disagreements. */
const OUR_LIMITS = /^E \d+ "(program too large|expression nests too deeply|too many capture cells|too many capturing groups|pattern too long)/;

describe.each(BUILDS)("regex engine vs re2js (%s build)", (build) => {
  const { run } = regexEngine(build);

  /**
   * Runs cases in batches and compares each with re2js; returns counts. `subjects[i]` are the
   * byte subjects of case i (also sent as strings when valid UTF-8, which must give the same spans).
   */
  function compare(patterns: string[], subjects: Uint8Array[][], opts: { all?: boolean } = {}) {
    const stats = { patterns: patterns.length, compiled: 0, rejectedByBoth: 0, ourLimits: 0, comparisons: 0, matches: 0, stringComparisons: 0 };
    const disagreements: string[] = [];
    const decoder = new TextDecoder("utf-8", { fatal: true });
    for (let b = 0; b < patterns.length; b += 200) {
      const cases: RegexCase[] = [];
      for (let i = b; i < Math.min(b + 200, patterns.length); i++) {
        const strings = subjects[i].flatMap((s) => { try { return [decoder.decode(s)]; } catch { return []; } });
        cases.push({ p: patterns[i], x: subjects[i].map(hex), s: strings, full: true, all: opts.all });
      }
      const lines = run(cases);
      lines.forEach((line, k) => {
        const i = b + k;
        const p = patterns[i];
        const { re, error } = compileRef(p);
        const ours = line.split(" | ");
        if (!ours[0].startsWith("ok ") || re === null) {
          if (ours[0].startsWith("ok ") === (re !== null)) stats.rejectedByBoth++;
          else if (re !== null && OUR_LIMITS.test(ours[0])) stats.ourLimits++;
          else disagreements.push(`compile ${JSON.stringify(p)}: ours ${ours[0]}, re2js ${error || "ok"}`);
          return;
        }
        stats.compiled++;
        // the fixture reports the string subjects first, then the byte subjects
        const results = ours.slice(1);
        const nStrings = results.length - subjects[i].length;
        const stringResults = results.slice(0, nStrings);
        const byteResults = results.slice(nStrings);
        let si = 0;
        subjects[i].forEach((subject, j) => {
          let want = `f:${refSpans(re, subject, false)} F:${refSpans(re, subject, true)}`;
          if (opts.all) want += ` A:${refAll(re, subject)}`;
          stats.comparisons++;
          if (!want.startsWith("f:-")) stats.matches++;
          if (byteResults[j] !== want) disagreements.push(`${JSON.stringify(p)} on ${hex(subject)}: ours ${byteResults[j]}, re2js ${want}`);
          let valid = true;
          try { decoder.decode(subject); } catch { valid = false; }
          if (valid) stats.stringComparisons++;
          if (valid && stringResults[si++] !== byteResults[j]) disagreements.push(`${JSON.stringify(p)} string API on ${hex(subject)}: ${stringResults[si - 1]} vs bytes ${byteResults[j]}`);
        });
      });
    }
    return { stats, disagreements };
  }

  it("grammar-generated patterns and subjects: compile verdicts, matches, every group span", () => {
    const rnd = prng(20240601);
    const g = new Grammar(rnd);
    const patterns: string[] = [];
    const subjects: Uint8Array[][] = [];
    for (let i = 0; i < 5000; i++) {
      const { src, tree } = g.pattern();
      const strings = [g.subject(), g.sample(tree), g.sample(tree), g.sample(tree) + g.subject(), g.subject() + g.sample(tree)];
      const bytes = strings.map((s) => enc.encode(s));
      const bad = [...enc.encode(g.sample(tree))];
      bad.splice(g.int(bad.length + 1), 0, ...g.pick(BAD), ...(rnd() < 0.5 ? g.pick(BAD) : []));
      bytes.push(Uint8Array.from(bad));
      patterns.push(src);
      subjects.push(bytes);
    }
    const { stats, disagreements } = compare(patterns, subjects);
    console.log(`[${build}] grammar:`, JSON.stringify(stats));
    expect(disagreements.slice(0, 10)).toEqual([]);
    expect(stats.compiled).toBeGreaterThan(4600);
    expect(stats.comparisons).toBeGreaterThan(28000);
    expect(stats.matches / stats.comparisons).toBeGreaterThan(0.5);
  }, 300_000);

  it("nullable loops, captures in repeats, lazy and greedy on a two-letter alphabet", () => {
    const n = new Nasty(prng(777));
    const patterns: string[] = [];
    const subjects: Uint8Array[][] = [];
    for (let i = 0; i < 5000; i++) {
      patterns.push(n.pattern());
      subjects.push(Array.from({ length: 6 }, () => enc.encode(n.subject())));
    }
    const { stats, disagreements } = compare(patterns, subjects);
    console.log(`[${build}] nasty:`, JSON.stringify(stats));
    expect(disagreements.slice(0, 10)).toEqual([]);
    expect(stats.comparisons).toBeGreaterThan(29000);
  }, 300_000);

  it("findAll() iterates like Go over re2js matches", () => {
    const rnd = prng(4242);
    const g = new Grammar(rnd);
    const n = new Nasty(rnd);
    const patterns: string[] = [];
    const subjects: Uint8Array[][] = [];
    for (let i = 0; i < 1500; i++) {
      const { src, tree } = g.pattern();
      const pattern = i % 2 ? src : n.pattern();
      patterns.push(pattern);
      const s = i % 2 ? [g.sample(tree) + g.subject() + g.sample(tree), g.subject() + g.subject()] : [n.subject() + n.subject(), n.subject()];
      subjects.push(s.map((x) => enc.encode(x)));
    }
    const { stats, disagreements } = compare(patterns, subjects, { all: true });
    console.log(`[${build}] findAll:`, JSON.stringify(stats));
    expect(disagreements.slice(0, 10)).toEqual([]);
  }, 300_000);

  it("mutated patterns (mostly invalid): the same compile verdict as re2js, the same matches when valid", () => {
    const rnd = prng(31337);
    const g = new Grammar(rnd);
    const alphabet = [..."()[]{}*+?|\\^$.-,:<>=!Pismux0123456789pQECazAbBdDwW_&#'\" "];
    const patterns: string[] = [];
    const subjects: Uint8Array[][] = [];
    for (let i = 0; i < 5000; i++) {
      const chars = [...g.pattern().src];
      for (let e = 0, edits = 1 + g.int(3); e < edits; e++) {
        const pos = g.int(chars.length + 1);
        const op = rnd();
        if (op < 0.3) chars.splice(pos, 1);
        else if (op < 0.7) chars.splice(pos, 0, g.pick(alphabet));
        else chars[pos] = g.pick(alphabet);
      }
      patterns.push(chars.join(""));
      subjects.push(["", "a", "abc", g.subject(), g.subject()].map((s) => enc.encode(s)));
    }
    const { stats, disagreements } = compare(patterns, subjects);
    console.log(`[${build}] mutated:`, JSON.stringify(stats));
    expect(disagreements.slice(0, 10)).toEqual([]);
    expect(stats.rejectedByBoth).toBeGreaterThan(1000);
    expect(stats.compiled).toBeGreaterThan(1000);
  }, 300_000);
});
