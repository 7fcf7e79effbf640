// The SDK's regular-expression engine (sdk/assembly/regex), driven through the regex fixture:
// every syntax element, every limit, flags, greedy and lazy, captures and leftmost-first
// alternation, UTF-8 and invalid UTF-8 subjects, replacement, linear time, no traps, no garbage.
// Expectations are written out by hand and, where RE2 defines them, also checked against re2js
// (a JavaScript port of RE2). The randomized comparison is in regex-diff.test.ts.
import { describe, expect, it } from "vitest";
import { RE2JS } from "re2js";
import { createHost, LogLevel, type MockHost } from "@filterkit/host-mock";
import { BUILDS, fixtureWasm, prng, type Build } from "./helpers.ts";

// Compiled at collection time (outside any test timeout).
const WASM = { debug: fixtureWasm("regex", "debug"), release: fixtureWasm("regex", "release") };

type RegexCase = {
  p: string; f?: string; s?: string[]; x?: string[]; full?: boolean; all?: boolean; r?: string; ra?: boolean;
  names?: boolean; steps?: boolean; texts?: boolean; check?: string;
  g?: { pre?: string; rep?: string; n?: number; post?: string };
};

const enc = new TextEncoder();
const hex = (s: string | Uint8Array | number[]) => Buffer.from(typeof s === "string" ? enc.encode(s) : Uint8Array.from(s)).toString("hex");

/** A host running the regex fixture; run() sends cases and returns one result line per case (without its index). */
function regexEngine(build: Build): { host: MockHost; run: (cases: RegexCase[]) => string[] } {
  const host = createHost({ wasm: WASM[build], rootId: "regex", pluginConfig: { cases: [] } });
  return {
    host,
    run(cases) {
      host.clearLogs();
      expect(host.configure({ cases })).toBe(true);
      const lines = host.logsAt(LogLevel.info);
      expect(host.logsAt(LogLevel.critical)).toEqual([]);
      expect(lines.length).toBe(cases.length);
      return lines.map((l, i) => {
        expect(l.startsWith(`${i} `)).toBe(true);
        expect(l, `test()/fullMatch() disagree with find() for ${JSON.stringify(cases[i])}`).not.toContain("INCONSISTENT");
        return l.slice(String(i).length + 1);
      });
    },
  };
}

/** re2js' find() spans on UTF-8 bytes, in the fixture's format. */
function refSpans(pattern: string, subject: Uint8Array, flags = "", full = false): string {
  let re;
  try { re = RE2JS.compile((flags ? `(?${flags})` : "") + pattern); } catch { return "E"; }
  const m = re.matcher(subject);
  if (!(full ? m.matches() : m.find())) return "-";
  const parts: string[] = [];
  for (let i = 0; i <= m.groupCount(); i++) parts.push(`${m.start(i)},${m.end(i)}`);
  return parts.join(";");
}

type Row = [pattern: string, subject: string, expected: string, flags?: string];

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

