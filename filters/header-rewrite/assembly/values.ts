// What a rule's value template reads (the SDK formatter's FormatContext): the working copies of
// this phase's maps, so %REQ(x)% sees what earlier rules wrote (as Envoy's header_mutation reads the
// map it is mutating); the request as it left the request phase, for response-phase rules (a
// filter cannot read request headers from its response callbacks); Envoy attributes through
// proxy_get_property; the captures of the rule's condition.
import { FormatContext, FormatPhase, HeaderPair, Headers, getProperty } from "@filterkit/sdk";
import { Rule } from "./config";

/** Whether the pair's name is `want` (UTF-8), compared as bytes: no string is made per header. */
function named(p: HeaderPair, want: ArrayBuffer): bool {
  const n = want.byteLength;
  return p.key.byteLength == n && memory.compare(changetype<usize>(p.key), changetype<usize>(want), <usize>n) == 0;
}

function first(pairs: Headers | null, name: string): string | null {
  if (pairs === null) return null;
  const want = String.UTF8.encode(name);
  for (let i = 0; i < pairs.length; i++) {
    const p = unchecked(pairs[i]);
    if (named(p, want)) return p.valueString();
  }
  return null;
}

export class RuleValues extends FormatContext {
  current: FormatPhase;
  request: Headers | null;
  response: Headers | null;
  /** the groups of the rule's condition (index 0 = the whole match) */
  captures: Array<string> = new Array<string>();
  /** their names ("" for unnamed groups) */
  captureNames: Array<string> = new Array<string>();

  constructor(phase: FormatPhase, request: Headers | null, response: Headers | null) {
    super();
    this.current = phase;
    this.request = request;
    this.response = response;
  }

  phase(): FormatPhase { return this.current; }
  requestHeader(name: string): string | null { return first(this.request, name); }
  responseHeader(name: string): string | null { return this.current == FormatPhase.Response ? first(this.response, name) : null; }

  requestHeaderValues(name: string): Array<string> {
    const out = new Array<string>();
    const pairs = this.request;
    if (pairs === null) return out;
    const want = String.UTF8.encode(name);
    for (let i = 0; i < pairs.length; i++) {
      const p = unchecked(pairs[i]);
      if (named(p, want)) out.push(p.valueString());
    }
    return out;
  }

  property(path: Array<string>): ArrayBuffer | null { return getProperty(path); }

  capture(index: i32): string | null {
    return index >= 0 && index < this.captures.length ? unchecked(this.captures[index]) : null;
  }

  namedCapture(name: string): string | null {
    const i = this.captureNames.indexOf(name);
    return i > 0 ? this.capture(i) : null;
  }

  /** The rule's value for this phase ("" for a rule without one). */
  render(rule: Rule): string {
    const t = rule.value;
    return t === null ? "" : t.render(this);
  }
}

export { HeaderPair };
