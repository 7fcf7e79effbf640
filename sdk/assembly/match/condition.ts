// Conditions: when a rule (a header rewrite, an auth requirement, a rate limit) applies. A tree of
// `all` / `any` / `not` over leaves on the request line, headers, query parameters, cookies and the
// response status, parsed once from configuration (errors name the field) and evaluated per request
// without trapping. A header, query or cookie leaf sees every value of a repeated name: it holds
// when any value matches (`present` / `absent` look at the name alone).
//
//   {"all": [{"method": ["GET", "HEAD"]}, {"path": {"prefix": "/api/"}},
//            {"header": {"name": "x-tenant", "regex": "t-[0-9]+"}}, {"not": {"query": {"name": "debug"}}}]}
//
// The first regex leaf that matched while evaluating (in document order) keeps its groups:
// `captures` after evaluate(), for a value template's %CAPTURE(n)%.
import { JsonConfig } from "../config";
import { JsonKind } from "../json";
import { asciiLower } from "../header-safety";
import { MatchInput } from "./input";
import { MatchKind, StringMatcher } from "./string-matcher";

export enum ConditionKind {
  Always = 0,
  All = 1,
  Any = 2,
  Not = 3,
  Method = 4,
  Path = 5,
  Host = 6,
  Header = 7,
  ResponseHeader = 8,
  Query = 9,
  Cookie = 10,
  Status = 11,
}

/** How deep all/any/not may nest (a configuration cannot make evaluation recurse without bound). */
export const MAX_CONDITION_DEPTH = 16;

// Key lists are built when a configuration is parsed, not at module start: a module-level array
// would be allocated in the start function of every filter that links the SDK, used or not.
function leaves(): string[] { return ["all", "any", "not", "method", "path", "host", "header", "response_header", "query", "cookie", "status"]; }
function namedKeys(): string[] { return ["name", "present", "absent", "exact", "prefix", "suffix", "contains", "regex", "ignore_case"]; }
function matcherKeys(): string[] { return ["exact", "prefix", "suffix", "contains", "regex", "ignore_case"]; }

export class Condition {
  kind: ConditionKind = ConditionKind.Always;
  children: Array<Condition> = new Array<Condition>();
  matcher: StringMatcher | null = null;
  /** header (lower-cased), query parameter or cookie name */
  name: string = "";
  /** named leaves: 1 = present, 2 = absent, 0 = a value must match */
  presence: i32 = 0;
  methods: Array<string> = new Array<string>();
  statuses: Array<i32> = new Array<i32>();
  /** groups of the first regex leaf that matched in the last evaluation */
  captures: Array<string> = new Array<string>();
  /** their names ("" for unnamed groups), parallel to `captures` */
  captureNames: Array<string> = new Array<string>();

  /** A condition that always holds (a rule without `when`). */
  static always(): Condition {
    return new Condition();
  }

  isAlways(): bool {
    return this.kind == ConditionKind.Always;
  }

  /** Parses the condition object `cfg` (one key: all, any, not or a leaf); errors go to `cfg`. */
  static parse(cfg: JsonConfig, depth: i32 = 0): Condition {
    const c = new Condition();
    if (depth >= MAX_CONDITION_DEPTH) {
      cfg.fail("", "conditions nest deeper than " + MAX_CONDITION_DEPTH.toString() + " levels");
      return c;
    }
    const keys = cfg.keys();
    if (keys.length != 1 || !leaves().includes(unchecked(keys[0]))) {
      cfg.fail("", "expected one of \"" + leaves().join("\", \"") + "\" (exactly one key)");
      return c;
    }
    const key = unchecked(keys[0]);
    if (key == "all" || key == "any") {
      c.kind = key == "all" ? ConditionKind.All : ConditionKind.Any;
      const a = cfg.requireArray(key, 1);
      for (let i = 0; i < a.length; i++) c.children.push(Condition.parse(a.object(i), depth + 1));
    } else if (key == "not") {
      c.kind = ConditionKind.Not;
      c.children.push(Condition.parse(cfg.requireObject("not"), depth + 1));
    } else if (key == "method") {
      c.kind = ConditionKind.Method;
      const v = cfg.get("method");
      if (v !== null && v.kind == JsonKind.String) c.methods.push(cfg.requireString("method"));
      else c.methods = cfg.requireStringArray("method", 1);
    } else if (key == "status") {
      c.kind = ConditionKind.Status;
      const v = cfg.get("status");
      if (v !== null && v.kind == JsonKind.Number) c.statuses.push(<i32>cfg.requireInt("status", 100, 999));
      else {
        const a = cfg.requireArray("status", 1);
        for (let i = 0; i < a.length; i++) {
          const n = a.int(i);
          if (n < 100 || n > 999) cfg.fail("status", "status codes from 100 to 999 (element " + i.toString() + " is " + n.toString() + ")");
          else c.statuses.push(<i32>n);
        }
      }
    } else if (key == "path" || key == "host") {
      c.kind = key == "path" ? ConditionKind.Path : ConditionKind.Host;
      const m = cfg.requireObject(key);
      m.allowOnly(matcherKeys());
      c.matcher = StringMatcher.parse(m);
    } else {
      c.kind = key == "header" ? ConditionKind.Header : key == "response_header" ? ConditionKind.ResponseHeader
        : key == "query" ? ConditionKind.Query : ConditionKind.Cookie;
      const o = cfg.requireObject(key);
      o.allowOnly(namedKeys());
      const name = o.requireString("name");
      c.name = c.kind == ConditionKind.Header || c.kind == ConditionKind.ResponseHeader ? asciiLower(name) : name;
      const present = o.optionalBool("present", false);
      const absent = o.optionalBool("absent", false);
      const kinds = matcherKeys();
      let matchers = 0;
      for (let i = 0; i < 5; i++) if (o.has(unchecked(kinds[i]))) matchers++;
      if (present && absent) o.fail("", "expected \"present\" or \"absent\", not both");
      if ((present || absent) && matchers > 0) o.fail("", "expected \"present\"/\"absent\" or a value matcher, not both");
      if (present) c.presence = 1;
      else if (absent) c.presence = 2;
      else if (matchers == 0) c.presence = 1; // {"name": "x"} alone: present
      else c.matcher = StringMatcher.parse(o);
    }
    return c;
  }

