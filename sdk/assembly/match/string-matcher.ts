// A string matcher with Envoy's StringMatcher shapes: exactly one of `exact`, `prefix`, `suffix`,
// `contains`, `regex`, and `ignore_case` (ASCII, as Envoy's). A `regex` must match the whole value,
// as Envoy's `safe_regex` does; it runs on the SDK's linear-time engine (../regex), and its
// captures are kept for `%CAPTURE(n)%`-style use by the caller. Parsed once from configuration,
// matched on every request without allocation (but for regex captures).
import { JsonConfig } from "../config";
import { Regex } from "../regex";
import { decodeUtf8Buffer } from "../utf8";

export enum MatchKind {
  Exact = 0,
  Prefix = 1,
  Suffix = 2,
  Contains = 3,
  Regex = 4,
}

// built at parse time, not at module start (see condition.ts)
function kinds(): string[] { return ["exact", "prefix", "suffix", "contains", "regex"]; }

/** ASCII case-insensitive equality of a[ai..ai+n) and b[bi..bi+n). */
function regionEqualsIgnoreCase(a: string, ai: i32, b: string, bi: i32, n: i32): bool {
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(ai + i);
    let y = b.charCodeAt(bi + i);
    if (x >= 0x41 && x <= 0x5a) x += 32;
    if (y >= 0x41 && y <= 0x5a) y += 32;
    if (x != y) return false;
  }
  return true;
}

export class StringMatcher {
  kind: MatchKind = MatchKind.Exact;
  value: string = "";
  ignoreCase: bool = false;
  regex: Regex | null = null;
  /** the groups of the last successful regex match (index 0 = the whole match) */
  captures: Array<string> = new Array<string>();
  /** the name of each group ("" for unnamed ones and the whole match), parallel to `captures` */
  captureNames: Array<string> = new Array<string>();

  /** A matcher from an object with one of exact/prefix/suffix/contains/regex (+ ignore_case). Errors go to `cfg`. */
  static parse(cfg: JsonConfig): StringMatcher {
    const m = new StringMatcher();
    let found = 0;
    const names = kinds();
    for (let k = 0; k < names.length; k++) {
      if (!cfg.has(unchecked(names[k]))) continue;
      found++;
      m.kind = <MatchKind>k;
      m.value = k == MatchKind.Regex ? cfg.requireString(unchecked(names[k])) : cfg.requireStringAllowEmpty(unchecked(names[k]));
    }
    if (found != 1) cfg.fail("", "expected exactly one of \"exact\", \"prefix\", \"suffix\", \"contains\", \"regex\"");
    m.ignoreCase = cfg.optionalBool("ignore_case", false);
    if (m.kind == MatchKind.Regex && found == 1 && m.value.length > 0) {
      const r = Regex.compile(m.value, m.ignoreCase ? "i" : "");
      if (!r.ok) cfg.fail("regex", "not a valid pattern: " + r.describe());
      else {
        const re = r.regex!;
        m.regex = re;
        for (let g = 0; g <= re.groupCount; g++) m.captureNames.push(re.groupName(g));
      }
    }
    return m;
  }

  /** Whether `s` matches. A regex match keeps its groups in `captures`. */
  /** `value` as UTF-8 when it is ASCII (null otherwise, or before the first matchesBytes) */
  private asciiBytes: ArrayBuffer | null = null;
  private asciiChecked: bool = false;

  /**
   * What matches() says of UTF-8 bytes `b` decoded, without decoding them where that is exact: an
   * ASCII value matched exactly, as a prefix or as a suffix (case folded as matches() folds it,
   * A-Z only). ASCII bytes always decode to themselves, so a byte comparison gives the same answer
   * as the decoded one, invalid sequences included. Other kinds and values decode and call matches().
   * Header names are ASCII tokens: a filter scanning a map's names saves a string per header.
   */
  matchesBytes(b: ArrayBuffer): bool {
    if (!this.asciiChecked) {
      this.asciiChecked = true;
      let ascii = true;
      for (let i = 0; i < this.value.length; i++) if (this.value.charCodeAt(i) >= 0x80) ascii = false;
      if (ascii) this.asciiBytes = String.UTF8.encode(this.value);
    }
    const v = this.asciiBytes;
    const k = this.kind;
    if (v === null || (k != MatchKind.Exact && k != MatchKind.Prefix && k != MatchKind.Suffix)) {
      return this.matches(decodeUtf8Buffer(b)); // as HeaderPair.keyString() decodes

    }
    const n = v.byteLength;
    const len = b.byteLength;
    if (len < n || (k == MatchKind.Exact && len != n)) return false;
    const at = changetype<usize>(b) + (k == MatchKind.Suffix ? <usize>(len - n) : <usize>0);
    const want = changetype<usize>(v);
    if (!this.ignoreCase) return memory.compare(at, want, <usize>n) == 0;
    for (let i = 0; i < n; i++) {
      let x = <u32>load<u8>(at + <usize>i);
      let y = <u32>load<u8>(want + <usize>i);
      if (x >= 0x41 && x <= 0x5a) x += 32;
      if (y >= 0x41 && y <= 0x5a) y += 32;
      if (x != y) return false;
    }
    return true;
  }

  matches(s: string): bool {
    const v = this.value;
    switch (this.kind) {
      case MatchKind.Exact:
        return s.length == v.length && (this.ignoreCase ? regionEqualsIgnoreCase(s, 0, v, 0, v.length) : s == v);
      case MatchKind.Prefix:
        return s.length >= v.length && (this.ignoreCase ? regionEqualsIgnoreCase(s, 0, v, 0, v.length) : s.startsWith(v));
      case MatchKind.Suffix:
        return s.length >= v.length && (this.ignoreCase ? regionEqualsIgnoreCase(s, s.length - v.length, v, 0, v.length) : s.endsWith(v));
      case MatchKind.Contains: {
        if (!this.ignoreCase) return s.includes(v);
        for (let i = 0; i + v.length <= s.length; i++) if (regionEqualsIgnoreCase(s, i, v, 0, v.length)) return true;
        return false;
      }
      default: {
        const re = this.regex;
        if (re === null) return false;
        const m = re.findFull(s);
        if (m === null) return false;
        this.captures = new Array<string>();
        for (let g = 0; g <= re.groupCount; g++) this.captures.push(m.group(g));
        return true;
      }
    }
  }
}