describe.each(BUILDS)("regex engine (%s build)", (build) => {
  const { host, run } = regexEngine(build);

  /** Runs find() for each row and compares with the expected spans and with re2js. */
  function table(rows: Row[], opts: { ref?: boolean } = {}): void {
    const out = run(rows.map(([p, s, , f]) => ({ p, f, s: [s] })));
    rows.forEach(([p, s, want, f], i) => {
      const got = out[i].startsWith("E ") ? out[i] : out[i].split(" | ")[1].replace(/^f:/, "");
      expect(got, `${JSON.stringify(p)} on ${JSON.stringify(s)}`).toBe(want);
      if (opts.ref !== false && !want.startsWith("E")) expect(refSpans(p, enc.encode(s), f), `re2js: ${JSON.stringify(p)} on ${JSON.stringify(s)}`).toBe(want);
    });
  }

  /** find() on byte subjects (hex), compared with the expectation and re2js. */
  function bytesTable(rows: Array<[pattern: string, bytes: number[], expected: string]>): void {
    const out = run(rows.map(([p, b]) => ({ p, x: [hex(b)] })));
    rows.forEach(([p, b, want], i) => {
      expect(out[i].split(" | ")[1], `${JSON.stringify(p)} on ${hex(b)}`).toBe("f:" + want);
      expect(refSpans(p, Uint8Array.from(b)), `re2js: ${JSON.stringify(p)} on ${hex(b)}`).toBe(want);
    });
  }

  function errors(rows: Array<[pattern: string, expected: string]>, opts: { refRejects?: boolean } = {}): void {
    const out = run(rows.map(([p]) => ({ p })));
    rows.forEach(([p, want], i) => {
      expect(out[i], JSON.stringify(p)).toBe("E " + want.replace(/^(\d+) (.*)$/, (_, o, m) => `${o} ${JSON.stringify(m)}`));
      if (opts.refRejects !== false) expect(() => RE2JS.compile(p), `re2js rejects ${JSON.stringify(p)} too`).toThrow();
    });
  }

  it("literals and escapes", () => {
    table([
      ["abc", "xxabcx", "2,5"],
      ["\\.", "a.b", "1,2"],
      ["a\\\\b", "a\\b", "0,3"],
      ["\\t\\n\\r\\f\\v\\a", "\t\n\r\f\v\x07", "0,6"],
      ["\\x41\\x{263A}\\x{1F600}\\x{0000000041}", "A☺😀A", "0,9"],
      ["\\101\\0\\01\\12", "A\0\x01\n", "0,4"],
      ["\\-\\ \\{\\}\\#\\~\\_\\<", "- {}#~_<", "0,8"],
      ["é😀", "aé😀", "1,7"],
      ["a{", "a{", "0,2"],
      ["a{,3}", "a{,3}", "0,5"],
      ["a{01}", "a{01}", "0,5"],
      ["a{1", "a{1", "0,3"],
      ["a{1,2", "a{1,2", "0,5"],
      ["{", "{", "0,1"],
      ["\\Qa.b*\\E+", "a.b**", "0,5"],
      ["\\Q(?i)\\\\E", "(?i)\\", "0,5"],
      ["x\\Qa|b", "xa|b", "0,4"],
      ["a\\Q\\E*", "aaa", "0,3"],
    ]);
  });

  it("dot: any character but \\n, any with s; one code point", () => {
    table([
      [".", "\n", "-"],
      ["a.c", "a\nc abc", "4,7"],
      ["(?s).", "\n", "0,1"],
      [".", "\n", "0,1", "s"],
      [".", "é", "0,2"],
      [".", "😀", "0,4"],
      ["^.$", "☺", "0,3"],
    ]);
  });

  it("character classes: sets, ranges, negation, Perl and POSIX classes inside", () => {
    table([
      ["[abc]+", "xcab", "1,4"],
      ["[^a-z]+", "ab12cd", "2,4"],
      ["[\\d\\-]+", "a-1-2b", "1,5"],
      ["[a-]+", "-a-", "0,3"],
      ["[-a]+", "-a-", "0,3"],
      ["[]a]+", "a]]", "0,3"],
      ["[^]a]", "]ab", "2,3"],
      ["[\\d-z]+", "1-z", "0,3"],
      ["[a-b-d]+", "ab-dc", "0,4"],
      ["[^a]", "\n", "0,1"],
      ["[\\]\\\\\\[]+", "x]\\[", "1,4"],
      ["[[:alpha:]]+", "12ab34", "2,4"],
      ["[[:^space:]]+", " ab ", "1,3"],
      ["[[:word:][:punct:]]+", "a_!b c", "0,4"],
      ["[[:upper:][:digit:]]+", "aB1c", "1,3"],
      ["[^\\W]+", "ab-c", "0,2"],
      ["[é-ë]", "ê", "0,2"],
      ["[\\x{1F600}-\\x{1F64F}]", "x😃", "1,5"],
      ["[a-c[:digit:]x]+", "b1x", "0,3"],
      ["[[]", "[", "0,1"],
      ["[[:a]", "a", "0,1"],
      ["[\\x00-\\x{10FFFF}]", "😀", "0,4"],
      ["[^\\x00-\\x{10FFFF}]", "abc", "-"],
      ["a[^\\x00-\\x{10FFFF}]*b", "ab", "0,2"],
      ["[\\n]", "\n", "0,1"],
    ]);
  });

  it("Perl classes are ASCII, as RE2's (\\s has no \\v)", () => {
    table([
      ["\\d+", "x٣12", "3,5"],
      ["\\D", "1a", "1,2"],
      ["\\w+", "éa_1é", "2,5"],
      ["\\W", "aé", "1,3"],
      ["\\s+", "a \t\n\f\rb", "1,6"],
      ["\\s", "\v", "-"],
      ["\\S+", " ab ", "1,3"],
      ["[\\s\\d]+", "a 1 b", "1,4"],
    ]);
  });

  it("anchors: ^ $ at the text's ends, at line breaks with m; \\A \\z", () => {
    table([
      ["^a", "ba", "-"],
      ["a$", "a\n", "-"],
      ["a$", "ba", "1,2"],
      ["(?m)^b", "a\nb", "2,3"],
      ["^b", "a\nb", "2,3", "m"],
      ["(?m)a$", "a\nb", "0,1"],
      ["(?m)^", "a\n", "0,0"],
      ["(?m)^$", "a\n", "2,2"],
      ["(?m)$", "\n", "0,0"],
      ["\\Aa", "a", "0,1"],
      ["(?m)\\Ab", "a\nb", "-"],
      ["a\\z", "a\n", "-"],
      ["(?m)a\\z", "a\na", "2,3"],
      ["^$", "", "0,0"],
      ["^*a", "a", "0,1"],
      ["$+", "ab", "2,2"],
    ]);
  });

  it("word boundaries \\b \\B (ASCII word characters, as RE2)", () => {
    table([
      ["\\bfoo\\b", "a foo.", "2,5"],
      ["\\bfoo\\b", "afoo", "-"],
      ["\\Boo", "foo", "1,3"],
      ["\\bé", "é", "-"],
      ["a\\b", "aé", "0,1"],
      ["\\b", "", "-"],
      ["\\B", "", "0,0"],
      ["\\b_\\b", " _ ", "1,2"],
    ]);
  });

  it("groups: capturing, non-capturing, named (both syntaxes), nested", () => {
    table([
      ["(a)(?:b)(c)", "abc", "0,3;0,1;2,3"],
      ["(a(b(c)))", "abc", "0,3;0,3;1,3;2,3"],
      ["(a)|(b)", "b", "0,1;-1,-1;0,1"],
      ["(?P<x>a)(?<y>b)", "ab", "0,2;0,1;1,2"],
      ["()", "", "0,0;0,0"],
      ["(?:)", "x", "0,0"],
      ["((a)|b)+", "ab", "0,2;1,2;0,1"],
      ["(a|b)*", "abab", "0,4;3,4"],
      ["(a*)*", "b", "0,0;0,0"],
      ["(a*)+", "b", "0,0;0,0"],
      ["(a|)+", "aa", "0,2;1,2"],
      ["(|a)+", "aa", "0,0;0,0"],
      ["(a*?)*", "aa", "0,0;0,0"],
      ["(a){0}b", "ab", "1,2;-1,-1"],
      ["(a){2}", "aa", "0,2;1,2"],
      ["(?:(a)|b){2}", "ab", "0,2;0,1"],
    ]);
    const [named] = run([{ p: "(?P<year>\\d{4})-(\\d\\d)-(?<day>\\d\\d)", s: ["on 2024-05-17."], names: true, texts: true }]);
    expect(named).toBe('ok 3 18 n=",year,,day" | f:3,13;3,7;8,10;11,13 T:["2024-05-17","2024","05","17"]');
  });

  it("alternation is leftmost-first (Perl/RE2), not leftmost-longest", () => {
    table([
      ["a|ab", "ab", "0,1"],
      ["ab|a", "ab", "0,2"],
      ["(a|ab)(c|bcd)(d*)", "abcd", "0,4;0,1;1,4;4,4"],
      ["(a+)(a+)", "aaaa", "0,4;0,3;3,4"],
      ["(a+?)(a+)", "aaaa", "0,4;0,1;1,4"],
      ["x*", "ax", "0,0"],
      ["(?:a|b)*?b", "aab", "0,3"],
      ["b|a|", "ca", "0,0"],
      ["|a", "a", "0,0"],
      ["(foo|foobar)bar", "foobarbar", "0,6;0,3"],
      ["(foo|foobar)bar$", "foobarbar", "0,9;0,6"],
    ]);
  });

  it("quantifiers, greedy and lazy, and (?U)", () => {
    table([
      ["a*", "aaa", "0,3"],
      ["a*?", "aaa", "0,0"],
      ["a+", "baaa", "1,4"],
      ["a+?", "aaa", "0,1"],
      ["a?", "a", "0,1"],
      ["a??", "a", "0,0"],
      ["a{2}", "aaa", "0,2"],
      ["a{2}?", "aaa", "0,2"],
      ["a{2,}", "aaaa", "0,4"],
      ["a{2,}?", "aaaa", "0,2"],
      ["a{2,3}", "aaaa", "0,3"],
      ["a{2,3}?", "aaaa", "0,2"],
      ["a{0}", "a", "0,0"],
      ["a{0,0}b", "ab", "1,2"],
      ["a{1000}", "a".repeat(1001), "0,1000"],
      ["(?U)a+", "aaa", "0,1"],
      ["(?U)a+?", "aaa", "0,3"],
      ["(?U:a+)a+", "aaa", "0,3"],
      ["a+", "aaa", "0,1", "U"],
      ["(a+)(b+)?", "aab", "0,3;0,2;2,3"],
      ["(a+)(b+)??", "aab", "0,2;0,2;-1,-1"],
      ["(?:a{2})*", "aaaaa", "0,4"],
      ["(?:a?){3}", "aa", "0,2"],
      ["(?:a+){2,}", "aaa", "0,3"],
    ]);
  });

  it("flags: (?i) (?s) (?m) (?U), scoped (?i:...), negated (?-i), the flags argument", () => {
    table([
      ["(?i)abc", "xAbC", "1,4"],
      ["(?i:a)b", "AB", "-"],
      ["(?i:a)b", "Ab", "0,2"],
      ["(?i)a(?-i)b", "AB", "-"],
      ["(?i)a(?-i:b)c", "AbC", "0,3"],
      ["(?i)a(?-i:b)c", "ABC", "-"],
      ["(a(?i)b)c", "aBc", "0,3;0,2"],
      ["(a(?i)b)c", "aBC", "-"],
      ["(?i)a|b", "B", "0,1"],
      ["(?is)a.", "A\n", "0,2"],
      ["(?ims-s)^a.", "x\nA\n", "-"],
      ["(?sm-i:^A.)", "x\nA\n", "2,4"],
      ["(?)a", "a", "0,1"],
      ["(?i)(?s)(?m)(?U)", "", "0,0"],
      ["abc", "ABC", "0,3", "i"],
      ["^b$", "a\nb\nc", "2,3", "m"],
      ["a.b", "a\nb", "0,3", "s"],
      ["a.*b", "a\nb\nb", "0,5", "ms"],
    ]);
    expect(run([{ p: "a", f: "x" }, { p: "a", f: "ii" }])).toEqual(['E -1 "unknown flag \\"x\\" (flags are i, m, s, U)"', "ok 0 3"]);
  });

  it("case-insensitive matching uses Unicode simple case folding", () => {
    table([
      ["(?i)k", "\u212A", "0,3"],
      ["(?i)\u212A", "k", "0,1"],
      ["(?i)s", "\u017F", "0,2"],
      ["(?i)σ", "ς", "0,2"],
      ["(?i)Σ", "σ", "0,2"],
      ["(?i)ß", "ẞ", "0,3"],
      ["(?i)é", "É", "0,2"],
      ["(?i)ǅ", "Ǆ", "0,2"],
      ["(?i)θ", "ϑ", "0,2"],
      ["(?i)ω", "\u2126", "0,3"],
      ["(?i)привет", "ПРИВЕТ", "0,12"],
      ["(?i)𐐀", "𐐨", "0,4"],
      ["(?i)[a-z]+", "K\u212A\u017FS", "0,7"],
      ["(?i)[k-m]", "\u212A", "0,3"],
      ["(?i)[^k]", "\u212A", "-"],
      ["(?i)\\W", "\u212A", "-"],
      ["\\W", "\u212A", "0,3"],
      ["(?i)\\w", "\u017F", "0,2"],
      ["(?i)[[:^upper:]]", "\u212A", "-"],
      ["(?i)[[:upper:]]", "a", "0,1"],
      ["(?i)\\x{212A}", "K", "0,1"],
      // simple folding only, as RE2: no one-to-many mappings
      ["(?i)straße", "STRASSE", "-"],
      ["(?i)ﬀ", "ff", "-"],
      ["(?i)i", "İ", "-"],
    ]);
  });

  it("case folding agrees with re2js for every code point that folds", () => {
    // Every code point with a case mapping, and its equivalence class under JavaScript's /iu
    // (simple case folding); the engine must treat each class as re2js does.
    const cps: number[] = [];
    for (let c = 0; c <= 0x10ffff; c++) {
      if (c >= 0xd800 && c <= 0xdfff) continue;
      const s = String.fromCodePoint(c);
      if (s.toLowerCase() !== s || s.toUpperCase() !== s) cps.push(c);
    }
    const text = cps.map((c) => String.fromCodePoint(c)).join("");
    const textBytes = enc.encode(text);
    let checked = 0;
    for (let i = 0; i < cps.length; i += 500) {
      const batch = cps.slice(i, i + 500);
      // findAll over the text of all candidates lists the members of each class, in order
      host.clearLogs();
      expect(host.configure({ shared: [hex(textBytes)], cases: batch.map((c) => ({ p: `(?i)\\x{${c.toString(16)}}`, all: true, shared: true })) })).toBe(true);
      const out = host.logsAt(LogLevel.info);
      batch.forEach((c, k) => {
        const m = RE2JS.compile(`(?i)\\x{${c.toString(16)}}`).matcher(textBytes);
        const spans: string[] = [];
        while (m.find()) spans.push(`${m.start()},${m.end()}`);
        expect(out[k].split(" A:")[1], `U+${c.toString(16)}`).toBe(spans.join("/"));
        checked++;
      });
    }
    expect(checked).toBeGreaterThan(2900);
  }, 120_000);

  it("UTF-8: offsets are bytes; each byte of invalid UTF-8 is U+FFFD of width 1 (as RE2)", () => {
    table([
      ["(é)(😀)", "xé😀", "1,7;1,3;3,7"],
      ["x.y", "x\uE000y", "0,5", undefined],
    ], { ref: false });
    bytesTable([
      [".", [0xff], "0,1"],
      ["\\x{FFFD}", [0xff], "0,1"],
      ["\\x{FFFD}", [0xef, 0xbf, 0xbd], "0,3"],
      ["a.b", [0x61, 0xff, 0x62], "0,3"],
      ["a..b", [0x61, 0xe2, 0x82, 0x62], "0,4"],
      [".", [0xc3], "0,1"],
      ["é", [0xc3, 0xa9], "0,2"],
      ["[^a]+", [0xff, 0xfe, 0x61], "0,2"],
      ["\\xff", [0xff], "-"],
      ["\\xff", [0xc3, 0xbf], "0,2"],
      ["(?i)É", [0xc3, 0xa9], "0,2"],
      ["\\x{D800}", [0xed, 0xa0, 0x80], "-"],
      ["^.{3}$", [0xed, 0xa0, 0x80], "0,3"],
      ["^..$", [0xc0, 0xaf], "0,2"],
      ["^.$", [0xf4, 0x8f, 0xbf, 0xbf], "0,4"],
      ["^.{4}$", [0xf4, 0x90, 0x80, 0x80], "0,4"],
      ["^.{3}$", [0xf0, 0x9f, 0x98], "0,3"],
      ["\\bx\\b", [0xff, 0x78, 0xff], "1,2"],
      ["[\\x{FFFD}a]+", [0x80, 0x61, 0xbf], "0,3"],
      ["😀", [0xf0, 0x9f, 0x98, 0x80, 0xf0, 0x9f, 0x98], "0,4"],
    ]);
    // a lone surrogate in a string subject reads as U+FFFD (3 bytes); group texts from bytes
    // are decoded as the engine reads them
    expect(run([
      { p: "(.)(.)", s: ["é\uE000"] },
      { p: "(.)(.)", x: [hex([0xc3, 0xa9, 0xff])], texts: true },
      { p: "(.)(.)", s: ["é😀"], texts: true },
    ])).toEqual([
      "ok 2 8 | f:0,5;0,2;2,5",
      'ok 2 8 | f:0,3;0,2;2,3 T:["é\uFFFD","é","\uFFFD"]',
      'ok 2 8 | f:0,6;0,2;2,6 T:["é😀","é","😀"]',
    ]);
  });

  it("string and byte subjects give the same spans", () => {
    const subjects = ["", "abc", "é😀x", "a\nb", "ǅ ß ẞ k \u212A", "x".repeat(50)];
    const patterns = ["(\\w+)", "(?i)(k)", "(.)(.)$", "\\b", "(?m)^(.*)$", "[^a]*", "(é|😀)+"];
    const out = run(patterns.map((p) => ({ p, s: subjects, x: subjects.map(hex), full: true, all: true })));
    for (const line of out) {
      const parts = line.split(" | ").slice(1);
      expect(parts.slice(0, subjects.length)).toEqual(parts.slice(subjects.length));
    }
  });

  it("findAll iterates as RE2 and Go: no empty match right after a match", () => {
    expect(run([
      { p: "a*", s: ["baaac"], all: true },
      { p: "", s: ["é😀"], all: true },
      { p: "\\d+|x*", s: ["12x3"], all: true },
      { p: "(a)|b", s: ["ab"], all: true },
      { p: "z", s: ["abc"], all: true },
    ])).toEqual([
      "ok 0 4 | f:0,0 A:0,0/1,4/5,5",
      "ok 0 3 | f:0,0 A:0,0/2,2/6,6",
      "ok 0 7 | f:0,2 A:0,2/2,3/3,4",
      "ok 1 7 | f:0,1;0,1 A:0,1;0,1/1,2;-1,-1",
      "ok 0 3 | f:- A:-",
    ]);
  });

  it("replace: $1 ${1} ${name} $$, first or all, empty matches as RE2 and Go", () => {
    const r = (p: string, s: string, repl: string, ra = true) => run([{ p, s: [s], r: repl, ra }])[0].split(" R:")[1];
    expect(r("(\\w+)@(\\w+)", "a@b c@d", "$2 at $1")).toBe('"b at a d at c"');
    expect(r("(\\w+)@(\\w+)", "a@b c@d", "$2 at $1", false)).toBe('"b at a c@d"');
    expect(r("(\\w+)", "ab", "${1}x$1x")).toBe('"abxabx"');
    expect(r("(?P<user>\\w+)@(?<host>\\w+)", "me@home", "${host}/${user}")).toBe('"home/me"');
    expect(r("a", "a", "$$ $$1 $ $x ${ ${} ${a-b} x$")).toBe('"$ $1 $ $x ${ ${} ${a-b} x$"');
    expect(r("(a)", "a", "[$2][${9}][${nope}][$0][$10]")).toBe('"[][][][a][]"');
    expect(r("(a)|(b)", "ab", "[$1|$2]")).toBe('"[a|][|b]"');
    expect(r("a*", "baaac", "X")).toBe('"XbXcX"');
    expect(r("", "abc", "-")).toBe('"-a-b-c-"');
    expect(r("", "é😀", "-")).toBe('"-é-😀-"');
    expect(r("x*", "", "X")).toBe('"X"');
    expect(r("z", "abc", "X")).toBe('"abc"');
    expect(r("é", "éaé", "😀")).toBe('"😀a😀"');
    const [bytes] = run([{ p: ".", x: [hex([0x61, 0xff, 0x62])], r: "[$0]" }]);
    expect(bytes.split(" R:")[1]).toBe(hex("[a][") + "ff" + hex("][b]"));
  });

  it("replace agrees with a reference built on re2js' matches (Go's ReplaceAll loop)", () => {
    // Go's ReplaceAll iteration over re2js' find(start), expanding the template as documented.
    function expand(tpl: string, groups: Array<[number, number]>, src: Uint8Array, names: Record<string, number>): number[] {
      const out: number[] = [];
      const t = enc.encode(tpl);
      const group = (g: number) => { if (g >= 0 && g < groups.length && groups[g][0] >= 0) out.push(...src.slice(groups[g][0], groups[g][1])); };
      for (let i = 0; i < t.length; i++) {
        if (t[i] !== 0x24 || i + 1 >= t.length) { out.push(t[i]); continue; }
        const rest = Buffer.from(t.slice(i + 1)).toString("latin1");
        let m: RegExpMatchArray | null;
        if (rest[0] === "$") { out.push(0x24); i++; }
        else if ((m = rest.match(/^\d+/))) { group(Number(m[0]) > 1e6 ? -1 : Number(m[0])); i += m[0].length; }
        else if ((m = rest.match(/^\{([A-Za-z0-9_]+)\}/))) { group(/^\d+$/.test(m[1]) ? Number(m[1]) : (names[m[1]] ?? -1)); i += m[0].length; }
        else out.push(0x24);
      }
      return out;
    }
    function reference(p: string, src: Uint8Array, tpl: string): string {
      const re = RE2JS.compile(p);
      const names = re.namedGroups();
      const out: number[] = [];
      let last = 0, pos = 0;
      const m = re.matcher(src);
      while (pos <= src.length && m.find(pos)) {
        const groups: Array<[number, number]> = [];
        for (let g = 0; g <= m.groupCount(); g++) groups.push([m.start(g), m.end(g)]);
        const [s, e] = groups[0];
        out.push(...src.slice(last, s));
        if (e > last || s === 0) out.push(...expand(tpl, groups, src, names));
        last = e;
        const w = pos < src.length ? utf8Width(src, pos) : 1;
        if (pos + w > e) pos += w; else pos = e;
      }
      out.push(...src.slice(last));
      return Buffer.from(out).toString("hex");
    }
    const rnd = prng(5);
    const alphabet = ["a", "b", "ab", " ", "é", "-", "x", "😀"];
    const patterns = ["a*", "(a)|b", "(?P<w>\\w+)", "x*", "", "\\b", "(a+)(b*)", "(?i)(A|é)", "[^ ]+", "$", "^", "(?m)^", "b??", ".?"];
    const templates = ["<$1>", "[$0]", "${w}${1}$$", "", "$2$1", "-"];
    const cases: RegexCase[] = [];
    const wants: string[] = [];
    for (const p of patterns) {
      for (const tpl of templates) {
        const subjects: string[] = [];
        for (let k = 0; k < 4; k++) { let s = ""; const n = Math.floor(rnd() * 7); for (let j = 0; j < n; j++) s += alphabet[Math.floor(rnd() * alphabet.length)]; subjects.push(s); }
        cases.push({ p, x: subjects.map(hex), r: tpl });
        wants.push(subjects.map((s) => reference(p, enc.encode(s), tpl)).join(" "));
      }
    }
    const out = run(cases);
    out.forEach((line, i) => {
      const got = line.split(" | ").slice(1).map((part) => part.split(" R:")[1]).join(" ");
      expect(got, JSON.stringify(cases[i])).toBe(wants[i]);
    });
  });

  it("checkReplacement reports references to missing groups and malformed ${...}", () => {
    const c = (p: string, t: string) => run([{ p, check: t }])[0].split(" | C:")[1];
    expect(c("(a)(?P<n>b)", "$1 ${2} ${n} $$ $ $x")).toBe('""');
    expect(c("(a)", "x$2")).toBe('"reference to group 2 at byte 1, but the pattern has 1 groups"');
    expect(c("(a)", "${nope}")).toBe('"reference to an unknown group at byte 0"');
    expect(c("(a)", "ab${1")).toBe('"invalid group reference at byte 2 (expected ${number} or ${name})"');
    expect(c("(a)", "${}")).toBe('"invalid group reference at byte 0 (expected ${number} or ${name})"');
  });

  it("syntax errors name the problem and its byte offset", () => {
    errors([
      ["a(b", "1 missing closing )"],
      ["(a(b)", "0 missing closing )"],
      ["a)b", "1 unexpected )"],
      ["[a", "0 missing closing ]"],
      ["[]", "0 missing closing ]"],
      ["[^]", "0 missing closing ]"],
      ["a[b-", "1 missing closing ]"],
      ["a\\", "1 trailing backslash at end of expression"],
      ["[a\\", "2 trailing backslash at end of expression"],
      ["\\q", "0 invalid escape sequence"],
      ["é\\é", "2 invalid escape sequence"],
      ["\\xZ1", "0 invalid escape sequence"],
      ["\\x", "0 invalid escape sequence"],
      ["\\x{}", "0 invalid escape sequence"],
      ["\\x{12", "0 invalid escape sequence"],
      ["\\x{110000}", "0 invalid escape sequence (code point above U+10FFFF)"],
      ["*a", "0 missing argument to repetition operator"],
      ["(*)", "1 missing argument to repetition operator"],
      ["a|*", "2 missing argument to repetition operator"],
      ["(?i)*", "4 missing argument to repetition operator"],
      ["{2}", "0 missing argument to repetition operator"],
      ["a**", "2 invalid nested repetition operator"],
      ["a*??", "3 invalid nested repetition operator"],
      ["a{2}{3}", "4 invalid nested repetition operator"],
      ["x{2,1}", "1 invalid repeat count (minimum above maximum)"],
      ["[z-a]", "1 invalid character class range"],
      ["[a-\\d]", "3 invalid escape sequence"],
      ["a[\\b]", "2 invalid escape sequence"],
      ["[\\A]", "1 invalid escape sequence"],
      ["[[:foo:]]", "1 invalid character class range"],
      ["[[:]]", "1 invalid character class range"],
      ["(?P<>a)", "0 invalid named capture"],
      ["(?P<a-b>x)", "0 invalid named capture"],
      ["(?<é>x)", "0 invalid named capture"],
      ["(?P<a", "0 invalid named capture"],
      ["(?P<n>a)(?P<n>b)", "8 duplicate capture group name"],
      ["(?z)", "0 invalid or unsupported Perl syntax"],
      ["(?i-)", "0 invalid or unsupported Perl syntax"],
      ["(?--i)", "0 invalid or unsupported Perl syntax"],
      ["(?#c)", "0 invalid or unsupported Perl syntax"],
      ["(?>a)", "0 invalid or unsupported Perl syntax"],
      ["(?P>a)", "0 invalid or unsupported Perl syntax"],
      ["(?i", "0 invalid or unsupported Perl syntax"],
    ]);
    // a lone surrogate in the pattern (U+E000 stands for one) is not UTF-8
    expect(run([{ p: "a\uE000" }])).toEqual(['E 1 "invalid UTF-8 in pattern"']);
  });

  it("unsupported constructs are compile errors, never another meaning", () => {
    errors([
      ["\\1", "0 backreferences are not supported"],
      ["(a)\\1", "3 backreferences are not supported"],
      ["(a)\\9", "3 backreferences are not supported"],
      ["(?P<n>a)(?P=n)", "8 backreferences are not supported"],
      ["a(?=b)", "1 lookahead assertions are not supported"],
      ["a(?!b)", "1 lookahead assertions are not supported"],
      ["(?<=a)b", "0 lookbehind assertions are not supported"],
      ["(?<!a)b", "0 lookbehind assertions are not supported"],
      ["a*+", "2 possessive quantifiers are not supported (invalid nested repetition operator)"],
      ["a++", "2 possessive quantifiers are not supported (invalid nested repetition operator)"],
      ["a?+", "2 possessive quantifiers are not supported (invalid nested repetition operator)"],
      ["a{2}+", "4 possessive quantifiers are not supported (invalid nested repetition operator)"],
      ["\\C", "0 \\C (any byte) is not supported"],
    ]);
    // RE2 has these; this engine does not (documented): an error, not a different match
    errors([
      ["\\pL", "0 Unicode classes \\p and \\P are not supported"],
      ["\\p{Greek}", "0 Unicode classes \\p and \\P are not supported"],
      ["x\\PL", "1 Unicode classes \\p and \\P are not supported"],
      ["[\\pL]", "1 Unicode classes \\p and \\P are not supported"],
      ["[^\\P{Lu}]", "2 Unicode classes \\p and \\P are not supported"],
    ], { refRejects: false });
    for (const p of ["\\pL", "\\p{Greek}", "[\\pL]"]) expect(() => RE2JS.compile(p)).not.toThrow();
  });

  it("every limit is a compile error naming it", () => {
    errors([
      ["x{1001}", "1 invalid repeat count (counts are limited to 1000)"],
      ["x{0,1001}", "1 invalid repeat count (counts are limited to 1000)"],
      ["x{123456789}", "1 invalid repeat count (counts are limited to 1000)"],
      ["(x{10}){101}", "7 invalid repeat count (nested counts multiply to more than 1000)"],
      ["((x{2}){2}){251}", "11 invalid repeat count (nested counts multiply to more than 1000)"],
    ]);
    const ok = (line: string) => line.startsWith("ok ");
    const out = run([
      { p: "a".repeat(4096) },
      { p: "a".repeat(4097) },
      { p: "é".repeat(2049) },
      { p: "(?:abcde){999}" },
      { p: "(?:abcde){1000}" },
      { p: "[a-z]{1000}x{1000}y{1000}z{1000}w{1000}" },
      { p: "(?:a|b".repeat(120) + ")".repeat(120) },
      { p: "(?:a|b".repeat(300) + ")".repeat(300) },
      { p: "(?:".repeat(1000) + "a" + ")".repeat(1000), s: ["a"] },
      { p: "a" + "*(?i)+(?i)".repeat(200) },
      { p: "(?:".repeat(1300) },
      { p: "()".repeat(100) },
      { p: "()".repeat(101) },
      { p: "(a)".repeat(100) + "[ab]{600}" },
      { p: "(a)".repeat(10) + "[ab]{600}" },
    ]);
    expect(ok(out[0])).toBe(true);
    expect(out[1]).toBe('E 4096 "pattern too long (more than 4096 bytes)"');
    expect(out[2]).toBe('E 4096 "pattern too long (more than 4096 bytes)"');
    expect(ok(out[3])).toBe(true);
    expect(out[4]).toBe('E 9 "program too large (more than 5000 instructions)"');
    expect(out[5]).toBe('E 33 "program too large (more than 5000 instructions)"');
    expect(ok(out[6])).toBe(true);
    expect(out[7]).toMatch(/^E \d+ "expression nests too deeply \(more than 250 levels\)"$/);
    expect(Number(out[7].split(" ")[1])).toBeLessThan(300 * 4);
    expect(out[8]).toBe("ok 0 3 | f:0,1"); // non-capturing groups add no level
    expect(out[9]).toMatch(/^E \d+ "expression nests too deeply \(more than 250 levels\)"$/);
    expect(out[10]).toBe('E 3897 "missing closing )"');
    expect(ok(out[11])).toBe(true);
    expect(out[12]).toBe('E 200 "too many capturing groups (more than 100)"');
    expect(out[13]).toMatch(/^E 0 "too many capture cells \(\d+ thread instructions × 202 slots, the limit is 65536\): use fewer groups"$/);
    expect(ok(out[14])).toBe(true);
  });

  it("random hostile patterns and subjects never trap", () => {
    const rnd = prng(99);
    const alphabet = [..."()[]{}*+?|\\^$.-,:<>=!Pismux0123456789pQECazAbBdDwW_&# é😀\n"];
    const pick = () => alphabet[Math.floor(rnd() * alphabet.length)];
    let compiled = 0, rejected = 0;
    for (let batch = 0; batch < 10; batch++) {
      const cases: RegexCase[] = [];
      for (let i = 0; i < 100; i++) {
        let p = "";
        const n = Math.floor(rnd() * (rnd() < 0.1 ? 600 : 40));
        for (let j = 0; j < n; j++) p += pick();
        const subject: number[] = [];
        for (let j = 0, m = Math.floor(rnd() * 60); j < m; j++) subject.push(Math.floor(rnd() * 256));
        cases.push({ p, x: [hex(subject)], s: [p], full: true, all: true, r: "$1${x}$$" });
      }
      for (const line of run(cases)) line.startsWith("ok ") ? compiled++ : rejected++;
    }
    expect(compiled).toBeGreaterThan(50);
    expect(rejected).toBeGreaterThan(50);
  }, 60_000);

  it("matching takes linear time: steps grow tenfold with a tenfold input", () => {
    const patterns = ["(a*)*b", "(a|aa)*c", "(x+x+)+y", "(a|a)*b", "((a*)*)*b", "(.*)*x", "(\\w+\\s?)+$", "(?i)(a|b|ab)*c", "a{0,30}a{30}b"];
    const reps: Record<string, string> = { "(x+x+)+y": "x", "(.*)*x": "ab", "(\\w+\\s?)+$": "ab ", "(?i)(a|b|ab)*c": "aB" };
    const steps = (n: number) => run(patterns.map((p) => ({ p, g: { rep: reps[p] ?? "a", n, post: p === "(\\w+\\s?)+$" ? "!" : "" }, steps: true })));
    const small = steps(2000);
    const large = steps(20000);
    patterns.forEach((p, i) => {
      const parse = (line: string) => {
        const [head, result] = line.split(" | ");
        const [test, find] = result.split(" S:")[1].split(",").map(Number);
        return { size: Number(head.split(" ")[2]), match: result.split(" ")[0], test, find };
      };
      const a = parse(small[i]);
      const b = parse(large[i]);
      expect(a.match, p).toBe("f:-");
      expect(b.match, p).toBe("f:-");
      for (const k of ["test", "find"] as const) {
        const ratio = b[k] / a[k];
        expect(ratio, `${p} ${k}: ${a[k]} -> ${b[k]} steps`).toBeGreaterThan(9.5);
        expect(ratio, `${p} ${k}: ${a[k]} -> ${b[k]} steps`).toBeLessThan(10.5);
        // the Pike VM bound: every instruction at most once per list and position
        const bytes = 20000 * (reps[p] ?? "a").length + 1;
        expect(b[k], p).toBeLessThanOrEqual(2 * (b.size + 1) * (bytes + 1));
      }
    });
  }, 60_000);

  it("test() and testBytes() allocate nothing per call (state is allocated once per regex)", () => {
    const bench = (iters: number, mode: string) => {
      host.clearLogs();
      expect(host.configure({ bench: { p: "(a|b)*c(\\d+)", rep: "ab", n: 100, post: "c12", iters, mode } })).toBe(true);
      return host.logsAt(LogLevel.info)[0];
    };
    for (let i = 0; i < 3; i++) bench(10, "test");
    const before = host.memoryPages();
    expect(bench(200_000, "test")).toBe("bench 200000 " + String(200_000 * Number(bench(1, "test").split(" ")[2])));
    expect(host.memoryPages()).toBeLessThanOrEqual(before + 1);
  }, 60_000);
});