  /** Whether the condition holds for `input`; `captures` (and `captureNames`) then hold the first matching regex leaf's groups. */
  evaluate(input: MatchInput): bool {
    this.captures = new Array<string>();
    this.captureNames = new Array<string>();
    return this.eval(input, this);
  }

  private eval(input: MatchInput, root: Condition): bool {
    switch (this.kind) {
      case ConditionKind.Always: return true;
      // Captures come only from leaves on the path that made the condition hold: a branch that
      // failed (or anything under `not`) gives back what it captured.
      case ConditionKind.All: {
        const kept = root.captures;
        const keptNames = root.captureNames;
        for (let i = 0; i < this.children.length; i++) {
          if (!unchecked(this.children[i]).eval(input, root)) {
            root.captures = kept;
            root.captureNames = keptNames;
            return false;
          }
        }
        return true;
      }
      case ConditionKind.Any: {
        for (let i = 0; i < this.children.length; i++) {
          const kept = root.captures;
          const keptNames = root.captureNames;
          if (unchecked(this.children[i]).eval(input, root)) return true;
          root.captures = kept;
          root.captureNames = keptNames;
        }
        return false;
      }
      case ConditionKind.Not: {
        const kept = root.captures;
        const keptNames = root.captureNames;
        const held = this.children.length == 1 && unchecked(this.children[0]).eval(input, root);
        root.captures = kept;
        root.captureNames = keptNames;
        return this.children.length == 1 && !held;
      }
      case ConditionKind.Method: return this.methods.includes(input.method());
      case ConditionKind.Status: return this.statuses.includes(input.status());
      case ConditionKind.Path: return this.one(input.path(), root);
      case ConditionKind.Host: return this.one(input.host(), root);
      case ConditionKind.Cookie: {
        const v = input.cookie(this.name);
        if (this.presence == 1) return v !== null;
        if (this.presence == 2) return v === null;
        return v !== null && this.one(v, root);
      }
      default: {
        const values = this.kind == ConditionKind.Header ? input.requestHeader(this.name)
          : this.kind == ConditionKind.ResponseHeader ? input.responseHeader(this.name) : input.query(this.name);
        if (this.presence == 1) return values.length > 0;
        if (this.presence == 2) return values.length == 0;
        for (let i = 0; i < values.length; i++) if (this.one(unchecked(values[i]), root)) return true;
        return false;
      }
    }
  }

  private one(s: string, root: Condition): bool {
    const m = this.matcher;
    if (m === null || !m.matches(s)) return false;
    if (m.kind == MatchKind.Regex && root.captures.length == 0) {
      root.captures = m.captures;
      root.captureNames = m.captureNames;
    }
    return true;
  }

  /** Whether any leaf reads the response (it can only hold on the response path). */
  readsResponse(): bool {
    if (this.kind == ConditionKind.Status || this.kind == ConditionKind.ResponseHeader) return true;
    for (let i = 0; i < this.children.length; i++) if (unchecked(this.children[i]).readsResponse()) return true;
    return false;
  }
}
